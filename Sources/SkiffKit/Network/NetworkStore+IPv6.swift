import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The IPv6 side of a network: its subnet (claimed host-wide under `/run/skiff/subnets6`, as the IPv4
/// ones are) and the containers' IPv6 addresses (`networks/<name>/leases6/<ip6>`, made with O_EXCL).
extension NetworkStore {
    func leaseDirectory6(_ name: String) -> String { root + "/" + name + "/leases6" }
    func claimPath6(_ s: IPv6Subnet) -> String {
        hostDirectory + "/subnets6/" + s.description.replacingOccurrences(of: "/", with: "-")
    }

    /// Give `config` its IPv6 subnet and gateway: the ones asked for (checked against the host's routes and
    /// addresses and every root's claims), else a free ULA /64 (see `IPv6Subnet.uniqueLocalCandidates`).
    /// Caller holds `lock()`; saves the config.
    func enableIPv6(_ config: NetworkConfig, subnet requested: IPv6Subnet?, gateway: IPv6Address?) throws(KitError)
        -> NetworkConfig
    {
        let host = try hostLock()
        defer { host.unlock() }
        do { try FileIO.makeDirectories(hostDirectory + "/subnets6", mode: 0o700) } catch { throw .system(error) }
        let used = HostSubnetUse6.current()
        let claims = claimedSubnets6()
        func clash(_ s: IPv6Subnet) -> String? {
            if let c = claims.first(where: { $0.0.overlaps(s) && !($0.1 == stateRoot && $0.2 == config.name) }) {
                return "network \(c.2) of \(c.1) (\(c.0))"
            }
            return used.first { $0.subnet.overlaps(s) }.map(\.description)
        }
        let subnet: IPv6Subnet
        if let requested {
            if let why = clash(requested) { throw .network("IPv6 subnet \(requested) overlaps \(why)") }
            subnet = requested
        } else {
            guard
                let free = IPv6Subnet.uniqueLocalCandidates(seed: stateRoot, from: config.index).first(where: {
                    clash($0) == nil
                })
            else { throw .network("no free IPv6 /64 left in Skiff's ULA prefix; give one with --subnet") }
            subnet = free
        }
        let gw = gateway ?? subnet.firstHost
        guard subnet.contains(gw), gw != subnet.network else {
            throw .usage("--gateway \(gw) is not a host address of \(subnet)")
        }
        var c = config
        c.subnet6 = subnet
        c.gateway6 = gw
        try save(c)
        do {
            try FileIO.makeDirectories(leaseDirectory6(c.name), mode: 0o700)
            try FileIO.writeAtomically(claimPath6(subnet), contents: Array("\(stateRoot)\n\(c.name)\n".utf8))
        } catch { throw .system(error) }
        return c
    }

    /// IPv6 subnets claimed by live networks of any root (stale claims are removed on the way).
    func claimedSubnets6() -> [(IPv6Subnet, String, String)] {
        let dir = hostDirectory + "/subnets6"
        var result: [(IPv6Subnet, String, String)] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let subnet = IPv6Subnet(entry.replacingOccurrences(of: "-", with: "/")),
                let text = try? FileIO.readString(dir + "/" + entry)
            else { continue }
            let f = text.split(separator: "\n").map(String.init)
            guard f.count >= 2, let other = NetworkStore(stateRoot: f[0], hostDirectory: hostDirectory).load(f[1]),
                other.subnet6 == subnet
            else {
                unlink(dir + "/" + entry)
                continue
            }
            result.append((subnet, f[0], f[1]))
        }
        return result
    }

    func removeClaim6(_ config: NetworkConfig) {
        guard let s = config.subnet6 else { return }
        if let text = try? FileIO.readString(claimPath6(s)), text.hasPrefix(stateRoot + "\n") { unlink(claimPath6(s)) }
    }

    /// Claim an IPv6 address for container `id`: `requested` (`flag` names where it came from in the
    /// error), else the next free one after the gateway.
    func allocate6(_ config: NetworkConfig, requested: IPv6Address?, id: String, flag: String) throws(KitError)
        -> IPv6Address
    {
        guard let subnet = config.subnet6, let gateway = config.gateway6 else {
            throw .network("network \(config.name) has no IPv6 subnet")
        }
        let dir = leaseDirectory6(config.name)
        do { try FileIO.makeDirectories(dir, mode: 0o700) } catch { throw .system(error) }
        func tryClaim(_ a: IPv6Address) throws(KitError) -> Bool {
            let fd = open(dir + "/" + a.description, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST { return false }
                throw .system(SystemError("create lease", path: dir + "/" + a.description))
            }
            defer { close(fd) }
            let bytes = Array((id + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            return true
        }
        if let requested {
            guard subnet.contains(requested), requested != gateway, requested != subnet.network else {
                throw .usage("\(flag) \(requested): not a free host address of network \(config.name) (\(subnet))")
            }
            if config.reserved6.contains(requested) {
                throw .network("address \(requested) is already in use on network \(config.name) (an aux address)")
            }
            guard try tryClaim(requested) else {
                throw .network("address \(requested) is already in use on network \(config.name)")
            }
            return requested
        }
        var a = subnet.firstHost
        let reserved = config.reserved6
        for _ in 0..<65536 {
            guard subnet.contains(a) else { break }
            if a != gateway, !reserved.contains(a), try tryClaim(a) { return a }
            a = a.adding(1)
        }
        throw .network("no free IPv6 address left on network \(config.name) (\(subnet))")
    }

    func release6(_ network: String, ip: IPv6Address) {
        unlink(leaseDirectory6(network) + "/" + ip.description)
    }
}

/// An IPv6 route or address of the host (/proc/net/ipv6_route), link-local, multicast, loopback and
/// default routes aside.
package struct HostSubnetUse6: Sendable, Equatable, CustomStringConvertible {
    package var subnet: IPv6Subnet
    package var device: String

    package var description: String { "the host route \(subnet) on \(device)" }

    static func current() -> [HostSubnetUse6] {
        parse((try? FileIO.readString("/proc/net/ipv6_route")) ?? "")
    }

    /// `/proc/net/ipv6_route`: destination (32 hex), prefix (hex), source, source prefix, next hop, metric,
    /// refcount, use, flags, device.
    package static func parse(_ text: String) -> [HostSubnetUse6] {
        var result: [HostSubnetUse6] = []
        for line in text.split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 10, f[0].count == 32, let prefix = Int(f[1], radix: 16), prefix > 0,
                let h = UInt64(f[0].prefix(16), radix: 16), let l = UInt64(f[0].suffix(16), radix: 16)
            else { continue }
            let device = String(f[9])
            if device == "lo" { continue }
            // fe80::/10 link-local and ff00::/8 multicast are on every interface.
            if h >> 54 == 0x3fa || h >> 56 == 0xff { continue }
            let p = min(prefix, IPv6Subnet.prefixes.upperBound)
            guard p >= 1 else { continue }
            result.append(
                HostSubnetUse6(subnet: IPv6Subnet(network: .init(high: h, low: l), prefix: p), device: device))
        }
        return result
    }
}
