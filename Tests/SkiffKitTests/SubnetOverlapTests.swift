import Foundation
import SkiffKit
import Testing

/// A new network never takes a subnet the host already uses, whoever made it: here a bridge left by
/// a state root that is gone (named like Skiff's, which the subnet check used to skip). A subnet asked
/// for that overlaps is refused, naming what holds it.
@Suite(
    "network subnets avoid the host's", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct SubnetOverlapTests {
    static func ip(_ args: String...) -> NetworkTests.Out { NetworkTests.sh("/usr/sbin/ip", args) }

    @Test func requestedSubnetOverlappingAStrayAddressIsRefused() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let stray = "skiffstray7"
        #expect(Self.ip("link", "add", stray, "type", "bridge").status == 0)
        defer { _ = Self.ip("link", "del", stray) }
        // Down: an address and no route.
        #expect(Self.ip("addr", "add", "10.99.251.1/24", "dev", stray).status == 0)
        let create = root.skiff("network", "create", "--subnet", "10.99.251.128/25", "clash")
        #expect(create.status != 0)
        #expect(create.err.contains("10.99.251.1/24") && create.err.contains(stray), "\(create.err)")
        #expect(root.engine.networks.load("clash") == nil)
    }

    @Test func automaticSubnetSkipsAStrayBridge() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        #expect(root.skiff("network", "create", "probe").status == 0)
        let first = try #require(root.engine.networks.load("probe")?.subnet)
        #expect(root.skiff("network", "rm", "probe").status == 0)

        // What a deleted state root leaves: a bridge, up, holding that subnet.
        let stray = "skiffstray8"
        #expect(Self.ip("link", "add", stray, "type", "bridge").status == 0)
        defer { _ = Self.ip("link", "del", stray) }
        #expect(Self.ip("addr", "add", "\(first.firstHost)/\(first.prefix)", "dev", stray).status == 0)
        #expect(Self.ip("link", "set", stray, "up").status == 0)

        #expect(root.skiff("network", "create", "next").status == 0)
        let next = try #require(root.engine.networks.load("next")?.subnet)
        #expect(!next.overlaps(first), "network next took \(next), which the stray bridge holds")
    }
}
