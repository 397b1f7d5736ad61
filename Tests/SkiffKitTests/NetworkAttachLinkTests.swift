import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// A container's attach made over rtnetlink (no `ip` process), checked on the kernel's side: in the
/// running container, eth0's MAC, MTU, address and default route; on the host, its veth's bridge,
/// hairpin flag and (enable_icc=false) isolated flag, read from /sys. And the netlink client itself in
/// a namespace of the test's own: a refusal comes back as the kernel's errno.
@Suite(
    "network attach over rtnetlink",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkAttachLinkTests {
    static func brport(_ veth: String, _ flag: String) -> String {
        ((try? String(contentsOfFile: "/sys/class/net/\(veth)/brport/\(flag)", encoding: .utf8)) ?? "missing")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func master(_ veth: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(veth)/master"))
            .map { ($0 as NSString).lastPathComponent }
    }

    @Test func interfaceAndBridgePortAsAsked() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (p, cidr) = NetworkEndpointTests.randomSubnet()
        var r = root.skiff(
            "network", "create", "--subnet", cidr, "-o", "com.docker.network.driver.mtu=1400", "-o",
            "com.docker.network.bridge.enable_icc=false", "nl-quiet")
        try #require(r.status == 0, "\(r)")
        try #require(root.skiff("network", "create", "nl-open").status == 0)
        r = root.skiff(
            "run", "-d", "--name", "nl-q", "--network", "nl-quiet", "--ip", "\(p).7", "--mac-address",
            "02:42:aa:bb:cc:07", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        r = root.skiff("run", "-d", "--name", "nl-o", "--network", "nl-open", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")

        let inside = NetworkEndpointTests.exec(
            root, "nl-q", "cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu; ip -4 addr show eth0; ip route")
        #expect(inside.hasPrefix("02:42:aa:bb:cc:07\n1400\n"), "\(inside)")
        #expect(inside.contains("inet \(p).7/24"), "\(inside)")
        #expect(inside.contains("default via \(p).1 dev eth0"), "\(inside)")
        #expect(inside.contains("UP"), "\(inside)")
        let lo = NetworkEndpointTests.exec(root, "nl-q", "ip link show lo")
        #expect(lo.contains("UP"), "\(lo)")

        let quiet = try #require(root.engine.networks.load("nl-quiet"))
        let quietVeth = try #require(root.engine.networks.leases("nl-quiet").first).veth
        #expect(Self.master(quietVeth) == quiet.bridge)
        #expect(Self.brport(quietVeth, "hairpin_mode") == "1")
        #expect(Self.brport(quietVeth, "isolated") == "1")
        #expect(NetworkTests.sh("/usr/sbin/ip", "-o", "link", "show", quietVeth).out.contains("state UP"))

        let open = try #require(root.engine.networks.load("nl-open"))
        let openVeth = try #require(root.engine.networks.leases("nl-open").first).veth
        #expect(Self.master(openVeth) == open.bridge)
        #expect(Self.brport(openVeth, "hairpin_mode") == "1")
        #expect(Self.brport(openVeth, "isolated") == "0")
    }

    /// A host end of the container's pair still there at a start (a quick restart, whose old pair the
    /// kernel is still deleting) is deleted before the new pair is made, which takes its name.
    @Test func aLeftoverHostEndIsDeletedFirst() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        try #require(root.skiff("network", "create", "nl-re").status == 0)
        var r = root.skiff("create", "--name", "nl-re1", "--network", "nl-re", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let id = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let index = try #require(root.engine.networks.load("nl-re")).index
        let veth = NetworkStore.vethName(containerID: id, index: index)
        let made = NetworkTests.sh("/usr/sbin/ip", "link", "add", veth, "type", "veth", "peer", "name", "skfnltmp0")
        try #require(made.status == 0, "\(made.err)")
        defer { NetworkTests.sh("/usr/sbin/ip", "link", "del", veth) }
        r = root.skiff("start", "nl-re1")
        #expect(r.status == 0, "\(r)")
        #expect(access("/sys/class/net/skfnltmp0", F_OK) != 0, "the old pair is still there")
        #expect(Self.master(veth) == root.engine.networks.load("nl-re")?.bridge)
    }

    /// The client in a namespace of its own: lo comes up, an address goes on, and the same address
    /// again is the kernel's EEXIST (with its message), not a silent success.
    @Test func refusalsCarryTheKernelsErrno() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-nl-test-")
        defer { FileIO.removeTree(dir) }
        let ns = dir + "/ns"
        try NetworkNamespace.create(at: ns)
        defer { NetworkNamespace.remove(at: ns) }
        let outcome: Result<Void, NetlinkError> = try NetworkNamespace.inside(
            namespaceAt: ns, orElse: { $0 },
            { () throws(SystemError) in
                let socket = try RouteSocket()
                let lo = Int32(bitPattern: if_nametoindex("lo"))
                do throws(NetlinkError) {
                    try socket.perform(.setUp(index: lo))
                    try socket.perform(.addAddress(index: lo, address: [10, 9, 8, 7], prefix: 24))
                    try socket.perform(.addAddress(index: lo, address: [10, 9, 8, 7], prefix: 24))
                    return .success(())
                } catch { return .failure(error) }
            })
        guard case .failure(let error) = outcome else {
            Issue.record("adding the same address twice succeeded")
            return
        }
        #expect(error.errno == EEXIST, "\(error)")
        #expect(error.description.hasPrefix("File exists"), "\(error)")
    }
}
