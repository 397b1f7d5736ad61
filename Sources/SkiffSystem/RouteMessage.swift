/// An rtnetlink request (NETLINK_ROUTE): `nlmsghdr`, the family header (`ifinfomsg`, `ifaddrmsg` or
/// `rtmsg`) and attributes, encoded as iproute2 encodes the same `ip` command. Pure: the socket is
/// `RouteSocket`'s.
public struct RouteMessage: Equatable, Sendable {
    public var type: UInt16
    public var flags: UInt16
    /// The family header, already encoded.
    public var header: [UInt8]
    public var attributes: [NetlinkAttribute]

    public init(type: UInt16, flags: UInt16, header: [UInt8], attributes: [NetlinkAttribute] = []) {
        self.type = type
        self.flags = flags
        self.header = header
        self.attributes = attributes
    }

    /// The message as sent: `nlmsghdr` (length, type, flags, `sequence`, port id 0: the kernel fills it
    /// in), the header, the attributes.
    public func encoded(sequence: UInt32) -> [UInt8] {
        let body = header + NetlinkEncoding.encode(attributes)
        let length = UInt32(16 + body.count)
        return NetlinkEncoding.bytes(of: length) + NetlinkEncoding.bytes(of: type) + NetlinkEncoding.bytes(of: flags)
            + NetlinkEncoding.bytes(of: sequence) + NetlinkEncoding.bytes(of: UInt32(0)) + body
    }

    // MARK: constants (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h)

    static let newLink: UInt16 = 16  // RTM_NEWLINK
    static let deleteLink: UInt16 = 17  // RTM_DELLINK
    static let newAddress: UInt16 = 20  // RTM_NEWADDR
    static let newRoute: UInt16 = 24  // RTM_NEWROUTE
    static let request: UInt16 = 0x1  // NLM_F_REQUEST
    static let ack: UInt16 = 0x4  // NLM_F_ACK
    static let exclusive: UInt16 = 0x200  // NLM_F_EXCL
    static let create: UInt16 = 0x400  // NLM_F_CREATE

    static let ifUp: UInt32 = 0x1  // IFF_UP
    static let ifAddress: UInt16 = 1  // IFLA_ADDRESS
    static let ifName: UInt16 = 3  // IFLA_IFNAME
    static let ifMTU: UInt16 = 4  // IFLA_MTU
    static let ifMaster: UInt16 = 10  // IFLA_MASTER
    static let ifLinkInfo: UInt16 = 18  // IFLA_LINKINFO
    static let ifNamespaceFD: UInt16 = 28  // IFLA_NET_NS_FD
    static let infoKind: UInt16 = 1  // IFLA_INFO_KIND
    static let infoData: UInt16 = 2  // IFLA_INFO_DATA
    static let infoSlaveData: UInt16 = 5  // IFLA_INFO_SLAVE_DATA
    static let vethPeer: UInt16 = 1  // VETH_INFO_PEER
    static let bridgePortMode: UInt16 = 4  // IFLA_BRPORT_MODE (hairpin)
    static let bridgePortIsolated: UInt16 = 33  // IFLA_BRPORT_ISOLATED

    static let addressLocal: UInt16 = 2  // IFA_LOCAL
    static let addressAddress: UInt16 = 1  // IFA_ADDRESS
    static let noDAD: UInt8 = 0x02  // IFA_F_NODAD

    static let routeGateway: UInt16 = 5  // RTA_GATEWAY
    static let routeOutput: UInt16 = 4  // RTA_OIF

    static let inet: UInt8 = 2  // AF_INET
    static let inet6: UInt8 = 10  // AF_INET6

    /// `struct ifinfomsg`: family AF_UNSPEC, type 0, index, flags, change mask.
    static func linkHeader(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        [0, 0] + NetlinkEncoding.bytes(of: UInt16(0)) + NetlinkEncoding.bytes(of: index)
            + NetlinkEncoding.bytes(of: flags) + NetlinkEncoding.bytes(of: change)
    }

    // MARK: requests

    /// `ip link add NAME mtu MTU address MAC type veth peer name PEER netns NS`, with the namespace of
    /// the peer given as an open file (`/proc/…/ns/net`): IFLA_NET_NS_FD.
    public static func createVeth(
        name: String, mtu: UInt32, mac: [UInt8], peer: String, peerNamespaceFD: Int32
    ) -> Self {
        let peerInfo = NetlinkAttribute.nested(
            vethPeer, header: linkHeader(),
            [.u32(ifNamespaceFD, UInt32(bitPattern: peerNamespaceFD)), .cString(ifName, peer)])
        return Self(
            type: newLink, flags: request | ack | exclusive | create, header: linkHeader(),
            attributes: [
                .u32(ifMTU, mtu), NetlinkAttribute(type: ifAddress, payload: mac), .cString(ifName, name),
                .nested(ifLinkInfo, [.string(infoKind, "veth"), .nested(infoData, [peerInfo])]),
            ])
    }

    /// `ip link set DEV up`, or with `master` `ip link set DEV master BRIDGE up`.
    public static func setUp(index: Int32, master: Int32? = nil) -> Self {
        Self(
            type: newLink, flags: request | ack, header: linkHeader(index: index, flags: ifUp, change: ifUp),
            attributes: master.map { [.u32(ifMaster, UInt32(bitPattern: $0))] } ?? [])
    }

    /// `ip link del DEV` (a veth takes its peer with it).
    public static func delete(index: Int32) -> Self {
        Self(type: deleteLink, flags: request | ack, header: linkHeader(index: index))
    }

    /// `ip link set dev DEV type bridge_slave hairpin on [isolated on]`.
    public static func bridgePort(index: Int32, hairpin: Bool, isolated: Bool) -> Self {
        var data: [NetlinkAttribute] = []
        if hairpin { data.append(.u8(bridgePortMode, 1)) }
        if isolated { data.append(.u8(bridgePortIsolated, 1)) }
        return Self(
            type: newLink, flags: request | ack, header: linkHeader(index: index),
            attributes: [.nested(ifLinkInfo, [.string(infoKind, "bridge_slave"), .nested(infoSlaveData, data)])])
    }

    /// `ip addr add ADDRESS/PREFIX dev DEV [nodad]`: IFA_LOCAL and IFA_ADDRESS both the address (no
    /// broadcast: `ip` sets one only when `brd` is given). `address` is 4 or 16 bytes, network order.
    public static func addAddress(index: Int32, address: [UInt8], prefix: UInt8, noDAD nodad: Bool = false) -> Self {
        let family = address.count == 16 ? inet6 : inet
        let header = [family, prefix, nodad ? noDAD : 0, 0] + NetlinkEncoding.bytes(of: UInt32(bitPattern: index))
        return Self(
            type: newAddress, flags: request | ack | exclusive | create, header: header,
            attributes: [
                NetlinkAttribute(type: addressLocal, payload: address),
                NetlinkAttribute(type: addressAddress, payload: address),
            ])
    }

    /// `ip route add default via GATEWAY [dev DEV]`: table main, protocol boot, scope universe, unicast.
    public static func addDefaultRoute(gateway: [UInt8], outputIndex: Int32? = nil) -> Self {
        let family = gateway.count == 16 ? inet6 : inet
        // rtmsg: family, dst_len, src_len, tos, table (RT_TABLE_MAIN), protocol (RTPROT_BOOT), scope, type
        // (RTN_UNICAST), flags.
        let header: [UInt8] = [family, 0, 0, 0, 254, 3, 0, 1] + NetlinkEncoding.bytes(of: UInt32(0))
        var attributes = [NetlinkAttribute(type: routeGateway, payload: gateway)]
        if let outputIndex { attributes.append(.u32(routeOutput, UInt32(bitPattern: outputIndex))) }
        return Self(
            type: newRoute, flags: request | ack | exclusive | create, header: header, attributes: attributes)
    }
}
