import SkiffKit
import Testing

/// `images --filter` as Docker filters images: one key's values are alternatives, keys all apply, and
/// `reference` picks names (Go's path.Match: `*` stops at `/`).
@Suite struct ImageListFilterTests {
    let app = ImageListFilter.Row(
        references: [("team/app", "1.0"), ("team/app", "latest")], labels: ["tier": "front"], created: 2000)
    let busybox = ImageListFilter.Row(references: [("busybox", "latest")], labels: [:], created: 1000)
    let dangling = ImageListFilter.Row(references: [], labels: ["tier": "back"], created: 3000)

    func filter(_ texts: [String]) throws -> ImageListFilter {
        try ImageListFilter(parsing: texts, now: 10_000) { name throws(KitError) in
            guard name == "busybox" else { throw .notFound("No such image: \(name)") }
            return 1000
        }
    }

    func images(_ texts: [String]) throws -> [String] {
        let f = try filter(texts)
        return [("app", app), ("busybox", busybox), ("dangling", dangling)].filter { f.matchesImage($0.1) }.map(\.0)
    }

    @Test func imagesAsDockerFiltersThem() throws {
        #expect(try images([]) == ["app", "busybox", "dangling"])
        #expect(try images(["dangling=true"]) == ["dangling"])
        #expect(try images(["dangling=false"]) == ["app", "busybox"])
        #expect(try images(["label=tier"]) == ["app", "dangling"])
        #expect(try images(["label=tier=back"]) == ["dangling"])
        #expect(try images(["label=tier=back", "label=tier=front"]) == ["app", "dangling"])
        #expect(try images(["since=busybox"]) == ["app", "dangling"])
        #expect(try images(["before=busybox"]) == [])
        #expect(try images(["until=2500"]) == ["app", "busybox"])
        #expect(try images(["since=busybox", "label=tier=front"]) == ["app"])
    }

    @Test func referencesMatchAsGoPathPatterns() throws {
        let f = try filter(["reference=team/*:1.*"])
        #expect(f.matchesReference(name: "team/app", tag: "1.0"))
        #expect(!f.matchesReference(name: "team/app", tag: "latest"))
        let byName = try filter(["reference=busy*"])
        #expect(byName.matchesReference(name: "busybox", tag: "latest"))
        #expect(!byName.matchesReference(name: "team/app", tag: "1.0"))
        // `*` does not cross a `/`.
        #expect(!(try filter(["reference=*"])).matchesReference(name: "team/app", tag: "1.0"))
        #expect(try filter(["reference=*"]).matchesReference(name: "busybox", tag: "latest"))
    }

    @Test func badFiltersAreRefusedByName() {
        for bad in ["colour=red", "dangling=maybe", "until=yesterday", "label", "before=nope"] {
            #expect(throws: KitError.self, "\(bad)") { try filter([bad]) }
        }
    }
}
