import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// One change to network interfaces when a container joins a network, as the `ip` command it stands
/// for would make it; carried out over rtnetlink (`RouteSocket`), in the namespace the socket is in.
enum LinkStep: Equatable {
    /// `ip link add NAME mtu MTU address MAC type veth peer name PEER netns HOST`.
    case createVeth(name: String, mtu: Int, mac: String, peer: String)
    /// `ip link set NAME up`.
    case up(String)
    /// `ip addr add ADDRESS/PREFIX dev NAME [nodad]`.
    case addAddress(Address, prefix: Int, interface: String, noDAD: Bool)
    /// `ip route add default via GATEWAY [dev NAME]`.
    case defaultRoute(via: Address, interface: String?)
    /// `ip link set NAME master BRIDGE up`.
    case attach(String, bridge: String)
    /// `ip link set dev NAME type bridge_slave hairpin on [isolated on]`.
    case bridgePort(String, hairpin: Bool, isolated: Bool)
    /// `ip link del NAME`.
    case delete(String)

    /// An interface address, either family.
    enum Address: Equatable, CustomStringConvertible {
        case v4(IPv4Address)
        case v6(IPv6Address)

        /// Link-local text as `EndpointOptions` keeps it (canonical), nil when it is neither family.
        init?(_ text: String) {
            if let a = IPv4Address(text) {
                self = .v4(a)
            } else if let a = IPv6Address(text) {
                self = .v6(a)
            } else {
                return nil
            }
        }

        /// Network order, 4 or 16 bytes.
        var bytes: [UInt8] {
            switch self {
            case .v4(let a): [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: a.value >> UInt32($0)) }
            case .v6(let a): a.bytes
            }
        }

        var description: String {
            switch self {
            case .v4(let a): a.description
            case .v6(let a): a.description
            }
        }
    }

    /// What the step does, for an error ("adding address 172.18.0.2/16 to eth0").
    var summary: String {
        switch self {
        case .createVeth(let name, let mtu, let mac, let peer):
            "creating veth pair \(name) (mtu \(mtu), address \(mac)) and \(peer)"
        case .up(let name): "bringing \(name) up"
        case .addAddress(let a, let prefix, let name, _): "adding address \(a)/\(prefix) to \(name)"
        case .defaultRoute(let gateway, let name):
            "adding the default route via \(gateway)" + (name.map { " dev \($0)" } ?? "")
        case .attach(let name, let bridge): "attaching \(name) to bridge \(bridge)"
        case .bridgePort(let name, let hairpin, let isolated):
            "setting \([hairpin ? "hairpin" : nil, isolated ? "isolated" : nil].compactMap { $0 }.joined(separator: " and ")) on bridge port \(name)"
        case .delete(let name): "deleting \(name)"
        }
    }

    /// The request, with interface names resolved in the calling thread's namespace (the socket's) and
    /// the veth's peer sent to the namespace open as `peerNamespace`.
    func message(peerNamespace: Int32) throws(NetlinkError) -> RouteMessage {
        func index(_ name: String) throws(NetlinkError) -> Int32 {
            let i = if_nametoindex(name)
            guard i != 0 else {
                throw NetlinkError(errno: errno == 0 ? ENODEV : errno, message: "no interface \(name)")
            }
            return Int32(bitPattern: i)
        }
        switch self {
        case .createVeth(let name, let mtu, let mac, let peer):
            let bytes = mac.split(separator: ":").compactMap { UInt8($0, radix: 16) }
            return .createVeth(name: name, mtu: UInt32(mtu), mac: bytes, peer: peer, peerNamespaceFD: peerNamespace)
        case .up(let name):
            return .setUp(index: try index(name))
        case .addAddress(let a, let prefix, let name, let noDAD):
            return .addAddress(index: try index(name), address: a.bytes, prefix: UInt8(prefix), noDAD: noDAD)
        case .defaultRoute(let gateway, let name):
            return .addDefaultRoute(
                gateway: gateway.bytes, outputIndex: try name.map { n throws(NetlinkError) in try index(n) })
        case .attach(let name, let bridge):
            return .setUp(index: try index(name), master: try index(bridge))
        case .bridgePort(let name, let hairpin, let isolated):
            return .bridgePort(index: try index(name), hairpin: hairpin, isolated: isolated)
        case .delete(let name):
            return .delete(index: try index(name))
        }
    }

    /// Carry out `steps` in order on `socket` (opened in the namespace the calling thread is in);
    /// `place` ends an error's text ("in the container's namespace", "on the host").
    static func perform(_ steps: [LinkStep], on socket: RouteSocket, peerNamespace: Int32, place: String)
        throws(KitError)
    {
        for step in steps {
            do { try socket.perform(step.message(peerNamespace: peerNamespace)) } catch {
                throw .network("\(step.summary) \(place): \(error)")
            }
        }
    }
}
