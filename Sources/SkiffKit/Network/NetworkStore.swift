import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Networks and leases under `<root>/networks`, and the claims shared by every state root on the host
/// under `/run/skiff` (subnets and host ports, so two roots never take the same one).
///
/// Kernel objects carry a per-root tag, so two state roots never touch each other's: for the default root
/// (/var/lib/skiff) the tag is empty (bridge `skiff0`, nftables table `skiff`); for any other root it is 6
/// hex digits of a hash of its path (bridge `skiff1a2b3c0`, table `skiff_1a2b3c`). Host veth ends are
/// `skf` + 10 hex of the container ID + the network's index, unique on the host.
package struct NetworkStore: Sendable {
    package let root: String
    package let stateRoot: String
    /// Host-wide claims (subnets, ports) and their lock.
    package let hostDirectory: String

    package init(stateRoot: String, hostDirectory: String = "/run/skiff") {
        self.stateRoot = stateRoot
        self.root = stateRoot + "/networks"
        self.hostDirectory = hostDirectory
    }

    // MARK: names

    package var tag: String {
        let normalized = stateRoot.hasSuffix("/") ? String(stateRoot.dropLast()) : stateRoot
        if normalized == "/var/lib/skiff" { return "" }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in normalized.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).suffix(6))
    }

    /// What every root's bridge names start with (the firewall isolates them from each other by it).
    package static let bridgePrefix = "skiff"
    package func bridgeName(index: Int) -> String { Self.bridgePrefix + tag + String(index) }
    package var tableName: String { tag.isEmpty ? "skiff" : "skiff_" + tag }
    /// The iptables chains' prefix (where nftables is missing): `SKIFF` or `SKIFF-<tag>`.
    package var chainPrefix: String { tag.isEmpty ? "SKIFF" : "SKIFF-" + tag }
    package static func vethName(containerID: String, index: Int) -> String {
        // String + Substring is the generic `+` of RangeReplaceableCollection, whose associated types
        // the run-time looks up on first use (0.2 ms of a bridge start): String + String is not.
        "skf" + String(containerID.prefix(10)) + String(index, radix: 16)
    }

    package func netnsPath(_ id: String) -> String { stateRoot + "/netns/" + id }
    func directory(_ name: String) -> String { root + "/" + name }
    func leaseDirectory(_ name: String) -> String { root + "/" + name + "/leases" }

    // MARK: locks

    /// The root's lock: every setup and teardown of this root's networks holds it.
    func lock() throws(KitError) -> FileLock {
        do {
            try FileIO.makeDirectories(root, mode: 0o700)
            return try FileLock(root + "/.lock")
        } catch { throw .system(error) }
    }

    /// The host-wide lock for subnet and port claims.
    func hostLock() throws(KitError) -> FileLock {
        do {
            try FileIO.makeDirectories(hostDirectory + "/subnets", mode: 0o700)
            try FileIO.makeDirectories(hostDirectory + "/ports", mode: 0o700)
            return try FileLock(hostDirectory + "/network.lock")
        } catch { throw .system(error) }
    }

    // MARK: networks

    package func load(_ name: String) -> NetworkConfig? {
        guard let bytes = try? FileIO.read(directory(name) + "/config.json") else { return nil }
        return try? RecentRecords.decode(NetworkConfig.self, from: bytes)
    }

    func save(_ config: NetworkConfig) throws(KitError) {
        do {
            try FileIO.makeDirectories(leaseDirectory(config.name), mode: 0o700)
            try FileIO.writeAtomically(directory(config.name) + "/config.json", contents: try KitJSON.encode(config))
        } catch let e as SystemError { throw .system(e) } catch {
            throw .network("cannot write network \(config.name): \(error)")
        }
    }

    package func all() -> [NetworkConfig] {
        FileIO.visibleEntries(root).compactMap { load($0) }.sorted { $0.index < $1.index }
    }

    /// By name, ID or ID prefix.
    package func find(_ nameOrID: String) -> NetworkConfig? {
        let nets = all()
        if let n = nets.first(where: { $0.name == nameOrID || $0.id == nameOrID }) { return n }
        let m = nets.filter { $0.id.hasPrefix(nameOrID) }
        return m.count == 1 ? m[0] : nil
    }

    /// Make a network record: a free index, and a subnet that clashes with no host route and no other
    /// root's claim (or the one asked for, checked the same way). Caller holds `lock()`.
    /// Without `ipv4` (an IPv6-only network) it has no IPv4 subnet; the caller gives it its IPv6 one.
    func create(
        name: String, subnet requested: IPv4Subnet?, gateway: IPv4Address?, isInternal: Bool,
        labels: [String: String], ipv4: Bool = true
    ) throws(KitError) -> NetworkConfig {
        if load(name) != nil { throw .usage("network with name \(name) already exists") }
        let taken = Set(all().map(\.index))
        let index = name == NetworkConfig.defaultName ? 0 : (1...).first { !taken.contains($0) }!
        let host = try hostLock()
        defer { host.unlock() }
        guard ipv4 else {
            let config = NetworkConfig(
                name: name, id: NameGenerator.makeID(), driver: "bridge", subnet: nil, gateway: nil,
                bridge: bridgeName(index: index), index: index, created: Timestamp.now(), labels: labels,
                automaticSubnet: false, isInternal: isInternal)
            try save(config)
            return config
        }
        let subnet = try chooseSubnet(requested: requested, forDefault: name == NetworkConfig.defaultName, name: name)
        let gw = gateway ?? subnet.firstHost
        guard subnet.contains(gw), gw != subnet.network, gw != subnet.broadcast else {
            throw .usage("--gateway \(gw) is not a host address of \(subnet)")
        }
        let config = NetworkConfig(
            name: name, id: NameGenerator.makeID(), driver: "bridge", subnet: subnet, gateway: gw,
            bridge: bridgeName(index: index), index: index, created: Timestamp.now(), labels: labels,
            automaticSubnet: requested == nil, isInternal: isInternal)
        try save(config)
        try claim(subnet: subnet, network: name)
        return config
    }

    /// Pick again (the host took the old subnet while the bridge was down). Caller holds `lock()`.
    func rechoose(_ config: NetworkConfig) throws(KitError) -> NetworkConfig {
        let host = try hostLock()
        defer { host.unlock() }
        var c = config
        guard let old = config.subnet else { return c }
        unlink(claimPath(old))
        let subnet = try chooseSubnet(
            requested: nil, forDefault: config.isDefault, name: config.name, avoidingOwn: true)
        c.subnet = subnet
        c.gateway = subnet.firstHost
        try save(c)
        try claim(subnet: subnet, network: c.name)
        return c
    }

    func claimPath(_ s: IPv4Subnet) -> String { hostDirectory + "/subnets/\(s.network)-\(s.prefix)" }

    func claim(subnet: IPv4Subnet, network: String) throws(KitError) {
        do { try FileIO.writeAtomically(claimPath(subnet), contents: Array("\(stateRoot)\n\(network)\n".utf8)) } catch {
            throw .system(error)
        }
    }

    /// Subnets claimed by live networks of any root (stale claims are removed on the way).
    func claimedSubnets(excludingOwn: Bool = false) -> [(IPv4Subnet, String, String)] {
        let dir = hostDirectory + "/subnets"
        var result: [(IPv4Subnet, String, String)] = []
        for entry in FileIO.visibleEntries(dir) {
            guard let subnet = IPv4Subnet(entry.replacingOccurrences(of: "-", with: "/")),
                let text = try? FileIO.readString(dir + "/" + entry)
            else { continue }
            let f = text.split(separator: "\n").map(String.init)
            guard f.count >= 2 else { unlink(dir + "/" + entry); continue }
            let other = NetworkStore(stateRoot: f[0], hostDirectory: hostDirectory)
            guard let config = other.load(f[1]), config.subnet == subnet else {
                unlink(dir + "/" + entry)
                continue
            }
            if excludingOwn && f[0] == stateRoot && f[1] != "" { continue }
            result.append((subnet, f[0], f[1]))
        }
        return result
    }

    func chooseSubnet(requested: IPv4Subnet?, forDefault: Bool, name: String, avoidingOwn: Bool = false)
        throws(KitError) -> IPv4Subnet
    {
        let used = HostSubnetUse.current()
        let claims = claimedSubnets()
        func clash(_ s: IPv4Subnet) -> String? {
            if let c = claims.first(where: { $0.0.overlaps(s) && !($0.1 == stateRoot && $0.2 == name && !avoidingOwn) })
            {
                return "network \(c.2) of \(c.1) (\(c.0))"
            }
            return used.first { $0.subnet.overlaps(s) }.map(\.description)
        }
        if let requested {
            if let why = clash(requested) { throw .network("subnet \(requested) overlaps \(why)") }
            return requested
        }
        if forDefault, let env = getenv("SKIFF_BRIDGE_SUBNET").map({ String(cString: $0) }), !env.isEmpty {
            guard let s = IPv4Subnet(env) else {
                throw .usage("SKIFF_BRIDGE_SUBNET=\(env): expected a subnet such as 10.88.0.0/16")
            }
            if let why = clash(s) { throw .network("SKIFF_BRIDGE_SUBNET \(s) overlaps \(why)") }
            return s
        }
        var candidates: [IPv4Subnet] = []
        if forDefault { candidates.append(IPv4Subnet("10.88.0.0/16")!) }
        for second in 89...99 {
            for third in 0...255 { candidates.append(IPv4Subnet("10.\(second).\(third).0/24")!) }
        }
        for c in candidates where clash(c) == nil { return c }
        throw .network("no free subnet left in 10.88.0.0/16 and 10.89-99.x.0/24; give one with --subnet")
    }

    func removeRecord(_ config: NetworkConfig) {
        if let s = config.subnet, let text = try? FileIO.readString(claimPath(s)), text.hasPrefix(stateRoot + "\n") {
            unlink(claimPath(s))
        }
        removeClaim6(config)
        Self.forgetLeases(config.name)
        FileIO.removeTree(directory(config.name))
    }

    // MARK: leases

    package func leases(_ network: String) -> [NetworkLease] {
        if let memo = Self.leaseMemo, let known = memo.leases[network] { return known }
        let dir = leaseDirectory(network)
        let read: [NetworkLease] = FileIO.visibleEntries(dir).compactMap { name in
            guard let bytes = try? FileIO.read(dir + "/" + name) else { return nil }
            return try? KitJSON.decode(NetworkLease.self, from: bytes)
        }
        let found = read.sorted(by: Self.inOrder)
        Self.leaseMemo?.leases[network] = found
        return found
    }

    /// Claim an address: `requested`, else the next free one after the gateway. The lease file is
    /// created with O_EXCL, so an address is never handed out twice. On an IPv6-only network the lease
    /// is `lease` itself, named by its IPv6 address (claimed already in `leases6`).
    func allocate(_ config: NetworkConfig, requested: IPv4Address?, lease: NetworkLease) throws(KitError)
        -> NetworkLease
    {
        let dir = leaseDirectory(config.name)
        do { try FileIO.makeDirectories(dir, mode: 0o700) } catch { throw .system(error) }
        func tryClaim(_ a: IPv4Address?) throws(KitError) -> NetworkLease? {
            var l = lease
            l.ip = a
            let bytes: [UInt8]
            do { bytes = try KitJSON.encode(l) } catch { throw .network("encode lease: \(error)") }
            let fd = open(dir + "/" + l.key, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST { return nil }
                throw .system(SystemError("create lease", path: dir + "/" + l.key))
            }
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            Self.rememberLease(config.name, added: l)
            return l
        }
        guard let subnet = config.subnet, let gateway = config.gateway else {
            if let requested {
                throw .usage("--ip \(requested): network \(config.name) has no IPv4 (it is IPv6-only)")
            }
            guard lease.ip6 != nil, let l = try tryClaim(nil) else {
                throw .network("network \(config.name) is IPv6-only, and the container has no IPv6 address on it")
            }
            return l
        }
        if let requested {
            guard subnet.contains(requested), requested != gateway, requested != subnet.network,
                requested != subnet.broadcast
            else {
                throw .usage("--ip \(requested): not a free host address of network \(config.name) (\(subnet))")
            }
            if let aux = config.auxName(requested.description) {
                throw .network(
                    "address \(requested) is already in use on network \(config.name) (reserved as aux address \(aux))")
            }
            guard let l = try tryClaim(requested) else {
                throw .network("address \(requested) is already in use on network \(config.name)")
            }
            return l
        }
        let pool = config.ipRange ?? subnet
        let reserved = config.reserved4
        // Addresses the memo knows are leased are not tried (each try is a failed create); O_EXCL still
        // decides for the others.
        let leased = Set(Self.leaseMemo == nil ? [] : leases(config.name).compactMap { $0.ip?.value })
        var a = max(pool.network.value, subnet.network.value + 1)
        while a <= pool.broadcast.value && a < subnet.broadcast.value {
            if a != gateway.value, !leased.contains(a), !reserved.contains(IPv4Address(value: a)),
                let l = try tryClaim(IPv4Address(value: a))
            {
                return l
            }
            a += 1
        }
        throw .network("no free address left on network \(config.name) (\(subnet))")
    }

    func release(_ network: String, lease: NetworkLease) {
        unlink(leaseDirectory(network) + "/" + lease.key)
        Self.rememberLeaseRemoved(network, key: lease.key)
    }

    // MARK: host ports

    /// `ports/PROTO-PORT` for a port published on every address, `ports/PROTO-PORT@ADDRESS` for one
    /// published on a single host address: claims are per (address, port, protocol), as Docker's are.
    func portClaimPath(_ p: PortMapping) -> String {
        hostDirectory + "/ports/\(p.proto)-\(p.hostPort)" + (p.hostIP.isEmpty ? "" : "@\(p.hostIP)")
    }

    /// Whether two publications of one port and protocol would take the same host socket: every address
    /// takes them all, [::] every IPv6 one, else only the same address.
    static func overlap(_ a: PortMapping, _ b: PortMapping) -> Bool {
        guard a.proto == b.proto, a.hostPort == b.hostPort else { return false }
        if a.hostIP.isEmpty || b.hostIP.isEmpty || a.hostIP == b.hostIP { return true }
        return (a.hostIP == "::" && b.hostIP.contains(":")) || (b.hostIP == "::" && a.hostIP.contains(":"))
    }

    /// Another container's claim that `p` overlaps (see `overlap`), and its owner.
    func clash(_ p: PortMapping, except id: String) -> (claim: PortMapping, owner: String)? {
        let prefix = "\(p.proto)-\(p.hostPort)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: hostDirectory + "/ports")) ?? []
        for name in names where name == prefix || name.hasPrefix(prefix + "@") {
            var claim = p
            claim.hostIP = name == prefix ? "" : String(name.dropFirst(prefix.count + 1))
            claim.hostPortEnd = nil
            guard Self.overlap(p, claim), let owner = claimOwner(claim), owner != id else { continue }
            return (claim, owner)
        }
        return nil
    }

    /// Claim the host ports of `ports` for container `id` (port 0: a free one is chosen). A port another
    /// container publishes, or a host process holds, is an error naming it. Caller holds the host lock.
    func claimPorts(_ ports: [PortMapping], id: String) throws(KitError) -> [PortMapping] {
        var result: [PortMapping] = []
        var done: [PortMapping] = []
        do throws(KitError) {
            for var p in ports {
                if p.hostPort == 0 {
                    var chosen: UInt16?
                    for _ in 0..<50 {
                        guard let free = HostNetwork.probePort(ip: p.hostIP, port: 0, proto: p.proto) else { continue }
                        var probe = p
                        probe.hostPort = free
                        if clash(probe, except: id) == nil { chosen = free; break }
                    }
                    guard let chosen else {
                        throw KitError.network("no free host port for \(p.containerPort)/\(p.proto)")
                    }
                    p.hostPort = chosen
                } else if let end = p.hostPortEnd, end > p.hostPort {
                    // A host range: the first port of it no container claims and no host process holds.
                    let range = p.hostPort...end
                    var probe = p
                    probe.hostPortEnd = nil
                    guard
                        let chosen = range.first(where: { port in
                            probe.hostPort = port
                            return clash(probe, except: id) == nil && !done.contains { Self.overlap($0, probe) }
                                && HostNetwork.probePort(ip: p.hostIP, port: port, proto: p.proto) != nil
                        })
                    else {
                        throw KitError.network(
                            "Bind for \(p.hostAddress):\(range.lowerBound)-\(end) failed: every port of the range is already allocated"
                        )
                    }
                    p.hostPort = chosen
                } else {
                    if let (claim, owner) = clash(p, except: id) {
                        throw KitError.network(
                            "Bind for \(p.hostAddress):\(p.hostPort) failed: port is already allocated (container \(owner.prefix(12)) publishes it on \(claim.hostAddress))"
                        )
                    }
                    if HostNetwork.probePort(ip: p.hostIP, port: p.hostPort, proto: p.proto) == nil {
                        throw KitError.network(
                            "Bind for \(p.hostAddress):\(p.hostPort)/\(p.proto) failed: address already in use on the host"
                        )
                    }
                }
                p.hostPortEnd = nil
                do { try FileIO.writeAtomically(portClaimPath(p), contents: Array("\(stateRoot)\n\(id)\n".utf8)) } catch
                {
                    throw KitError.network(
                        "cannot claim host port \(p.hostPort)/\(p.proto) for the container: \(error)")
                }
                done.append(p)
                result.append(p)
            }
        } catch {
            for p in done { releasePort(p, id: id) }
            throw error
        }
        return result
    }

    /// The container that holds a port claim (stale claims, whose container's namespace is gone, are removed).
    func claimOwner(_ p: PortMapping) -> String? {
        guard let text = try? FileIO.readString(portClaimPath(p)) else { return nil }
        let f = text.split(separator: "\n").map(String.init)
        guard f.count >= 2, FileIO.exists(NetworkStore(stateRoot: f[0]).netnsPath(f[1])) else {
            unlink(portClaimPath(p))
            return nil
        }
        return f[1]
    }

    func releasePort(_ p: PortMapping, id: String) {
        if let text = try? FileIO.readString(portClaimPath(p)), text == "\(stateRoot)\n\(id)\n" {
            unlink(portClaimPath(p))
        }
    }
}
