import Foundation
import Testing

@testable import SkiffKit
@testable import SkiffSystem

/// The rtnetlink requests of a container's network attach, byte for byte as iproute2 6.1 sends them
/// for the `ip` command each one replaces. The expected bytes were captured once with
/// `strace -e trace=sendmsg -e write=3 -xx ip …` (the sequence number zeroed: the encoder is given 0).
/// Indexes as in the capture: lo 1, eth0 2, the veth 45559, the bridge 45558.
@Suite("rtnetlink requests: the bytes iproute2 sends")
struct RouteMessageEncodingTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    /// `ip link add eth0 mtu 1400 address 02:42:ac:11:00:02 type veth peer name nlcapveth netns NAME`
    /// (iproute2 opened the namespace as fd 4: IFLA_NET_NS_FD).
    @Test func vethCreate() {
        let m = RouteMessage.createVeth(
            name: "eth0", mtu: 1400, mac: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], peer: "nlcapveth", peerNamespaceFD: 4)
        #expect(
            m.encoded(sequence: 0)
                == Self.hex(
                    """
                    7c 00 00 00 10 00 05 06 00 00 00 00 00 00 00 00
                    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
                    08 00 04 00 78 05 00 00 0a 00 01 00 02 42 ac 11
                    00 02 00 00 09 00 03 00 65 74 68 30 00 00 00 00
                    3c 00 12 00 08 00 01 00 76 65 74 68 30 00 02 00
                    2c 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00
                    00 00 00 00 08 00 1c 00 04 00 00 00 0e 00 03 00
                    6e 6c 63 61 70 76 65 74 68 00 00 00
                    """))
    }

    /// `ip link set lo up`, `ip link set eth0 up`.
    @Test func linkUp() {
        #expect(
            RouteMessage.setUp(index: 1).encoded(sequence: 0)
                == Self.hex(
                    """
                    20 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00
                    """))
        #expect(
            RouteMessage.setUp(index: 2).encoded(sequence: 0)
                == Self.hex(
                    """
                    20 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 02 00 00 00 01 00 00 00 01 00 00 00
                    """))
    }

    /// `ip addr add 172.18.0.2/16 dev eth0`: IFA_LOCAL and IFA_ADDRESS, no broadcast.
    @Test func ipv4Address() {
        #expect(
            RouteMessage.addAddress(index: 2, address: [172, 18, 0, 2], prefix: 16).encoded(sequence: 0)
                == Self.hex(
                    """
                    28 00 00 00 14 00 05 06 00 00 00 00 00 00 00 00
                    02 10 00 00 02 00 00 00 08 00 02 00 ac 12 00 02
                    08 00 01 00 ac 12 00 02
                    """))
    }

    /// `ip addr add fd00:1::2/64 dev eth0 nodad`: IFA_F_NODAD in the header.
    @Test func ipv6AddressWithoutDAD() {
        let a = LinkStep.Address.v6(IPv6Address("fd00:1::2")!)
        #expect(
            RouteMessage.addAddress(index: 2, address: a.bytes, prefix: 64, noDAD: true).encoded(sequence: 0)
                == Self.hex(
                    """
                    40 00 00 00 14 00 05 06 00 00 00 00 00 00 00 00
                    0a 40 02 00 02 00 00 00 14 00 02 00 fd 00 00 01
                    00 00 00 00 00 00 00 00 00 00 00 02 14 00 01 00
                    fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 02
                    """))
    }

    /// `ip route add default via 172.18.0.1`; `ip route add default via fd00:1::1 dev eth0`.
    @Test func defaultRoutes() {
        let v4 = LinkStep.Address.v4(IPv4Address("172.18.0.1")!)
        #expect(
            RouteMessage.addDefaultRoute(gateway: v4.bytes).encoded(sequence: 0)
                == Self.hex(
                    """
                    24 00 00 00 18 00 05 06 00 00 00 00 00 00 00 00
                    02 00 00 00 fe 03 00 01 00 00 00 00 08 00 05 00
                    ac 12 00 01
                    """))
        let v6 = LinkStep.Address.v6(IPv6Address("fd00:1::1")!)
        #expect(
            RouteMessage.addDefaultRoute(gateway: v6.bytes, outputIndex: 2).encoded(sequence: 0)
                == Self.hex(
                    """
                    38 00 00 00 18 00 05 06 00 00 00 00 00 00 00 00
                    0a 00 00 00 fe 03 00 01 00 00 00 00 14 00 05 00
                    fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01
                    08 00 04 00 02 00 00 00
                    """))
    }

    /// `ip link set nlcapveth master nlcapbr up`.
    @Test func bridgeMasterAndUp() {
        #expect(
            RouteMessage.setUp(index: 45559, master: 45558).encoded(sequence: 0)
                == Self.hex(
                    """
                    28 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 f7 b1 00 00 01 00 00 00 01 00 00 00
                    08 00 0a 00 f6 b1 00 00
                    """))
    }

    /// `ip link set dev nlcapveth type bridge_slave hairpin on [isolated on]`.
    @Test func bridgePortFlags() {
        #expect(
            RouteMessage.bridgePort(index: 45559, hairpin: true, isolated: true).encoded(sequence: 0)
                == Self.hex(
                    """
                    48 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 f7 b1 00 00 00 00 00 00 00 00 00 00
                    28 00 12 00 10 00 01 00 62 72 69 64 67 65 5f 73
                    6c 61 76 65 14 00 05 00 05 00 04 00 01 00 00 00
                    05 00 21 00 01 00 00 00
                    """))
        #expect(
            RouteMessage.bridgePort(index: 45559, hairpin: true, isolated: false).encoded(sequence: 0)
                == Self.hex(
                    """
                    40 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 f7 b1 00 00 00 00 00 00 00 00 00 00
                    20 00 12 00 10 00 01 00 62 72 69 64 67 65 5f 73
                    6c 61 76 65 0c 00 05 00 05 00 04 00 01 00 00 00
                    """))
    }

    /// `ip link del nlcapdel` (index 46083).
    @Test func linkDelete() {
        #expect(
            RouteMessage.delete(index: 46083).encoded(sequence: 0)
                == Self.hex(
                    """
                    20 00 00 00 11 00 05 00 00 00 00 00 00 00 00 00
                    00 00 00 00 03 b4 00 00 00 00 00 00 00 00 00 00
                    """))
    }

    /// The kernel's answers: an ack of another request is skipped, a zero error is success, a negative
    /// one is its errno with the extended ack's message (NLM_F_CAPPED | NLM_F_ACK_TLVS).
    @Test func acknowledgements() throws {
        func answer(sequence: UInt32, error: Int32, flags: UInt16 = 0, tlvs: [UInt8] = []) -> [UInt8] {
            let echoed =
                NetlinkEncoding.bytes(of: UInt32(16)) + [16, 0, 5, 6] + NetlinkEncoding.bytes(of: sequence) + [
                    0, 0, 0, 0,
                ]
            let body = NetlinkEncoding.bytes(of: error) + echoed + tlvs
            return NetlinkEncoding.bytes(of: UInt32(16 + body.count)) + [2, 0] + NetlinkEncoding.bytes(of: flags)
                + NetlinkEncoding.bytes(of: sequence) + [0, 0, 0, 0] + body
        }
        #expect(try RouteSocket.acknowledged(in: answer(sequence: 7, error: 0), sequence: 7))
        #expect(try !RouteSocket.acknowledged(in: answer(sequence: 6, error: 0), sequence: 7))
        #expect(throws: NetlinkError(errno: EEXIST)) {
            try RouteSocket.acknowledged(in: answer(sequence: 7, error: -EEXIST), sequence: 7)
        }
        let message = NetlinkAttribute.cString(1, "Address already assigned.").encoded
        #expect(throws: NetlinkError(errno: EEXIST, message: "Address already assigned.")) {
            try RouteSocket.acknowledged(
                in: answer(sequence: 7, error: -EEXIST, flags: 0x300, tlvs: message), sequence: 7)
        }
        #expect(NetlinkError(errno: EEXIST).description == "File exists")
    }

    /// The typed steps become those requests: the MAC's text as its six bytes, an address in network
    /// order (the steps that need no interface index).
    @Test func stepsBecomeTheRequests() throws {
        let veth = try LinkStep.createVeth(name: "eth0", mtu: 1400, mac: "02:42:ac:11:00:02", peer: "nlcapveth")
            .message(peerNamespace: 4)
        #expect(
            veth
                == RouteMessage.createVeth(
                    name: "eth0", mtu: 1400, mac: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], peer: "nlcapveth",
                    peerNamespaceFD: 4))
        let route = try LinkStep.defaultRoute(via: .v4(IPv4Address("172.18.0.1")!), interface: nil)
            .message(peerNamespace: -1)
        #expect(route == RouteMessage.addDefaultRoute(gateway: [172, 18, 0, 1]))
    }

    /// What a failed step says: what the `ip` command would have done, and where.
    @Test func stepSummaries() {
        let ip = LinkStep.Address.v4(IPv4Address("172.18.0.2")!)
        #expect(
            LinkStep.addAddress(ip, prefix: 16, interface: "eth0", noDAD: false).summary
                == "adding address 172.18.0.2/16 to eth0")
        #expect(LinkStep.attach("veth1", bridge: "br-x").summary == "attaching veth1 to bridge br-x")
        #expect(
            LinkStep.bridgePort("veth1", hairpin: true, isolated: true).summary
                == "setting hairpin and isolated on bridge port veth1")
        var endpoint = EndpointOptions()
        endpoint.linkLocalIPs = ["169.254.1.2", "fe80::2"]
        #expect(
            endpoint.linkLocalSteps(interface: "eth0") == [
                .addAddress(.v4(IPv4Address("169.254.1.2")!), prefix: 16, interface: "eth0", noDAD: false),
                .addAddress(.v6(IPv6Address("fe80::2")!), prefix: 64, interface: "eth0", noDAD: true),
            ])
    }
}
