import SkiffKit
import Testing

/// `network ls --filter` as Docker filters networks: one key's values are alternatives, keys all apply.
@Suite struct NetworkListFilterTests {
    let web = NetworkListFilter.Row(
        id: "4f2a9c0d1e", name: "proj_web", driver: "bridge", labels: ["tier": "front"], builtin: false, inUse: true)
    let idle = NetworkListFilter.Row(
        id: "88aa77bb66", name: "idle", driver: "bridge", labels: [:], builtin: false, inUse: false)
    let bridge = NetworkListFilter.Row(
        id: "0011223344", name: "bridge", driver: "bridge", labels: [:], builtin: true, inUse: false)

    func names(_ filters: [String]) throws -> [String] {
        let f = try NetworkListFilter(parsing: filters)
        return [web, idle, bridge].filter(f.matches).map(\.name)
    }

    @Test func filtersAsDockerFiltersNetworks() throws {
        #expect(try names([]) == ["proj_web", "idle", "bridge"])
        #expect(try names(["name=web"]) == ["proj_web"])
        #expect(try names(["name=web", "name=idle"]) == ["proj_web", "idle"])
        #expect(try names(["id=88aa"]) == ["idle"])
        #expect(try names(["label=tier"]) == ["proj_web"])
        #expect(try names(["label=tier=back"]) == [])
        #expect(try names(["type=custom"]) == ["proj_web", "idle"])
        #expect(try names(["type=builtin"]) == ["bridge"])
        #expect(try names(["dangling=true"]) == ["idle"])
        #expect(try names(["dangling=false", "driver=bridge"]) == ["proj_web", "bridge"])
        #expect(try names(["scope=local", "name=idle"]) == ["idle"])
        for bad in ["colour=red", "type=overlay", "dangling=maybe", "name"] {
            #expect(throws: KitError.self, "\(bad)") { try NetworkListFilter(parsing: [bad]) }
        }
    }
}
