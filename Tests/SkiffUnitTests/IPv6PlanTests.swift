import Foundation
import SkiffKit
import Testing

/// The pure parts of IPv6 networks: address and subnet arithmetic, the ULA /64 Skiff picks when
/// `--ipv6` gives no subnet, the host routes it must avoid, and compose's `enable_ipv6`, IPv6
/// `ipam.config` blocks and `ipv6_address`, with errors naming the key.
@Suite("IPv6 addresses, subnets and compose keys")
struct IPv6PlanTests {
    @Test func addressesParseAndPrintInCanonicalForm() throws {
        #expect(IPv6Address("fd00:0:0:0:0:0:0:1")?.description == "fd00::1")
        #expect(IPv6Address("FD00:BEEF::0A")?.description == "fd00:beef::a")
        #expect(IPv6Address("::1")?.description == "::1")
        for bad in ["", "fd00::1::2", "10.0.0.1", "fd00::g", "fd00::1/64"] {
            #expect(IPv6Address(bad) == nil, "\(bad)")
        }
        let a = try #require(IPv6Address("fd00::ffff:ffff:ffff:ffff"))
        #expect(a.adding(1).description == "fd00:0:0:1::")
        #expect(IPv6Address("fd00::1")! < IPv6Address("fd00::2")!)
    }

    @Test func subnetsMaskHostBitsAndKnowTheirAddresses() throws {
        let s = try #require(IPv6Subnet("fd00:beef:1::77/64"))
        #expect(s.description == "fd00:beef:1::/64")
        #expect(s.firstHost.description == "fd00:beef:1::1")
        #expect(s.last.description == "fd00:beef:1:0:ffff:ffff:ffff:ffff")
        #expect(s.contains(IPv6Address("fd00:beef:1::99")!))
        #expect(!s.contains(IPv6Address("fd00:beef:2::1")!))
        #expect(s.overlaps(IPv6Subnet("fd00:beef::/32")!))
        #expect(!s.overlaps(IPv6Subnet("fd00:beef::/48")!))
        #expect(!s.overlaps(IPv6Subnet("fd00:beef:2::/64")!))
        let small = try #require(IPv6Subnet("fd00::100/120"))
        #expect(small.contains(IPv6Address("fd00::1ff")!) && !small.contains(IPv6Address("fd00::200")!))
        for bad in ["fd00::/8", "fd00::/125", "fd00::", "10.0.0.0/24", "fd00::/x"] {
            #expect(IPv6Subnet(bad) == nil, "\(bad)")
        }
    }

    /// Docker 27 takes a /64 from a ULA prefix (fd00::/8 and a 40-bit global ID) when --ipv6 has no
    /// subnet: the same state root always gets the same /48, another root a different one.
    @Test func automaticSubnetsAreStableUniqueLocal64s() {
        let a = IPv6Subnet.uniqueLocalCandidates(seed: "/var/lib/skiff", from: 3)
        let again = IPv6Subnet.uniqueLocalCandidates(seed: "/var/lib/skiff", from: 3)
        let other = IPv6Subnet.uniqueLocalCandidates(seed: "/tmp/other-root", from: 3)
        #expect(a == again)
        #expect(a.first != other.first)
        #expect(a.allSatisfy { $0.prefix == 64 && $0.description.hasPrefix("fd") })
        #expect(Set(a).count == a.count, "every candidate is another /64")
        #expect(a[0].network.high & 0xffff == 3, "the network's index is its subnet ID")
        #expect(a[0].network.high >> 56 == 0xfd, "in fd00::/8")
    }

    /// /proc/net/ipv6_route: the host's own routes count, link-local, multicast, loopback and the
    /// default route do not.
    @Test func hostRoutesAreReadFromProc() {
        let text = """
            fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0
            00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
            ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001     eth0
            """
        let used = HostSubnetUse6.parse(text)
        #expect(used.map(\.description) == ["the host route fd00::/64 on eth0"])
    }

    static func load(_ compose: String) throws(ComposeError) -> ComposeProject {
        try ComposeResourceMappingTests.load(compose)
    }

    static func error(_ compose: String) -> String {
        do {
            _ = try load(compose)
            return "(loaded)"
        } catch { return error.description }
    }

    @Test func composeEnableIPv6WithBothFamiliesAndFixedAddresses() throws {
        let project = try Self.load(
            """
            services:
              web:
                image: busybox
                networks:
                  front:
                    ipv4_address: 172.28.0.10
                    ipv6_address: fd00:db8:1::10
            networks:
              front:
                enable_ipv6: true
                ipam:
                  config:
                    - subnet: 172.28.0.0/16
                    - subnet: fd00:db8:1::/64
                      gateway: fd00:db8:1::fe
            """)
        let front = try #require(project.network("front"))
        #expect(front.enableIPv6 && front.subnet == "172.28.0.0/16")
        #expect(front.subnet6 == "fd00:db8:1::/64" && front.gateway6 == "fd00:db8:1::fe")
        let web = try #require(project.service("web"))
        let options = try ComposeWiring(project: project).runOptions(web, name: "x-web-1", number: 1, configHash: "H")
        #expect(options.ip == "172.28.0.10" && options.ip6 == "fd00:db8:1::10")
        // enable_ipv6 alone: Skiff picks the /64 when the network is made.
        let auto = try Self.load("services:\n  a:\n    image: busybox\nnetworks:\n  n:\n    enable_ipv6: true\n")
        #expect(auto.network("n")?.enableIPv6 == true && auto.network("n")?.subnet6 == nil)
        // enable_ipv4: false: an IPv6-only network (Docker 28).
        let only = try Self.load(
            "services:\n  a:\n    image: busybox\nnetworks:\n  n:\n    enable_ipv4: false\n    enable_ipv6: true\n")
        #expect(only.network("n")?.enableIPv4 == false && only.network("n")?.enableIPv6 == true)
        let fixed = Self.error(
            "services:\n  a:\n    image: busybox\n    networks:\n      n:\n        ipv4_address: 10.0.0.2\n"
                + "networks:\n  n:\n    enable_ipv4: false\n    enable_ipv6: true\n")
        #expect(fixed.contains("networks.n.ipv4_address: network n is IPv6-only"), "\(fixed)")
    }

    @Test(arguments: [
        (
            "networks:\n  n:\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n",
            "networks.n.ipam.config: an IPv6 subnet (fd00:1::/64) needs enable_ipv6: true"
        ),
        (
            "networks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/200\n",
            "networks.n.ipam.config[0].subnet: expected an IPv6 subnet"
        ),
        (
            "networks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n          gateway: fd00:2::1\n",
            "networks.n.ipam.config[0].gateway: fd00:2::1 is not a host address of fd00:1::/64"
        ),
        (
            "networks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n        - subnet: fd00:2::/64\n",
            "networks.n.ipam.config[1]: a skiff network has one IPv6 subnet"
        ),
        (
            "networks:\n  n:\n    enable_ipv4: false\n",
            "networks.n.enable_ipv4: false needs enable_ipv6: true"
        ),
        (
            "networks:\n  n:\n    enable_ipv4: false\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: 10.9.0.0/24\n",
            "networks.n.ipam.config: an IPv4 subnet (10.9.0.0/24) on a network with enable_ipv4: false"
        ),
    ])
    func composeIPv6NetworkErrorsNameTheKey(networks: String, message: String) {
        let text = "services:\n  a:\n    image: busybox\n    networks: [n]\n" + networks
        let got = Self.error(text)
        #expect(got.contains(message), "\(got)")
    }

    @Test(arguments: [
        (
            "enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64", "fd00:2::5",
            "is not a free host address of fd00:1::/64"
        ),
        (
            "enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64", "fd00:1::1",
            "the gateway is fd00:1::1"
        ),
        (
            "enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64", "10.0.0.5",
            "not an IPv6 address"
        ),
        (
            "ipam:\n      config:\n        - subnet: 10.5.0.0/24", "fd00:1::5",
            "network n has no IPv6: set networks.n.enable_ipv6: true"
        ),
        ("enable_ipv6: true", "fd00:1::5", "a fixed address needs a subnet"),
    ])
    func composeIPv6AddressIsCheckedAgainstItsNetwork(network: String, address: String, message: String) {
        let text = """
            services:
              a:
                image: busybox
                networks:
                  n:
                    ipv6_address: \(address)
            networks:
              n:
                \(network)

            """
        let got = Self.error(text)
        #expect(got.contains("services.a.networks.n.ipv6_address") && got.contains(message), "\(got)")
    }
}

extension IPv6PlanTests {
    /// `compose config` writes the IPv6 keys back, and what it writes loads again the same.
    @Test func composeConfigKeepsTheIPv6Keys() throws {
        let text = """
            services:
              a:
                image: busybox
                networks:
                  n:
                    ipv6_address: fd00:1::9
            networks:
              n:
                enable_ipv6: true
                ipam:
                  config:
                    - subnet: 10.77.0.0/24
                    - subnet: fd00:1::/64
                      gateway: fd00:1::fe

            """
        let project = try Self.load(text)
        let written = project.yaml()
        #expect(written.contains("enable_ipv6: true") && written.contains("fd00:1::fe"), "\(written)")
        #expect(
            written.contains("ipv6_address: \"fd00:1::9\"") || written.contains("ipv6_address: fd00:1::9"), "\(written)"
        )
        let again = try Self.load(written)
        let n = again.network("n")
        #expect(n?.enableIPv6 == true && n?.subnet6 == "fd00:1::/64" && n?.gateway6 == "fd00:1::fe")
        #expect(n?.subnet == "10.77.0.0/24")
        #expect(again.service("a")?.networks.first?.ipv6Address == "fd00:1::9")
    }
}
