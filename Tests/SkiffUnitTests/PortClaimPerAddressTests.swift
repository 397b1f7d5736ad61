import Foundation
import SkiffRuntime
import Testing

@testable import SkiffKit

/// Host-port claims per (address, port, protocol), as Docker's: which publications overlap, two
/// containers on one port of two addresses, every address clashing with Docker's words; and the relay
/// maps of a port published on every address (to [::] on an IPv4-only network, as docker-proxy).
@Suite("Port claims per address, and the [::] relay of every address")
struct PortClaimPerAddressTests {
    @Test(arguments: [
        ("", "127.0.0.1", true), ("", "::1", true), ("127.0.0.1", "127.0.0.2", false),
        ("127.0.0.1", "127.0.0.1", true), ("::", "::1", true), ("::", "127.0.0.1", false),
        ("::1", "fd00::2", false),
    ])
    func overlap(a: String, b: String, expected: Bool) {
        let x = PortMapping(hostIP: a, hostPort: 8080, containerPort: 80)
        let y = PortMapping(hostIP: b, hostPort: 8080, containerPort: 81)
        #expect(NetworkStore.overlap(x, y) == expected)
        #expect(NetworkStore.overlap(y, x) == expected)
        var udp = y
        udp.proto = "udp"
        #expect(!NetworkStore.overlap(x, udp), "another protocol never overlaps")
    }

    @Test func twoAddressesShareAPortAndEveryAddressClashes() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-unit-ports-")
        defer { FileIO.removeTree(dir) }
        let store = NetworkStore(stateRoot: dir + "/state", hostDirectory: dir + "/host")
        // A claim counts while its container's namespace file exists.
        try FileIO.makeDirectories(dir + "/state/netns")
        for id in ["a", "b", "c"] { try FileIO.create(store.netnsPath(id), contents: []) }
        let lock = try store.hostLock()
        defer { lock.unlock() }
        guard let port = HostNetwork.probePort(ip: "127.0.0.1", port: 0, proto: "tcp") else {
            Issue.record("no free port to test with")
            return
        }
        let one = PortMapping(hostIP: "127.0.0.1", hostPort: port, containerPort: 80)
        let two = PortMapping(hostIP: "127.0.0.2", hostPort: port, containerPort: 80)
        #expect(try store.claimPorts([one], id: "a") == [one])
        #expect(try store.claimPorts([two], id: "b") == [two])
        #expect(store.portClaimPath(one) != store.portClaimPath(two))
        let every = PortMapping(hostIP: "", hostPort: port, containerPort: 80)
        #expect { try store.claimPorts([every], id: "c") } throws: { error in
            guard case KitError.network(let message) = error else { return false }
            return message.hasPrefix("Bind for 0.0.0.0:\(port) failed: port is already allocated")
        }
        #expect { try store.claimPorts([two], id: "c") } throws: { error in
            guard case KitError.network(let message) = error else { return false }
            return message.hasPrefix("Bind for 127.0.0.2:\(port) failed: port is already allocated")
        }
        store.releasePort(one, id: "a")
        store.releasePort(two, id: "b")
        #expect(try store.claimPorts([every], id: "c") == [every])
    }

    @Test func everyAddressIsRelayedFromIPv6AnyToAnIPv4OnlyContainer() throws {
        let v4 = try #require(IPv4Address("172.18.0.2"))
        var lease = NetworkLease(
            containerID: "c", name: "web", hostname: "web", aliases: [], ip: v4, interface: "eth0", veth: "skf0",
            ports: [
                PortMapping(hostIP: "", hostPort: 8080, containerPort: 80),
                PortMapping(hostIP: "", hostPort: 5353, containerPort: 53, proto: "udp"),
                PortMapping(hostIP: "127.0.0.1", hostPort: 9090, containerPort: 90),
            ])
        #expect(
            try Engine.loopbackProxyMaps([(lease, false)], hostIPv6: true) == [
                "tcp,::,8080,172.18.0.2,80", "udp,::,5353,172.18.0.2,53",
            ])
        #expect(
            try Engine.loopbackProxyMaps([(lease, false)], hostIPv6: false).isEmpty,
            "no IPv6 on the host: nothing to relay"
        )
        // An internal network's published ports stay the host's: the relay listens on ::1 only.
        #expect(
            try Engine.loopbackProxyMaps([(lease, true)], hostIPv6: true) == [
                "tcp,::1,8080,172.18.0.2,80", "udp,::1,5353,172.18.0.2,53",
            ])
        // With IPv6 on the network the firewall DNATs [::]; the relay is for ::1 alone.
        lease.ip6 = IPv6Address("fd00:1::2")
        #expect(
            try Engine.loopbackProxyMaps([(lease, false)], hostIPv6: true) == [
                "tcp,::1,8080,fd00:1::2,80", "udp,::1,5353,fd00:1::2,53",
            ])
    }

    @Test func everyAddressIsListedOnBothFamilies() {
        let p = PortMapping(hostIP: "", hostPort: 8080, containerPort: 80)
        #expect(p.listed(hostIPv6: true).map(\.description) == ["80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"])
        #expect(p.listed(hostIPv6: false).map(\.description) == ["80/tcp -> 0.0.0.0:8080"])
        let one = PortMapping(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80)
        #expect(one.listed(hostIPv6: true) == [one])
    }

    @Test func socketAddressParsesBothFamilies() {
        var a = SocketAddress(host: "::1", port: 8080)
        #expect(a?.family == AF_INET6 && a?.port == 8080)
        a = SocketAddress(host: "127.0.0.1", port: 53)
        #expect(a?.family == AF_INET && a?.port == 53)
        #expect(SocketAddress(host: "", port: 1)?.family == AF_INET)
        #expect(SocketAddress(host: "fd00::zz", port: 1) == nil)
        #expect(SocketAddress(host: "300.1.1.1", port: 1) == nil)
    }
}
