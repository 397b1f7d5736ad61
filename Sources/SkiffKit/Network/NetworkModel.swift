/// The data of container networking, as Skiff keeps it under the state root:
///
///     networks/<name>/config.json          a network (bridge driver): subnet, gateway, bridge name
///     networks/<name>/leases/<ip>          one address handed out: which container, names, ports
///     containers/<id>/network.json         what the container asked for (networks, aliases, --ip, -p)
///     netns/<id>                           the container's network namespace while it runs (bind mount)
///
/// A lease file is made with O_EXCL, so an address is never handed out twice, even by concurrent runs.

/// A network: Docker's bridge driver.
public struct NetworkConfig: Codable, Sendable, Equatable {
    /// The network's name (`bridge` for the default one).
    public var name: String
    /// Its 64-hex-digit ID.
    public var id: String
    /// Always `bridge`.
    public var driver: String
    /// The IPv4 addresses it hands out from; nil on an IPv6-only network (`--ipv4=false`).
    public var subnet: IPv4Subnet?
    /// The bridge's own IPv4 address: the containers' default route; nil on an IPv6-only network.
    public var gateway: IPv4Address?
    /// The Linux bridge (`skiff0` for the default network of the default root).
    public var bridge: String
    /// Small number that names the bridge (0: the default network).
    public var index: Int
    /// When it was created (RFC 3339).
    public var created: String
    /// Its labels.
    public var labels: [String: String]
    /// The subnet was chosen by Skiff (not --subnet): it may be chosen again if the host took it.
    public var automaticSubnet: Bool
    /// No outbound NAT (`network create --internal`).
    public var isInternal: Bool
    /// `--ip-range`: where addresses are handed out (a fixed `--ip` may lie anywhere in the subnet).
    public var ipRange: IPv4Subnet? = nil
    /// Bridge driver options (`-o com.docker.network.driver.mtu=…`).
    public var bridgeOptions: NetworkBridgeOptions? = nil
    /// `--ipv6` (compose `enable_ipv6`): the network's IPv6 subnet (given, or a ULA /64 Skiff chose) and
    /// the bridge's IPv6 address; nil on an IPv4-only network.
    public var subnet6: IPv6Subnet? = nil
    /// The bridge's IPv6 address (the containers' IPv6 default route); nil on an IPv4-only network.
    public var gateway6: IPv6Address? = nil

    /// `--aux-address NAME=IP` (compose `ipam.config[].aux_addresses`): addresses of the subnets kept
    /// from containers (Docker's IPAM reserves them), by name.
    public var auxAddresses: [String: String]? = nil

    /// `network create --attachable`: recorded and shown by inspect (`Attachable`); on a
    /// bridge network any container may join (`run --network`, `network connect`) either way.
    public var attachable: Bool? = nil

    /// `--ipam-opt KEY=VALUE` (compose `ipam.options`): options for the IPAM driver. Docker's default
    /// driver takes any and acts on none it does not know (it knows none for a bridge network); they are
    /// kept and shown by `network inspect` under IPAM.Options, as Docker does.
    public var ipamOptions: [String: String]? = nil

    /// The IPv4 addresses `auxAddresses` reserves.
    var reserved4: Set<IPv4Address> { Set((auxAddresses ?? [:]).values.compactMap(IPv4Address.init)) }
    /// The IPv6 addresses `auxAddresses` reserves.
    var reserved6: Set<IPv6Address> {
        Set((auxAddresses ?? [:]).values.filter { $0.contains(":") }.compactMap(IPv6Address.init))
    }
    /// The name of the aux address `text`, if it is one.
    func auxName(_ text: String) -> String? { auxAddresses?.first { $0.value == text }?.key }

    /// Whether the network has IPv6 (`EnableIPv6`).
    public var enableIPv6: Bool { subnet6 != nil }
    /// Whether the network has IPv4 (`EnableIPv4`; false for Docker 28's `--ipv4=false`).
    public var enableIPv4: Bool { subnet != nil }

    /// Whether this is the default network (`bridge`).
    public var isDefault: Bool { name == NetworkConfig.defaultName }
    /// The default network's name, as Docker's.
    public static let defaultName = "bridge"
}

/// A published port: `-p [ip:][hostPort:]containerPort[/tcp|/udp]`.
public struct PortMapping: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The host address it is published on; "" means every address.
    public var hostIP: String
    /// The host port.
    public var hostPort: UInt16
    /// `-p 8000-8005:80`: the last port of the host range; the container takes a free one of
    /// `hostPort...hostPortEnd` when it starts (nil once chosen, and for a single port).
    public var hostPortEnd: UInt16? = nil
    /// The container's port.
    public var containerPort: UInt16
    /// `tcp` or `udp`.
    public var proto: String

    /// `hostIP:hostPort` on the host forwarded to `containerPort` in the container, over `proto`.
    public init(hostIP: String = "", hostPort: UInt16, containerPort: UInt16, proto: String = "tcp") {
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
    }

    /// Docker's `skiff port` line: "80/tcp -> 0.0.0.0:8080" ("[::1]:8080" for an IPv6 host address).
    public var description: String {
        "\(containerPort)/\(proto) -> \(hostAddress):\(hostPort)"
    }

    /// The host address as Docker shows it: 0.0.0.0 for every address, an IPv6 one in brackets.
    public var hostAddress: String {
        hostIP.isEmpty ? "0.0.0.0" : hostIP.contains(":") ? "[\(hostIP)]" : hostIP
    }

    /// The host sides Docker lists for it (`port`, inspect, ps): every address is 0.0.0.0 and, on a
    /// host with IPv6, [::] as well (Docker binds both).
    package func listed(hostIPv6: Bool) -> [PortMapping] {
        guard hostIP.isEmpty, hostIPv6 else { return [self] }
        var v6 = self
        v6.hostIP = "::"
        return [self, v6]
    }

    /// Parse one -p value; a range gives several mappings. hostPort 0: any free port.
    public static func parse(_ text: String) throws(KitError) -> [PortMapping] {
        func bad(_ why: String) -> KitError {
            .usage(
                "-p \(text): \(why) (expected [ip:][hostPort:]containerPort[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:53:53/udp)"
            )
        }
        var body = text
        var proto = "tcp"
        if let slash = text.lastIndex(of: "/") {
            proto = String(text[text.index(after: slash)...]).lowercased()
            body = String(text[..<slash])
            guard proto == "tcp" || proto == "udp" else { throw bad("unknown protocol \(proto)") }
        }
        var ip = ""
        if body.hasPrefix("[") {
            // [IPv6]:hostPort:containerPort, as Docker writes an IPv6 host address ([::] is every one).
            guard let close = body.firstIndex(of: "]") else { throw bad("unclosed [") }
            let inner = String(body[body.index(after: body.startIndex)..<close])
            guard inner.contains(":"), let a = IPv6Address(inner) else { throw bad("\(inner) is not an IPv6 address") }
            ip = a.description
            body = String(body[body.index(after: close)...])
            guard body.hasPrefix(":") else { throw bad("expected ':' after the IPv6 address") }
            body.removeFirst()
        }
        var parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 1, parts.count <= (ip.isEmpty ? 3 : 2) else { throw bad("too many ':'") }
        if !ip.isEmpty && parts.count == 1 {
            throw bad("a host address needs a host port (or an empty one: [::1]::80)")
        }
        if parts.count == 3 {
            ip = parts.removeFirst()
            if !ip.isEmpty && IPv4Address(ip) == nil { throw bad("\(ip) is not an IPv4 address") }
            if ip == "0.0.0.0" { ip = "" }
        }
        let containerText = parts.removeLast()
        let hostText = parts.first ?? ""
        func range(_ t: String) throws(KitError) -> ClosedRange<Int> {
            let ends = t.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard ends.count >= 1, ends.count <= 2, let lo = ends[0], let hi = ends.last!, lo <= hi,
                lo >= 0, hi <= 65535
            else { throw bad("\(t) is not a port or a port range") }
            return lo...hi
        }
        let cr = try range(containerText)
        guard cr.lowerBound >= 1 else { throw bad("container port 0") }
        if hostText.isEmpty {
            return cr.map { PortMapping(hostIP: ip, hostPort: 0, containerPort: UInt16($0), proto: proto) }
        }
        let hr = try range(hostText)
        if hr.count == 1 && cr.count > 1 {
            throw bad("a single host port for a range of container ports")
        }
        if hr.count != cr.count && !(hr.count > 1 && cr.count == 1) {
            throw bad("host and container port ranges differ in length")
        }
        if cr.count == 1 && hr.count > 1 {
            // Docker: any free port of the host range, chosen when the container starts.
            var m = PortMapping(
                hostIP: ip, hostPort: UInt16(hr.lowerBound), containerPort: UInt16(cr.lowerBound), proto: proto)
            m.hostPortEnd = UInt16(hr.upperBound)
            return [m]
        }
        return zip(hr, cr).map {
            PortMapping(hostIP: ip, hostPort: UInt16($0), containerPort: UInt16($1), proto: proto)
        }
    }
}

/// What a container asked for at create (`containers/<id>/network.json`).
package struct ContainerNetworkRequest: Codable, Sendable, Equatable {
    package struct Attachment: Codable, Sendable, Equatable {
        package var network: String
        package var aliases: [String]
        package var ip: String?
        /// --mac-address (or compose's `mac_address`); nil: derived from the address.
        package var mac: String? = nil
        /// --ip6 (compose `ipv6_address`): a fixed IPv6 address on a network with IPv6.
        package var ip6: String? = nil
        /// The interface's name, link-local addresses and sysctls (nil: none asked for).
        package var endpoint: EndpointOptions? = nil
    }
    /// `--link NAME[:ALIAS]`: a container this one reaches as ALIAS (resolved by name at each start).
    package struct Link: Codable, Sendable, Equatable {
        package var name: String
        package var alias: String
    }
    /// "bridge" or "user": attachments; "container": shares `container`'s namespace.
    package var mode: String
    package var attachments: [Attachment]
    package var ports: [PortMapping]
    package var publishAll: Bool
    package var container: String?
    /// --add-host lines of /etc/hosts ("IP\tNAME\n"), kept by each rewrite.
    package var extraHosts: String? = nil
    /// --link and compose's `external_links`.
    package var links: [Link]? = nil
    /// --dns on a user-defined network: the servers the embedded DNS server forwards to, in place of
    /// the host's (nil: the host's, read at each start).
    package var dnsServers: [String]? = nil
}

/// One address handed out (`networks/<name>/leases/<ip>`), while the container runs.
package struct NetworkLease: Codable, Sendable, Equatable {
    package var containerID: String
    package var name: String
    package var hostname: String
    package var aliases: [String]
    /// The IPv4 address; nil on an IPv6-only network.
    package var ip: IPv4Address?
    /// Interface in the container (eth0, eth1…) and the host end of its veth pair (skf…).
    package var interface: String
    package var veth: String
    /// The published ports, with the host ports actually used (on the container's first network).
    package var ports: [PortMapping]
    /// The MAC address of `interface`; nil in leases written before it was recorded (derived from `ip`).
    package var mac: String? = nil
    /// The IPv6 address on a network with IPv6 (its claim is `leases6/<ip6>`).
    package var ip6: IPv6Address? = nil
    /// The network's place among the container's (0: the first, which has the default route); nil in
    /// leases written before it was recorded.
    package var index: Int? = nil

    /// The lease file's name (`leases/<key>`): the IPv4 address, or on an IPv6-only network the IPv6 one.
    package var key: String { ip?.description ?? ip6?.description ?? "" }

    /// The address other containers reach it at first: IPv4, else IPv6.
    package var primaryAddress: String { key }

    /// Its ports' host sides as Docker lists them (see `PortMapping.listed`); an IPv6-only endpoint's
    /// every-address ports are on 0.0.0.0 (the relay's, to its IPv6 address) and [::].
    package func listedPorts(hostIPv6: Bool) -> [PortMapping] {
        ports.flatMap { $0.listed(hostIPv6: hostIPv6 || ip == nil) }
    }

    /// The place among the container's networks: `index`, or the N of an older lease's ethN.
    package var order: Int { index ?? Int(interface.dropFirst(3)) ?? 0 }
}

/// An IPv4 address as a number.
public struct IPv4Address: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address in host order (10.0.0.1 is 0x0A000001).
    public var value: UInt32

    /// The address `value` (host order).
    public init(value: UInt32) { self.value = value }

    /// Parse dotted-quad text ("10.88.0.1"); nil if it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let n = UInt32(p), n < 256, !p.isEmpty else { return nil }
            v = v << 8 | n
        }
        value = v
    }

    /// Dotted-quad text.
    public var description: String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    /// Numeric order.
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    /// Decode dotted-quad text.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 address: \(text)"))
        }
        self = a
    }

    /// Encode as dotted-quad text.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An IPv4 subnet ("10.88.0.0/16").
public struct IPv4Subnet: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits zero).
    public var network: IPv4Address
    /// The prefix length (0-32).
    public var prefix: Int

    /// The subnet `network/prefix`.
    public init(network: IPv4Address, prefix: Int) {
        self.prefix = prefix
        self.network = IPv4Address(value: network.value & IPv4Subnet.mask(prefix))
    }

    /// Parse "A.B.C.D/N"; nil if it is not a subnet.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let a = IPv4Address(String(parts[0])), let p = Int(parts[1]), p >= 8, p <= 30 else {
            return nil
        }
        self.init(network: a, prefix: p)
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }
    /// The netmask, in host order.
    public var mask: UInt32 { Self.mask(prefix) }
    /// "A.B.C.D/N".
    public var description: String { "\(network)/\(prefix)" }
    /// The last address of the subnet.
    public var broadcast: IPv4Address { IPv4Address(value: network.value | ~mask) }
    /// The first usable address (Docker's gateway).
    public var firstHost: IPv4Address { IPv4Address(value: network.value + 1) }

    /// Whether `a` lies in the subnet.
    public func contains(_ a: IPv4Address) -> Bool { a.value & mask == network.value }
    /// Whether the two subnets share any address.
    public func overlaps(_ other: IPv4Subnet) -> Bool {
        let m = Self.mask(min(prefix, other.prefix))
        return network.value & m == other.network.value & m
    }

    /// Decode "A.B.C.D/N" text.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let s = IPv4Subnet(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 subnet: \(text)"))
        }
        self = s
    }

    /// Encode as "A.B.C.D/N" text.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
