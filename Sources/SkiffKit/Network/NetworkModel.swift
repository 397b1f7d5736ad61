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
    public var name: String
    public var id: String
    public var driver: String
    public var subnet: IPv4Subnet
    public var gateway: IPv4Address
    /// The Linux bridge (`skiff0` for the default network of the default root).
    public var bridge: String
    /// Small number that names the bridge (0: the default network).
    public var index: Int
    public var created: String
    public var labels: [String: String]
    /// The subnet was chosen by Skiff (not --subnet): it may be chosen again if the host took it.
    public var automaticSubnet: Bool
    /// No outbound NAT (`network create --internal`).
    public var isInternal: Bool
    /// `--ip-range`: where addresses are handed out (a fixed `--ip` may lie anywhere in the subnet).
    public var ipRange: IPv4Subnet? = nil
    /// Bridge driver options (`-o com.docker.network.driver.mtu=…`).
    public var bridgeOptions: NetworkBridgeOptions? = nil

    public var isDefault: Bool { name == NetworkConfig.defaultName }
    public static let defaultName = "bridge"
}

/// A published port: `-p [ip:][hostPort:]containerPort[/tcp|/udp]`.
public struct PortMapping: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var hostIP: String
    public var hostPort: UInt16
    public var containerPort: UInt16
    public var proto: String

    public init(hostIP: String = "", hostPort: UInt16, containerPort: UInt16, proto: String = "tcp") {
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
    }

    /// Docker's `skiff port` line: "80/tcp -> 0.0.0.0:8080".
    public var description: String {
        "\(containerPort)/\(proto) -> \(hostIP.isEmpty ? "0.0.0.0" : hostIP):\(hostPort)"
    }

    /// Parse one -p value; a range gives several mappings. hostPort 0: any free port.
    public static func parse(_ text: String) throws(KitError) -> [PortMapping] {
        func bad(_ why: String) -> KitError {
            .usage("-p \(text): \(why) (expected [ip:][hostPort:]containerPort[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:53:53/udp)")
        }
        var body = text
        var proto = "tcp"
        if let slash = text.lastIndex(of: "/") {
            proto = String(text[text.index(after: slash)...]).lowercased()
            body = String(text[..<slash])
            guard proto == "tcp" || proto == "udp" else { throw bad("unknown protocol \(proto)") }
        }
        var parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 1, parts.count <= 3 else { throw bad("too many ':'") }
        var ip = ""
        if parts.count == 3 {
            ip = parts.removeFirst()
            if ip.hasPrefix("[") { throw bad("IPv6 host addresses are not supported") }
            if !ip.isEmpty && IPv4Address(ip) == nil { throw bad("\(ip) is not an IPv4 address") }
            if ip == "0.0.0.0" { ip = "" }
        }
        let containerText = parts.removeLast()
        let hostText = parts.first ?? ""
        func range(_ t: String) throws(KitError) -> ClosedRange<Int> {
            let ends = t.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard ends.count >= 1, ends.count <= 2, let lo = ends[0], let hi = ends.last!, lo <= hi,
                  lo >= 0, hi <= 65535 else { throw bad("\(t) is not a port or a port range") }
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
            // Docker: any free port of the host range; the first one here (checked at start).
            return [PortMapping(hostIP: ip, hostPort: UInt16(hr.lowerBound), containerPort: UInt16(cr.lowerBound), proto: proto)]
        }
        return zip(hr, cr).map { PortMapping(hostIP: ip, hostPort: UInt16($0), containerPort: UInt16($1), proto: proto) }
    }
}

/// What a container asked for at create (`containers/<id>/network.json`).
public struct ContainerNetworkRequest: Codable, Sendable, Equatable {
    public struct Attachment: Codable, Sendable, Equatable {
        public var network: String
        public var aliases: [String]
        public var ip: String?
    }
    /// "bridge" or "user": attachments; "container": shares `container`'s namespace.
    public var mode: String
    public var attachments: [Attachment]
    public var ports: [PortMapping]
    public var publishAll: Bool
    public var container: String?
    /// --add-host lines of /etc/hosts ("IP\tNAME\n"), kept by each rewrite.
    public var extraHosts: String? = nil
}

/// One address handed out (`networks/<name>/leases/<ip>`), while the container runs.
public struct NetworkLease: Codable, Sendable, Equatable {
    public var containerID: String
    public var name: String
    public var hostname: String
    public var aliases: [String]
    public var ip: IPv4Address
    /// Interface in the container (eth0, eth1…) and the host end of its veth pair (skf…).
    public var interface: String
    public var veth: String
    /// The published ports, with the host ports actually used (on the container's first network).
    public var ports: [PortMapping]
}

/// An IPv4 address as a number.
public struct IPv4Address: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(value: UInt32) { self.value = value }

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

    public var description: String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 address: \(text)"))
        }
        self = a
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An IPv4 subnet ("10.88.0.0/16").
public struct IPv4Subnet: Codable, Sendable, Hashable, CustomStringConvertible {
    public var network: IPv4Address
    public var prefix: Int

    public init(network: IPv4Address, prefix: Int) {
        self.prefix = prefix
        self.network = IPv4Address(value: network.value & IPv4Subnet.mask(prefix))
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let a = IPv4Address(String(parts[0])), let p = Int(parts[1]), p >= 8, p <= 30 else { return nil }
        self.init(network: a, prefix: p)
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }
    public var mask: UInt32 { Self.mask(prefix) }
    public var description: String { "\(network)/\(prefix)" }
    public var broadcast: IPv4Address { IPv4Address(value: network.value | ~mask) }
    /// The first usable address (Docker's gateway).
    public var firstHost: IPv4Address { IPv4Address(value: network.value + 1) }

    public func contains(_ a: IPv4Address) -> Bool { a.value & mask == network.value }
    public func overlaps(_ other: IPv4Subnet) -> Bool {
        let m = Self.mask(min(prefix, other.prefix))
        return network.value & m == other.network.value & m
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let s = IPv4Subnet(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 subnet: \(text)"))
        }
        self = s
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
