/// One netlink attribute (`struct nlattr`): a 4-byte header (length, type) and a payload, padded to 4
/// bytes when encoded. A nested attribute's payload is its children, encoded.
public struct NetlinkAttribute: Equatable, Sendable {
    public var type: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// A 32-bit number in host order (the kernel's u32 attributes).
    public static func u32(_ type: UInt16, _ value: UInt32) -> Self {
        Self(type: type, payload: NetlinkEncoding.bytes(of: value))
    }

    public static func u8(_ type: UInt16, _ value: UInt8) -> Self { Self(type: type, payload: [value]) }

    /// A C string with its NUL (IFLA_IFNAME), as iproute2's `addattr_l(..., strlen + 1)`.
    public static func cString(_ type: UInt16, _ text: String) -> Self {
        Self(type: type, payload: Array(text.utf8) + [0])
    }

    /// A string without a NUL (IFLA_INFO_KIND), as iproute2's `addattr_l(..., strlen)`.
    public static func string(_ type: UInt16, _ text: String) -> Self { Self(type: type, payload: Array(text.utf8)) }

    /// An attribute holding `children` (iproute2's `addattr_nest`, which sets no NLA_F_NESTED flag).
    public static func nested(_ type: UInt16, _ children: [NetlinkAttribute]) -> Self {
        Self(type: type, payload: NetlinkEncoding.encode(children))
    }

    /// An attribute whose payload is a fixed header (e.g. VETH_INFO_PEER's ifinfomsg) then attributes.
    public static func nested(_ type: UInt16, header: [UInt8], _ children: [NetlinkAttribute]) -> Self {
        Self(type: type, payload: header + NetlinkEncoding.encode(children))
    }

    /// The header, the payload, and zeros up to the next multiple of 4 (the length leaves them out).
    public var encoded: [UInt8] {
        let length = 4 + payload.count
        var out = NetlinkEncoding.bytes(of: UInt16(length)) + NetlinkEncoding.bytes(of: type) + payload
        out += [UInt8](repeating: 0, count: NetlinkEncoding.aligned(length) - length)
        return out
    }
}

/// Byte-level helpers of the netlink wire format (host byte order, 4-byte alignment).
public enum NetlinkEncoding {
    public static func aligned(_ n: Int) -> Int { (n + 3) & ~3 }

    public static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    public static func encode(_ attributes: [NetlinkAttribute]) -> [UInt8] { attributes.flatMap(\.encoded) }

    /// A 16- or 32-bit number at `at` in a datagram the kernel wrote (host order, as its headers are).
    public static func u16(_ d: [UInt8], _ at: Int) -> UInt16 {
        d.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) }
    }

    public static func u32(_ d: [UInt8], _ at: Int) -> UInt32 {
        d.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
    }
}
