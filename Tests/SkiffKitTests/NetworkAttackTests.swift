import Foundation
import SkiffKit
import Testing

/// The network defences attacked from inside containers, as root on the real kernel, with both firewall
/// backends (nftables, and the iptables rendering): a default container must not reach the host's
/// loopback-only services through its bridge (CVE-2020-8558), nor send the host packets from a spoofed
/// 127.0.0.1, and containers on different networks must not reach each other; what must keep working
/// (a port published on 127.0.0.1, one network's own traffic, a container on two networks, a published
/// port from another network) is checked next to each attack. Each test has its own SKIFF_ROOT and
/// leaves no bridge, veth, table or chain behind (NetworkTests.cleanUp checks).
@Suite(
    "Network attacks (host loopback, isolation between networks)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkAttackTests {
    typealias Root = CLIRoot

    /// A TCP socket of the host's on 127.0.0.1 with a port of the kernel's choice; listening or only bound
    /// (then the port is closed but kept from anyone else, so it answers a SYN with RST).
    final class LoopbackSocket {
        let fd: Int32
        let port: UInt16
        init(listening: Bool) {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if listening { listen(s, 8) }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
            }
            fd = s
            port = UInt16(bigEndian: addr.sin_port)
        }
        deinit { close(fd) }
    }

    /// A UDP socket of the host's on every address; `received` collects what arrives within `timeout`.
    final class UDPListener {
        let fd: Int32
        let port: UInt16
        init() {
            let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
            }
            var tv = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            fd = s
            port = UInt16(bigEndian: addr.sin_port)
        }
        deinit { close(fd) }

        /// (payload, source address) of every datagram that arrives within `timeout` seconds.
        func received(within timeout: Double) -> [(text: String, from: String)] {
            var got: [(String, String)] = []
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                var buf = [UInt8](repeating: 0, count: 512)
                var peer = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buf, buf.count, 0, $0, &len) }
                }
                guard n > 0 else { continue }
                let a = UInt32(bigEndian: peer.sin_addr.s_addr)
                let from = [24, 16, 8, 0].map { String((a >> UInt32($0)) & 0xff) }.joined(separator: ".")
                got.append((String(decoding: buf[0..<n], as: UTF8.self), from))
            }
            return got
        }
    }

    static func mac(of link: String) -> String {
        ((try? String(contentsOfFile: "/sys/class/net/\(link)/address", encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    static func trimmed(_ r: CLIRoot.Result) -> String { r.out.trimmingCharacters(in: .whitespacesAndNewlines) }

    // MARK: the host's loopback

    /// CVE-2020-8558: the bridge has route_localnet=1, so a SYN to 127.0.0.1 written as a raw frame to
    /// the gateway's MAC is routed to the host's loopback. A listener there must not answer SYN-ACK,
    /// and a closed port must not answer RST (that would let every port be scanned). The same probe to
    /// the gateway's own address gets its RST, so the probe does see answers; and a port published on
    /// 127.0.0.1 still serves the host.
    @Test(arguments: ["nftables", "iptables"])
    func containerCannotReachHostLoopbackServices(firewall: String) throws {
        let root = try NetworkTests.makeRoot(firewall: firewall)
        defer { NetworkTests.cleanUp(root) }
        let probe = try RawPacketProbe.build(in: root.path)
        let published = NetworkTests.freePort()
        var r = root.skiff(
            [
                "run", "-d", "--name", "attacker", "-h", "loopweb", "-v", "\(probe):/raw-probe:ro",
                "-p", "127.0.0.1:\(published):80", "busybox",
            ] + NetworkTests.httpd)
        try #require(r.status == 0, "run: \(r.err)")
        let net = try #require(root.engine.networks.load("bridge"))
        let gatewayMAC = Self.mac(of: net.bridge)
        try #require(gatewayMAC.count == 17, "MAC of \(net.bridge): \(gatewayMAC)")
        let listener = LoopbackSocket(listening: true)
        let closed = LoopbackSocket(listening: false)
        func syn(_ dst: String, _ port: UInt16) -> String {
            let r = root.skiff("exec", "attacker", "/raw-probe", "syn", "eth0", gatewayMAC, dst, "\(port)")
            return r.status == 0 ? Self.trimmed(r) : "probe failed (\(r.status)): \(r.err)"
        }

        // The control: the host answers the probe on the gateway's address (nothing listens there: RST).
        #expect(syn(net.gateway!.description, listener.port) == "RST")
        #expect(syn("127.0.0.1", listener.port) == "NOREPLY", "a host service bound to 127.0.0.1 answered a container")
        #expect(
            syn("127.0.0.1", closed.port) == "NOREPLY",
            "a closed loopback port answered a container: ports can be scanned")
        #expect(syn("127.0.0.2", listener.port) == "NOREPLY", "127.0.0.0/8, not only 127.0.0.1")

        // The published port on 127.0.0.1 (DNAT, route_localnet, the loopback masquerade) still serves.
        #expect(root.eventually(30) { NetworkTests.curl("http://127.0.0.1:\(published)/").contains("hello-loopweb") })
        r = root.skiff("exec", "attacker", "cat", "/proc/sys/net/ipv4/conf/eth0/route_localnet")
        #expect(Self.trimmed(r) == "0", "the container's own side is untouched")
    }

    /// The other half of route_localnet: packets from a bridge with a source in 127.0.0.0/8 are taken
    /// as local, so a container could send a host service on any address a datagram that seems to come
    /// from the host itself (services that trust 127.0.0.0/8). The kernel refuses a source that is one
    /// of the host's own addresses (127.0.0.1), but not the rest of 127.0.0.0/8. A UDP listener on the
    /// host must receive the container's honest datagram and none of the spoofed ones.
    @Test(arguments: ["nftables", "iptables"])
    func containerCannotSpoofTheHostsLoopbackAddress(firewall: String) throws {
        let root = try NetworkTests.makeRoot(firewall: firewall)
        defer { NetworkTests.cleanUp(root) }
        let probe = try RawPacketProbe.build(in: root.path)
        let r = root.skiff("run", "-d", "--name", "spoofer", "-v", "\(probe):/raw-probe:ro", "busybox", "sleep", "1000")
        try #require(r.status == 0, "run: \(r.err)")
        let net = try #require(root.engine.networks.load("bridge"))
        let lease = try #require(root.engine.networks.leases("bridge").first)
        let listener = UDPListener()
        let gatewayMAC = Self.mac(of: net.bridge)
        for (source, text) in [("127.0.0.1", "spoofed"), ("127.0.0.2", "spoofed"), (lease.ip!.description, "honest")] {
            let sent = root.skiff(
                "exec", "spoofer", "/raw-probe", "udp", "eth0", gatewayMAC, source, net.gateway!.description,
                "\(listener.port)", text)
            #expect(Self.trimmed(sent) == "SENT", "\(sent.err)")
        }
        let got = listener.received(within: 1.5)
        #expect(
            got.contains { $0.text == "honest" && $0.from == lease.ip!.description },
            "the control datagram did not arrive: \(got)")
        #expect(
            !got.contains { $0.text == "spoofed" }, "the host took a datagram from 127.0.0.1 off the bridge: \(got)")
    }

    // MARK: isolation between networks

    /// A network namespace of the test's own whose iptables FORWARD policy is DROP (Docker's, ufw's),
    /// where the CLI runs under `nsenter`: Skiff's forward rules then go through `<prefix>-FWD` (the
    /// iptables backend's chain, or the one the nftables backend adds there). Removed by `remove()`.
    struct DroppingNamespace {
        let name = "skifftest-iso-\(String(UUID().uuidString.prefix(6)).lowercased())"
        var launcher: [String] { ["/usr/bin/nsenter", "--net=/run/netns/\(name)"] }

        init() throws {
            try #require(NetworkTests.sh("/usr/sbin/ip", "netns", "add", name).status == 0)
            for args in [
                ["/usr/sbin/ip", "link", "set", "lo", "up"], ["/usr/sbin/iptables", "-P", "FORWARD", "DROP"],
            ] {
                let r = NetworkTests.sh("/usr/sbin/ip", ["netns", "exec", name] + args)
                if r.status != 0 { remove() }
                try #require(r.status == 0, "\(args): \(r.err)")
            }
        }

        func remove() { NetworkTests.sh("/usr/sbin/ip", "netns", "del", name) }
    }

    /// Docker's isolation of bridge networks: a container on one network (or the default bridge) cannot
    /// open a connection to a container's address on another, nor to one of another state root; on its
    /// own network it can, a container attached to both reaches both, and a port published by a
    /// container on another network is reachable (it is published to everyone). Both backends, also
    /// where iptables' FORWARD policy drops (in a namespace of the test's own).
    @Test(arguments: ["nftables", "iptables", "nftables/FORWARD DROP", "iptables/FORWARD DROP"])
    func networksAreIsolatedFromEachOther(setup: String) throws {
        let firewall = String(setup.prefix { $0 != "/" })
        let namespace = setup.hasSuffix("FORWARD DROP") ? try DroppingNamespace() : nil
        defer { namespace?.remove() }
        func makeRoot() throws -> Root {
            try Root(
                prefix: "skiff-net-test-", environment: ["SKIFF_FIREWALL": firewall],
                launcher: namespace?.launcher ?? [])
        }
        let root = try makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let other = try makeRoot()
        defer { NetworkTests.cleanUp(other) }
        #expect(root.skiff("network", "create", "neta").status == 0)
        #expect(root.skiff("network", "create", "netb").status == 0)
        let published = NetworkTests.freePort()
        for (name, args) in [
            ("a1", ["--network", "neta"]), ("a2", ["--network", "neta"]),
            ("b1", ["--network", "netb", "-p", "\(published):80"]), ("d1", []), ("ab", ["--network", "neta"]),
        ] {
            let r = root.skiff(["run", "-d", "--name", name, "-h", name] + args + ["busybox"] + NetworkTests.httpd)
            try #require(r.status == 0, "\(name): \(r.err)")
        }
        var r = root.skiff("network", "connect", "netb", "ab")
        try #require(r.status == 0, "connect: \(r.err)")
        r = other.skiff(["run", "-d", "--name", "x1", "-h", "x1", "busybox"] + NetworkTests.httpd)
        try #require(r.status == 0, "other root: \(r.err)")

        func ip(_ name: String, _ network: String, in root: Root) throws -> String {
            let l = try #require(
                root.engine.networks.leases(network).first { $0.name == name }, "\(name) on \(network)")
            return l.ip!.description
        }
        let a1 = try ip("a1", "neta", in: root), a2 = try ip("a2", "neta", in: root),
            b1 = try ip("b1", "netb", in: root)
        let d1 = try ip("d1", "bridge", in: root), x1 = try ip("x1", "bridge", in: other)
        let gatewayA = try #require(root.engine.networks.load("neta")).gateway!.description
        /// The page `from` gets from http://host:port/ ("" when nothing answers within 2 s).
        func get(_ from: String, _ host: String, _ port: UInt16 = 80, in other: Root? = nil) -> String {
            let r = (other ?? root).skiff(
                "exec", from, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 4 nc -w 2 \(host) \(port)")
            return r.out.split(whereSeparator: \.isNewline).last.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            } ?? ""
        }
        // Same network, and the container on both networks: reached and reaching.
        #expect(root.eventually(30) { get("a1", a2) == "hello-a2" }, "same network")
        #expect(get("ab", a1) == "hello-a1" && get("ab", b1) == "hello-b1", "a container on both networks reaches both")
        #expect(get("b1", try ip("ab", "netb", in: root)) == "hello-ab")
        // The attacks: across networks, from and to the default bridge, and into another root's bridge.
        #expect(get("a1", b1) == "", "neta reached a container on netb")
        #expect(get("b1", a1) == "", "netb reached a container on neta")
        #expect(get("d1", a1) == "", "the default bridge reached a container on neta")
        #expect(get("a1", d1) == "", "neta reached a container on the default bridge")
        #expect(get("a1", x1) == "", "a container reached a container of another state root")
        // Published by b1: reachable from neta through the host's address (its gateway's, here).
        #expect(get("a1", gatewayA, published) == "hello-b1", "a published port from another network")
        #expect(get("x1", d1, in: other) == "", "another state root reached this root's default bridge")
        if let namespace {
            let rules = NetworkTests.sh(
                "/usr/sbin/ip", "netns", "exec", namespace.name, "/usr/sbin/iptables-save", "-t", "filter"
            ).out
            #expect(rules.contains("-A FORWARD -j \(root.engine.networks.chainPrefix)-FWD"), "\(rules)")
        }
    }
}
