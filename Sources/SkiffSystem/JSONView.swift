/// A JSON document read where it lies, without Codable. One pass checks the whole document (RFC 8259;
/// nesting at most `maxDepth` deep; no key twice in one object; strings valid UTF-8 with valid escapes),
/// then values are found by key or index, and only the ones asked for become Swift values.
///
/// For a hot path that needs a few fields of a file: Codable's decoding costs little per byte but much per
/// type the first time a process decodes it (the run-time's generic metadata and conformance look-ups),
/// and a process that decodes once pays all of it. `skiff exec` reads its container's config.json so.
public struct JSONView: Sendable {
    /// What a value is.
    public enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null
    }

    /// Deeper documents are refused (a bound on the checking pass's recursion).
    public static let maxDepth = 512

    private let bytes: [UInt8]
    /// The index of this value's first byte in `bytes`.
    fileprivate let start: Int

    /// The document's top-level value; nil when `document` is not one JSON value as described above.
    public init?(_ document: [UInt8]) {
        var checker = Checker(bytes: document)
        guard let first = checker.document() else { return nil }
        bytes = document
        start = first
    }

    fileprivate init(bytes: [UInt8], start: Int) {
        self.bytes = bytes
        self.start = start
    }

    public var kind: Kind {
        switch bytes[start] {
        case Byte.openBrace: return .object
        case Byte.openBracket: return .array
        case Byte.quote: return .string
        case Byte.t, Byte.f: return .bool
        case Byte.n: return .null
        default: return .number
        }
    }

    public var isNull: Bool { bytes[start] == Byte.n }

    /// The member `key` of an object; nil when this is not an object or it has no such member. Each look-up
    /// walks the object from its start: for several, `object` walks it once.
    public subscript(key: String) -> JSONView? {
        var found: JSONView?
        forEachMember { name, value in
            if name.matches(key, in: bytes) {
                found = value
                return false
            }
            return true
        }
        return found
    }

    /// An object, its members located in one walk; nil when this is not an object.
    public var object: JSONObject? {
        guard bytes[start] == Byte.openBrace else { return nil }
        var names: [StringToken] = []
        var values: [Int] = []
        forEachMember { name, value in
            names.append(name)
            values.append(value.start)
            return true
        }
        return JSONObject(bytes: bytes, names: names, values: values)
    }

    /// An object's members in document order; nil when this is not an object.
    public var members: [(key: String, value: JSONView)]? {
        guard bytes[start] == Byte.openBrace else { return nil }
        var out: [(key: String, value: JSONView)] = []
        forEachMember { name, value in
            out.append((name.decoded(in: bytes), value))
            return true
        }
        return out
    }

    /// An array's elements; nil when this is not an array.
    public var elements: [JSONView]? {
        guard bytes[start] == Byte.openBracket else { return nil }
        var out: [JSONView] = []
        var i = skipSpace(start + 1)
        if bytes[i] == Byte.closeBracket { return out }
        while true {
            out.append(JSONView(bytes: bytes, start: i))
            i = skipSpace(skipValue(i))
            if bytes[i] == Byte.closeBracket { return out }
            i = skipSpace(i + 1)  // the comma
        }
    }

    /// A string's value; nil when this is not a string.
    public var string: String? {
        guard bytes[start] == Byte.quote else { return nil }
        return StringToken(start: start + 1, end: skipString(start) - 1).decoded(in: bytes)
    }

    /// A boolean's value; nil when this is not `true` or `false`.
    public var bool: Bool? {
        switch bytes[start] {
        case Byte.t: return true
        case Byte.f: return false
        default: return nil
        }
    }

    /// A number written as an integer (no fraction, no exponent) that fits; nil otherwise.
    public var int64: Int64? {
        guard let (negative, magnitude) = integer() else { return nil }
        if !negative { return Int64(exactly: magnitude) }
        if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
        return Int64(exactly: magnitude).map { -$0 }
    }

    /// A number written as a non-negative integer that fits; nil otherwise.
    public var uint64: UInt64? {
        guard let (negative, magnitude) = integer() else { return nil }
        return negative && magnitude != 0 ? nil : magnitude
    }

    private func integer() -> (negative: Bool, magnitude: UInt64)? {
        var i = start
        let negative = bytes[i] == Byte.minus
        if negative { i += 1 }
        guard i < bytes.count, Byte.isDigit(bytes[i]) else { return nil }
        var value: UInt64 = 0
        while i < bytes.count, Byte.isDigit(bytes[i]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - Byte.zero))
            if o1 || o2 { return nil }
            value = sum
            i += 1
        }
        if i < bytes.count, bytes[i] == Byte.dot || bytes[i] == Byte.e || bytes[i] == Byte.upperE { return nil }
        return (negative, value)
    }

    // Walking a document already checked: every step below may assume the grammar holds.

    private func forEachMember(_ body: (StringToken, JSONView) -> Bool) {
        guard bytes[start] == Byte.openBrace else { return }
        var i = skipSpace(start + 1)
        if bytes[i] == Byte.closeBrace { return }
        while true {
            let keyEnd = skipString(i)
            let name = StringToken(start: i + 1, end: keyEnd - 1)
            let valueStart = skipSpace(skipSpace(keyEnd) + 1)  // past the colon
            if !body(name, JSONView(bytes: bytes, start: valueStart)) { return }
            i = skipSpace(skipValue(valueStart))
            if bytes[i] == Byte.closeBrace { return }
            i = skipSpace(i + 1)
        }
    }

    private func skipSpace(_ from: Int) -> Int {
        var i = from
        while i < bytes.count, Byte.isSpace(bytes[i]) { i += 1 }
        return i
    }

    /// The index just past the string that opens at `from`.
    private func skipString(_ from: Int) -> Int {
        var i = from + 1
        while bytes[i] != Byte.quote { i += bytes[i] == Byte.backslash ? 2 : 1 }
        return i + 1
    }

    /// The index just past the value that starts at `from`. An object or array is crossed byte by byte
    /// (an exec's config.json has 20 kB of seccomp rules to cross), through the buffer, unchecked: the
    /// document is known to be balanced.
    private func skipValue(_ from: Int) -> Int {
        switch bytes[from] {
        case Byte.quote:
            return skipString(from)
        case Byte.openBrace, Byte.openBracket:
            return bytes.withUnsafeBufferPointer { b in
                var depth = 0
                var i = from
                var inString = false
                while i < b.count {
                    let c = b[i]
                    i += 1
                    if inString {
                        if c == Byte.backslash {
                            i += 1
                        } else if c == Byte.quote {
                            inString = false
                        }
                    } else if c == Byte.quote {
                        inString = true
                    } else if c == Byte.openBrace || c == Byte.openBracket {
                        depth += 1
                    } else if c == Byte.closeBrace || c == Byte.closeBracket {
                        depth -= 1
                        if depth == 0 { break }
                    }
                }
                return i
            }
        default:
            var i = from
            while i < bytes.count, !Byte.endsScalar(bytes[i]) { i += 1 }
            return i
        }
    }
}

/// An object's members, found by key without walking the object again.
public struct JSONObject: Sendable {
    fileprivate let bytes: [UInt8]
    fileprivate let names: [StringToken]
    fileprivate let values: [Int]

    /// The member `key`; nil when there is none.
    public subscript(key: String) -> JSONView? {
        guard let i = names.firstIndex(where: { $0.matches(key, in: bytes) }) else { return nil }
        return JSONView(bytes: bytes, start: values[i])
    }
}

/// A string's contents between its quotes, escapes still written out.
private struct StringToken: Sendable {
    let start: Int
    let end: Int

    func matches(_ key: String, in bytes: [UInt8]) -> Bool {
        // Keys are compared as UTF-8 bytes once unescaped, never as Strings (which equate canonically
        // equivalent text): "\u212A" is the Kelvin sign written out, not "K".
        if bytes[start..<end].contains(Byte.backslash) { return decoded(in: bytes).utf8.elementsEqual(key.utf8) }
        var utf8 = key.utf8.makeIterator()
        for i in start..<end where utf8.next() != bytes[i] { return false }
        return utf8.next() == nil
    }

    func decoded(in bytes: [UInt8]) -> String {
        StringDecoding.decode(bytes[start..<end]) ?? ""
    }

    func sameName(as other: StringToken, in bytes: [UInt8]) -> Bool {
        let a = bytes[start..<end]
        let b = bytes[other.start..<other.end]
        if !a.contains(Byte.backslash) && !b.contains(Byte.backslash) { return a.elementsEqual(b) }
        return decoded(in: bytes).utf8.elementsEqual(other.decoded(in: bytes).utf8)
    }
}

/// The one-pass check of `JSONView.init`: the grammar, the depth, duplicate keys, escapes and UTF-8.
private struct Checker {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The index of the top-level value, or nil.
    mutating func document() -> Int? {
        skipSpace()
        let first = i
        guard value(depth: 0) else { return nil }
        skipSpace()
        return i == bytes.count ? first : nil
    }

    private mutating func skipSpace() {
        while i < bytes.count, Byte.isSpace(bytes[i]) { i += 1 }
    }

    private mutating func value(depth: Int) -> Bool {
        guard i < bytes.count else { return false }
        switch bytes[i] {
        case Byte.openBrace: return object(depth: depth + 1)
        case Byte.openBracket: return array(depth: depth + 1)
        case Byte.quote: return string() != nil
        case Byte.t: return literal("true")
        case Byte.f: return literal("false")
        case Byte.n: return literal("null")
        default: return number()
        }
    }

    private mutating func object(depth: Int) -> Bool {
        guard depth <= JSONView.maxDepth else { return false }
        if let empty = opens(closing: Byte.closeBrace) { return empty }
        var names: [StringToken] = []
        while true {
            guard i < bytes.count, bytes[i] == Byte.quote, let name = string() else { return false }
            if names.contains(where: { $0.sameName(as: name, in: bytes) }) { return false }
            names.append(name)
            skipSpace()
            guard i < bytes.count, bytes[i] == Byte.colon else { return false }
            i += 1
            skipSpace()
            guard value(depth: depth) else { return false }
            if let done = follows(closing: Byte.closeBrace) { return done }
        }
    }

    private mutating func array(depth: Int) -> Bool {
        guard depth <= JSONView.maxDepth else { return false }
        if let empty = opens(closing: Byte.closeBracket) { return empty }
        while true {
            guard value(depth: depth) else { return false }
            if let done = follows(closing: Byte.closeBracket) { return done }
        }
    }

    /// Past an object's or array's opening byte: true when `close` follows at once (an empty one, consumed),
    /// nil for its first element.
    private mutating func opens(closing close: UInt8) -> Bool? {
        i += 1
        skipSpace()
        guard i < bytes.count, bytes[i] == close else { return nil }
        i += 1
        return true
    }

    /// After an element: true at `close` (consumed), false at anything but a comma, nil past the comma for
    /// the next element.
    private mutating func follows(closing close: UInt8) -> Bool? {
        skipSpace()
        guard i < bytes.count else { return false }
        if bytes[i] == close {
            i += 1
            return true
        }
        guard bytes[i] == Byte.comma else { return false }
        i += 1
        skipSpace()
        return nil
    }

    /// A string at `i` (its opening quote); its contents, or nil when it is not a valid string.
    private mutating func string() -> StringToken? {
        let open = i
        i += 1
        var escaped = false
        while i < bytes.count {
            let b = bytes[i]
            if b == Byte.quote {
                let token = StringToken(start: open + 1, end: i)
                i += 1
                // Escapes and UTF-8 are checked by decoding: only strings that have escapes or non-ASCII
                // bytes need it.
                if escaped || bytes[token.start..<token.end].contains(where: { $0 >= 0x80 }) {
                    guard StringDecoding.decode(bytes[token.start..<token.end]) != nil else { return nil }
                }
                return token
            }
            if b < 0x20 { return nil }
            if b == Byte.backslash {
                escaped = true
                i += 2
            } else {
                i += 1
            }
        }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { w in (0..<count).allSatisfy { bytes[i + $0] == w[$0] } }
        guard matches else { return false }
        i += count
        return true
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() -> Bool {
        if i < bytes.count, bytes[i] == Byte.minus { i += 1 }
        guard i < bytes.count, Byte.isDigit(bytes[i]) else { return false }
        if bytes[i] == Byte.zero {
            i += 1
        } else {
            digits()
        }
        if i < bytes.count, bytes[i] == Byte.dot {
            i += 1
            guard i < bytes.count, Byte.isDigit(bytes[i]) else { return false }
            digits()
        }
        if i < bytes.count, bytes[i] == Byte.e || bytes[i] == Byte.upperE {
            i += 1
            if i < bytes.count, bytes[i] == Byte.plus || bytes[i] == Byte.minus { i += 1 }
            guard i < bytes.count, Byte.isDigit(bytes[i]) else { return false }
            digits()
        }
        return i == bytes.count || Byte.endsScalar(bytes[i])
    }

    private mutating func digits() {
        while i < bytes.count, Byte.isDigit(bytes[i]) { i += 1 }
    }
}

/// A JSON string's contents (between the quotes) to a Swift string.
private enum StringDecoding {
    /// nil on a bad escape, a lone surrogate or bytes that are not UTF-8.
    static func decode(_ raw: ArraySlice<UInt8>) -> String? {
        guard raw.contains(Byte.backslash) else { return String(validating: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            guard b == Byte.backslash else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < raw.endIndex else { return nil }
            let e = raw[i + 1]
            i += 2
            switch e {
            case Byte.quote, Byte.backslash, Byte.slash: out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var unit = hex4(raw, at: i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate needs its low half next, as \uDC00-\uDFFF.
                    guard i + 1 < raw.endIndex, raw[i] == Byte.backslash, raw[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(raw, at: i + 2), (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    i += 6
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(unit) {
                    return nil
                }
                guard let scalar = Unicode.Scalar(unit) else { return nil }
                out.append(contentsOf: UTF8.encode(scalar)!)
            default:
                return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex4(_ raw: ArraySlice<UInt8>, at i: Int) -> UInt32? {
        guard i + 4 <= raw.endIndex else { return nil }
        var v: UInt32 = 0
        for b in raw[i..<i + 4] {
            let d: UInt8
            switch b {
            case Byte.zero...Byte.nine: d = b - Byte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
