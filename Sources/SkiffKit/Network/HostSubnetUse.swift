import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A subnet the host already uses: a route or an interface address, whoever made it (another tool, a
/// Skiff bridge of a state root since deleted). A new network must overlap none, as Docker checks, or
/// its traffic silently goes elsewhere.
package struct HostSubnetUse: Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable { case route, address }
    package var subnet: IPv4Subnet
    package var device: String
    package var kind: Kind
    /// The address itself, for `.address`.
    package var address: IPv4Address?

    package init(subnet: IPv4Subnet, device: String, kind: Kind, address: IPv4Address? = nil) {
        self.subnet = subnet
        self.device = device
        self.kind = kind
        self.address = address
    }

    package var description: String {
        switch kind {
        case .route: "the host route \(subnet) on \(device)"
        case .address:
            "the address \(address.map { "\($0)" } ?? "\(subnet.network)")/\(subnet.prefix) of the host's \(device)"
        }
    }

    /// The routes of the main table (/proc/net/route) and every IPv4 interface address, loopback aside.
    static func current() -> [HostSubnetUse] {
        var result: [HostSubnetUse] = []
        let text = (try? FileIO.readString("/proc/net/route")) ?? ""
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 8, let dest = UInt32(f[1], radix: 16), let mask = UInt32(f[7], radix: 16), mask != 0 else {
                continue
            }
            let prefix = mask.byteSwapped.nonzeroBitCount
            result.append(
                HostSubnetUse(
                    subnet: IPv4Subnet(network: IPv4Address(value: dest.byteSwapped), prefix: prefix),
                    device: String(f[0]), kind: .route))
        }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return result }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET),
                let mask = entry.pointee.ifa_netmask
            else { continue }
            let ip = addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
            }
            let bits = mask.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
            }
            let address = IPv4Address(value: ip)
            if ip >> 24 == 127 { continue }
            result.append(
                HostSubnetUse(
                    subnet: IPv4Subnet(network: address, prefix: bits.nonzeroBitCount),
                    device: String(cString: entry.pointee.ifa_name), kind: .address, address: address))
        }
        return result
    }
}
