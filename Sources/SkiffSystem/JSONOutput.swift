/// JSON written without Codable, byte for byte as Foundation's `JSONEncoder` writes it with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`: two spaces of indent per level, `"key" : value`,
/// an empty array or object as its brackets around a blank line. The caller writes an object's members in
/// the order of their keys' UTF-8 bytes, as the encoder sorts them; dictionaries are sorted here.
///
/// For a hot path that writes a record once per process: `JSONEncoder` costs little per byte but much per
/// type the first time a process encodes it (the run-time's generic metadata and conformance look-ups),
/// and `skiff run -d` writes config.json once. Tests compare the two outputs byte for byte.
public struct JSONOutput: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Whether the innermost open object or array has no element yet.
    private var empty = true

    public init() {
        bytes.reserveCapacity(4096)
    }

    /// The bytes of `value` written alone.
    public static func bytes<T: JSONWritable>(of value: T) -> [UInt8] {
        var out = JSONOutput()
        value.write(to: &out)
        return out.bytes
    }

    // MARK: values

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            bytes.append(Byte.quote)
            var plain = 0
            for i in 0..<utf8.count where utf8[i] < 0x20 || utf8[i] == Byte.quote || utf8[i] == Byte.backslash {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plain..<i]))
                escape(utf8[i])
                plain = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plain...]))
            bytes.append(Byte.quote)
        }
    }

    private mutating func escape(_ b: UInt8) {
        bytes.append(Byte.backslash)
        switch b {
        case Byte.quote, Byte.backslash: bytes.append(b)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), Byte.zero, Byte.zero, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
        }
    }

    public mutating func bool(_ b: Bool) {
        bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
    }

    // The generic writers are inlinable, so each is specialized where it is used: across the module
    // boundary an unspecialized one looks up its type's metadata and witnesses at run time.

    @inlinable
    public mutating func integer<T: BinaryInteger>(_ v: T) {
        decimal(negative: v < 0, magnitude: UInt64(truncatingIfNeeded: v.magnitude))
    }

    @usableFromInline
    mutating func decimal(negative: Bool, magnitude: UInt64) {
        if negative { bytes.append(Byte.minus) }
        var m = magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(Byte.zero + UInt8(m % 10))
            m /= 10
        } while m > 0
        bytes.append(contentsOf: digits.reversed())
    }

    /// An object; `body` writes its members with `key` and a value, or the `member` helpers.
    public mutating func object(_ body: (inout JSONOutput) -> Void) {
        open(array: false)
        body(&self)
        close(array: false)
    }

    @inlinable
    public mutating func array<S: Sequence>(_ elements: S, _ write: (inout JSONOutput, S.Element) -> Void) {
        open(array: true)
        for e in elements {
            separate()
            write(&self, e)
        }
        close(array: true)
    }

    public mutating func array(_ strings: [String]) { array(strings) { $0.string($1) } }

    @inlinable
    public mutating func array<T: JSONWritable>(_ values: [T]) { array(values) { $1.write(to: &$0) } }

    /// An object of strings, its keys sorted by their UTF-8 bytes.
    public mutating func object(_ map: [String: String]) {
        object { out in
            for (k, v) in map.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                out.key(k)
                out.string(v)
            }
        }
    }

    // MARK: members

    /// The next member's key; its value follows.
    public mutating func key(_ k: String) {
        separate()
        string(k)
        bytes.append(contentsOf: [Byte.space, Byte.colon, Byte.space])
    }

    public mutating func member(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        string(v)
    }

    public mutating func member(_ k: String, _ v: Bool?) {
        guard let v else { return }
        key(k)
        bool(v)
    }

    @inlinable
    public mutating func member<T: BinaryInteger>(_ k: String, _ v: T?) {
        guard let v else { return }
        key(k)
        integer(v)
    }

    public mutating func member(_ k: String, _ v: [String]?) {
        guard let v else { return }
        key(k)
        array(v)
    }

    public mutating func member(_ k: String, _ v: [String: String]?) {
        guard let v else { return }
        key(k)
        object(v)
    }

    @inlinable
    public mutating func member<T: BinaryInteger>(_ k: String, _ v: [T]?) {
        guard let v else { return }
        key(k)
        array(v) { $0.integer($1) }
    }

    @inlinable
    public mutating func member<T: JSONWritable>(_ k: String, _ v: T?) {
        guard let v else { return }
        key(k)
        v.write(to: &self)
    }

    @inlinable
    public mutating func member<T: JSONWritable>(_ k: String, _ v: [T]?) {
        guard let v else { return }
        key(k)
        array(v)
    }

    // MARK: layout

    @usableFromInline
    mutating func open(array: Bool) {
        bytes.append(array ? Byte.openBracket : Byte.openBrace)
        depth += 1
        empty = true
    }

    @usableFromInline
    mutating func close(array: Bool) {
        depth -= 1
        bytes.append(Byte.newline)
        if empty { bytes.append(Byte.newline) }
        indent()
        bytes.append(array ? Byte.closeBracket : Byte.closeBrace)
        empty = false
    }

    /// Before an element or a member: a comma after the one before, then its own line.
    @usableFromInline
    mutating func separate() {
        if !empty { bytes.append(Byte.comma) }
        empty = false
        bytes.append(Byte.newline)
        indent()
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(Byte.space, count: 2 * depth))
    }
}

/// A value that writes itself as JSON, as its `Encodable` conformance encodes it.
public protocol JSONWritable {
    func write(to out: inout JSONOutput)
}
