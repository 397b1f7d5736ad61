import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// The FORWARD check at a container start (`ForwardCheck`): left out while nftables' generation is the
/// one recorded after a check found FORWARD as wanted, and made again once anything in the ruleset
/// changed, so a firewall that closed FORWARD meanwhile (dockerd starting after Skiff's bridge) is opened
/// for the bridges at the next start. In a network namespace of the test's own.
extension NetworkTests {
    @Test func aForwardPolicyOfDropSetAfterTheBridgeIsOpenedAtTheNextStart() throws {
        let ns = "skifftest-gen-\(String(UUID().uuidString.prefix(6)).lowercased())"
        try #require(Self.sh("/usr/sbin/ip", "netns", "add", ns).status == 0)
        defer { Self.sh("/usr/sbin/ip", "netns", "del", ns) }
        func inside(_ args: String...) -> Out { Self.sh("/usr/sbin/ip", ["netns", "exec", ns] + args) }
        try #require(inside("/usr/sbin/ip", "link", "set", "lo", "up").status == 0)
        // Policy ACCEPT, but iptables-nft has its filter table (as on a host where iptables ever ran).
        try #require(inside("/usr/sbin/iptables", "-P", "FORWARD", "ACCEPT").status == 0)
        let root = try Root(
            prefix: "skiff-net-test-", environment: ["SKIFF_FIREWALL": "nftables"],
            launcher: ["/usr/bin/nsenter", "--net=/run/netns/\(ns)"])
        defer { Self.cleanUp(root) }
        let outside = try OutsideServer(directory: root.path, greeting: "hello-after-drop", hostNetns: ns)
        defer { outside.stop() }
        let get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 \(outside.address) 8080"
        try #require(root.skiff("run", "-d", "--name", "first", "busybox", "sleep", "60").status == 0)
        // Two starts with nothing changed in between: the second finds the generation recorded.
        let recorded = root.path + "/networks/.forward-generation"
        try #require(root.skiff("run", "-d", "--name", "second", "busybox", "sleep", "60").status == 0)
        let generation = try #require(try? String(contentsOfFile: recorded, encoding: .utf8))
        try #require(root.skiff("run", "-d", "--name", "third", "busybox", "sleep", "60").status == 0)
        #expect((try? String(contentsOfFile: recorded, encoding: .utf8)) == generation)
        #expect(!inside("/usr/sbin/iptables-save", "-t", "filter").out.contains(root.engine.networks.chainPrefix))
        // A firewall closes FORWARD behind Skiff's back; the bridge and Skiff's table stay as they were.
        try #require(inside("/usr/sbin/iptables", "-P", "FORWARD", "DROP").status == 0)
        let run = root.skiff("run", "--rm", "busybox", "sh", "-c", get)
        #expect(run.out.contains("hello-after-drop"), "outbound after the policy changed: \(run.out) \(run.err)")
        let prefix = root.engine.networks.chainPrefix
        #expect(inside("/usr/sbin/iptables-save", "-t", "filter").out.contains("-A FORWARD -j \(prefix)-FWD"))
        #expect(root.skiff("rm", "-f", "first", "second", "third").status == 0)
        #expect(root.skiff("network", "prune", "-f").status == 0)
        #expect(!inside("/usr/sbin/iptables-save", "-t", "filter").out.contains(prefix))
    }
}
