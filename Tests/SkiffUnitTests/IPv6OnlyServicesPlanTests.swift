import Foundation
import Testing

@testable import SkiffKit

/// What a container on an IPv6-only network gets besides its address, as plans: the embedded DNS
/// server's answers from the hosts file (AAAA, an empty answer for A, PTR, nothing for other names),
/// its resolv.conf (127.0.0.11, the host's search and options, ndots:0, the servers it forwards to),
/// the relay maps of IPv4 host ports to the container's IPv6 address, and Docker's boolean flags.
@Suite("IPv6-only networks: embedded DNS, IPv4 host ports, boolean flags")
struct IPv6OnlyServicesPlanTests {
    static let hosts = """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff02::1\tip6-allnodes
        fd00:1::2\tsrv web
        fd00:1::3\tcli
        fd00:1::4\tweb
        10.1.0.5\tdual
        fd00:1::5\tdual

        """

    /// A standard query for `name` of `type`, as a resolver sends it (RD set, with an EDNS record).
    static func query(_ name: String, type: UInt16, id: UInt16 = 0x1234) -> [UInt8] {
        var q: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]
        q += EmbeddedDNS.encodeName(name)
        q += [UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        q += [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]  // OPT
        return q
    }

    /// The answers' data of a reply, and its rcode and answer count.
    static func answers(_ reply: [UInt8]) -> (rcode: UInt8, aa: Bool, data: [[UInt8]]) {
        let count = Int(reply[6]) << 8 | Int(reply[7])
        var i = 12
        while reply[i] != 0 { i += Int(reply[i]) + 1 }
        i += 5
        var data: [[UInt8]] = []
        for _ in 0..<count {
            i += 2 + 2 + 2 + 4  // name pointer, type, class, ttl
            let n = Int(reply[i]) << 8 | Int(reply[i + 1])
            data.append(Array(reply[(i + 2)..<(i + 2 + n)]))
            i += 2 + n
        }
        return (reply[3] & 0x0f, reply[2] & 0x04 != 0, data)
    }

    @Test func aaaaRecordsComeFromTheHostsFileEveryAddressOnce() throws {
        let reply = try #require(EmbeddedDNS.localAnswer(to: Self.query("WEB", type: 28), hostsText: Self.hosts))
        #expect(reply[0] == 0x12 && reply[1] == 0x34, "the query's ID")
        let a = Self.answers(reply)
        #expect(a.rcode == 0 && a.aa)
        #expect(a.data == [IPv6Address("fd00:1::2")!.bytes, IPv6Address("fd00:1::4")!.bytes])
    }

    @Test func nameDotNetworkIsTheName() throws {
        let reply = try #require(
            EmbeddedDNS.localAnswer(to: Self.query("web.v6net", type: 28), hostsText: Self.hosts, networks: ["v6net"]))
        #expect(Self.answers(reply).data.count == 2)
        #expect(
            EmbeddedDNS.localAnswer(to: Self.query("web.other", type: 28), hostsText: Self.hosts, networks: ["v6net"])
                == nil, "not one of the container's networks: forwarded")
    }

    @Test func aNameWithIPv6OnlyGetsAnEmptyAnswerForA() throws {
        let reply = try #require(EmbeddedDNS.localAnswer(to: Self.query("cli", type: 1), hostsText: Self.hosts))
        let a = Self.answers(reply)
        #expect(a.rcode == 0 && a.data.isEmpty, "NODATA, not NXDOMAIN nor a forward")
        let dual = try #require(EmbeddedDNS.localAnswer(to: Self.query("dual.", type: 1), hostsText: Self.hosts))
        #expect(Self.answers(dual).data == [[10, 1, 0, 5]])
    }

    @Test func otherNamesAreForwardedAndLoopbackIsNotTheNetworks() {
        for name in ["example.com", "localhost", "ip6-allnodes", "srv.example.com"] {
            #expect(EmbeddedDNS.localAnswer(to: Self.query(name, type: 28), hostsText: Self.hosts) == nil, "\(name)")
        }
        // A type other than A, AAAA, PTR (MX) goes upstream too.
        #expect(EmbeddedDNS.localAnswer(to: Self.query("srv", type: 15), hostsText: Self.hosts) == nil)
        let failure = EmbeddedDNS.serverFailure(to: Self.query("example.com", type: 1))
        #expect(failure.map { Self.answers($0).rcode } == 2)
    }

    @Test func reverseLookupsNameTheContainer() throws {
        let nibbles = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa"
        let reply = try #require(EmbeddedDNS.localAnswer(to: Self.query(nibbles, type: 12), hostsText: Self.hosts))
        #expect(Self.answers(reply).data == [EmbeddedDNS.encodeName("srv")])
        #expect(EmbeddedDNS.reverseAddress("5.0.1.10.in-addr.arpa") == "10.1.0.5")
    }

    @Test func aLargeAnswerWithoutEDNSIsTruncatedForUDP() throws {
        // 30 replicas of one service: 30 AAAA records, more than 512 bytes.
        let hosts = (1...30).map { "fd00:1::\(String($0, radix: 16))\tworker" }.joined(separator: "\n")
        var plain = Self.query("worker", type: 28)
        plain = Array(plain.dropLast(11))  // no OPT record
        plain[11] = 0
        let full = try #require(EmbeddedDNS.localAnswer(to: plain, hostsText: hosts))
        #expect(Self.answers(full).data.count == 30 && full.count > 512)
        let cut = EmbeddedDNS.forUDP(full, query: plain)
        #expect(cut.count <= 512 && cut[2] & 0x02 != 0 && Self.answers(cut).data.isEmpty, "TC set, answers dropped")
        // With EDNS the resolver takes the whole answer.
        let edns = Self.query("worker", type: 28)
        let whole = try #require(EmbeddedDNS.localAnswer(to: edns, hostsText: hosts))
        #expect(EmbeddedDNS.forUDP(whole, query: edns) == whole)
    }

    @Test func malformedQueriesAreNotAnswered() {
        #expect(EmbeddedDNS.Query([1, 2, 3]) == nil)
        var response = Self.query("srv", type: 28)
        response[2] |= 0x80
        #expect(EmbeddedDNS.Query(response) == nil, "a response is no query")
        let truncated = Array(Self.query("srv", type: 28).prefix(15))
        #expect(EmbeddedDNS.Query(truncated) == nil)
    }

    @Test func resolvConfNamesTheEmbeddedServerAndKeepsTheHostsServersForIt() {
        let host =
            "# comment\nsearch corp.example lab.example\noptions edns0 timeout:2\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver fe80::1\n"
        let text = HostNetworkProbe.embeddedResolv(host)
        #expect(
            text
                == "nameserver 127.0.0.11\nsearch corp.example lab.example\noptions edns0 timeout:2 ndots:0\n\n# ExtServers: [10.255.255.53 host(127.0.0.53)]\n"
        )
        #expect(HostNetworkProbe.embeddedUpstreams(host) == ["10.255.255.53", "127.0.0.53"])
        #expect(HostNetworkProbe.namesEmbeddedServer(text))
        #expect(!HostNetworkProbe.namesEmbeddedServer("nameserver 10.0.0.1\n"), "not the embedded server's file")
        #expect(HostNetworkProbe.embeddedResolv("options ndots:2\n").contains("options ndots:2\n"), "ndots kept")
        // --dns: the servers it forwards to, the container still asks 127.0.0.11 (as Docker).
        var o = ContainerNameOptions()
        o.dns = ["192.0.2.53"]
        let withDNS = o.resolvConf(base: text)
        #expect(withDNS.contains("nameserver 127.0.0.11\n") && !withDNS.contains("nameserver 192.0.2.53"), "\(withDNS)")
        #expect(withDNS.hasSuffix("# ExtServers: [192.0.2.53]\n"), "\(withDNS)")
    }

    @Test func ipv4HostPortsAreRelayedToTheIPv6Address() throws {
        let lease = NetworkLease(
            containerID: "c", name: "web", hostname: "web", aliases: [], ip: nil, interface: "eth0", veth: "skf0",
            ports: [
                PortMapping(hostIP: "", hostPort: 8080, containerPort: 80),
                PortMapping(hostIP: "127.0.0.1", hostPort: 9090, containerPort: 90),
                PortMapping(hostIP: "", hostPort: 5353, containerPort: 53, proto: "udp"),
                PortMapping(hostIP: "::", hostPort: 7070, containerPort: 70),
            ], ip6: IPv6Address("fd00:1::2"))
        #expect(
            try Engine.loopbackProxyMaps([(lease, false)], hostIPv6: true) == [
                "tcp,::1,8080,fd00:1::2,80", "tcp,0.0.0.0,8080,fd00:1::2,80", "tcp,127.0.0.1,9090,fd00:1::2,90",
                "udp,::1,5353,fd00:1::2,53", "udp,0.0.0.0,5353,fd00:1::2,53", "tcp,::1,7070,fd00:1::2,70",
            ])
        // Internal: loopback only; another IPv4 address is refused, naming the flag.
        #expect(
            try Engine.loopbackProxyMaps([(lease, true)], hostIPv6: true).filter { !$0.contains("::1") } == [
                "tcp,127.0.0.1,8080,fd00:1::2,80", "tcp,127.0.0.1,9090,fd00:1::2,90", "udp,127.0.0.1,5353,fd00:1::2,53",
            ])
        var exposed = lease
        exposed.ports = [PortMapping(hostIP: "192.0.2.7", hostPort: 8080, containerPort: 80)]
        #expect(throws: KitError.self) { try Engine.loopbackProxyMaps([(exposed, true)], hostIPv6: true) }
        #expect(try Engine.loopbackProxyMaps([(exposed, false)], hostIPv6: true) == ["tcp,192.0.2.7,8080,fd00:1::2,80"])
        // Listed as Docker lists them: both families for every address.
        #expect(
            lease.listedPorts(hostIPv6: false).map(\.description).prefix(3) == [
                "80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "90/tcp -> 127.0.0.1:9090",
            ])
    }

    @Test(arguments: [
        (["network", "create", "--ipv6", "--ipv4=false", "n"], ["network", "create", "--ipv6", "--no-ipv4", "n"]),
        (
            ["--root", "/r", "network", "create", "--ipv6=true", "--internal=1", "n"],
            ["--root", "/r", "network", "create", "--ipv6", "--internal", "n"]
        ),
        (
            ["network", "create", "--ipv4=False", "--attachable=f", "--", "--ipv6=false"],
            ["network", "create", "--no-ipv4", "--no-attachable", "--", "--ipv6=false"]
        ),
        (
            ["network", "create", "--subnet=10.9.0.0/24", "--ipv6", "false"],
            ["network", "create", "--subnet=10.9.0.0/24", "--ipv6", "false"]
        ),
        (["network", "ls", "--ipv6=false"], ["network", "ls", "--ipv6=false"]),
    ])
    func booleanFlagsTakeGoWords(line: [String], expected: [String]) throws {
        #expect(
            try GoBoolFlags.normalized(line, command: ["network", "create"], flags: GoBoolFlags.networkCreate)
                == expected)
    }

    @Test func aBooleanFlagRefusesOtherWordsWithDockersMessage() {
        #expect(
            throws: GoBoolFlags.BadValue(
                message:
                    "invalid argument \"yes\" for \"--ipv4\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax")
        ) {
            try GoBoolFlags.normalized(
                ["network", "create", "--ipv4=yes", "n"], command: ["network", "create"],
                flags: GoBoolFlags.networkCreate
            )
        }
    }
}
