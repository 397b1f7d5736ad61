#if canImport(Glibc)
import Glibc
#endif

/// An IPv6 address as a 128-bit number (two halves, host order).
public struct IPv6Address: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address's first 64 bits.
    public var high: UInt64
    /// The address's last 64 bits.
    public var low: UInt64

    /// The address of these two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parse any text form inet_pton(3) takes ("fd00::1", "fd00:0:0:0::1"); nil if it is not one.
    public init?(_ text: String) {
        var raw = in6_addr()
        guard !text.isEmpty, inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &raw) { Array($0) }
        self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        self.init(high: h, low: l)
    }

    /// The 16 bytes in network order.
    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
    }

    /// The canonical text (RFC 5952, as inet_ntop writes it).
    public var description: String {
        var raw = in6_addr()
        let b = bytes
        withUnsafeMutableBytes(of: &raw) { for i in 0..<16 { $0[i] = b[i] } }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buf, socklen_t(buf.count)) != nil else { return "::" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `self + n` (wrapping within 128 bits).
    public func adding(_ n: UInt64) -> IPv6Address {
        let (l, carry) = low.addingReportingOverflow(n)
        return IPv6Address(high: carry ? high &+ 1 : high, low: l)
    }

    /// Numeric order.
    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Decoded from its text form.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv6Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv6 address: \(text)"))
        }
        self = a
    }

    /// Encoded as its text form.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An IPv6 subnet ("fd12:3456:789a:1::/64").
public struct IPv6Subnet: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits zero).
    public var network: IPv6Address
    /// The prefix length in bits.
    public var prefix: Int

    /// The prefixes a bridge network may have: Docker takes up to /124 (a few hosts); shorter than /16
    /// would be no sensible container network.
    public static let prefixes = 16...124

    /// The subnet of `prefix` bits holding `network` (host bits cleared).
    public init(network: IPv6Address, prefix: Int) {
        self.prefix = prefix
        let (mh, ml) = Self.mask(prefix)
        self.network = IPv6Address(high: network.high & mh, low: network.low & ml)
    }

    /// Parse "ADDR/N" with N in `prefixes`; nil if it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPv6Address(String(parts[0])), let p = Int(parts[1]),
            Self.prefixes.contains(p)
        else { return nil }
        self.init(network: a, prefix: p)
    }

    static func mask(_ prefix: Int) -> (UInt64, UInt64) {
        let h: UInt64 = prefix <= 0 ? 0 : prefix >= 64 ? .max : UInt64.max << UInt64(64 - prefix)
        let l: UInt64 = prefix <= 64 ? 0 : prefix >= 128 ? .max : UInt64.max << UInt64(128 - prefix)
        return (h, l)
    }

    /// The text form.
    public var description: String { "\(network)/\(prefix)" }
    /// The first address after the network's own (Docker's gateway).
    public var firstHost: IPv6Address { network.adding(1) }
    /// The subnet's last address.
    public var last: IPv6Address {
        let (mh, ml) = Self.mask(prefix)
        return IPv6Address(high: network.high | ~mh, low: network.low | ~ml)
    }

    /// Whether `a` is in this subnet.
    public func contains(_ a: IPv6Address) -> Bool {
        let (mh, ml) = Self.mask(prefix)
        return a.high & mh == network.high && a.low & ml == network.low
    }

    /// Whether the two subnets share an address.
    public func overlaps(_ other: IPv6Subnet) -> Bool {
        let (mh, ml) = Self.mask(min(prefix, other.prefix))
        return network.high & mh == other.network.high & mh && network.low & ml == other.network.low & ml
    }

    /// Decoded from its text form.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let s = IPv6Subnet(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv6 subnet: \(text)"))
        }
        self = s
    }

    /// Encoded as its text form.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The /64s Skiff picks from when `--ipv6` gives no subnet, as Docker 27 does: one ULA /48
    /// (fd00::/8 with a 40-bit global ID, RFC 4193) that is stable for a state root (`seed`: its path),
    /// and the network's index as the subnet ID, then the next ones.
    package static func uniqueLocalCandidates(seed: String, from index: Int) -> [IPv6Subnet] {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in seed.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let globalID = h & 0xff_ffff_ffff
        // fd + 40 bits of global ID + 16 bits of subnet ID = the high 64 bits.
        let base = (0xfd as UInt64) << 56 | globalID << 16
        return (0..<256).map { i in
            IPv6Subnet(network: IPv6Address(high: base | UInt64((index + i) & 0xffff), low: 0), prefix: 64)
        }
    }
}
