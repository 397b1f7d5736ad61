import Crypto

/// A content digest, "sha256:<64 hex>". Only sha256 is accepted: it is what every registry and
/// archive writes, and a blob is stored under its hex.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let hex: String

    public var algorithm: String { "sha256" }
    public var description: String { "sha256:" + hex }
    /// The first 12 hex digits, as `docker images` shows an IMAGE ID.
    public var short: String { String(hex.prefix(12)) }

    public init(hex: String) throws(ImageError) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw .invalidDigest("sha256:" + hex)
        }
        self.hex = hex
    }

    public init(_ text: String) throws(ImageError) {
        guard text.hasPrefix("sha256:") else {
            if let colon = text.firstIndex(of: ":") {
                throw .invalidDigest("\(text): unsupported digest algorithm \"\(text[..<colon])\" (only sha256)")
            }
            throw .invalidDigest(text)
        }
        do { try self.init(hex: String(text.dropFirst(7))) } catch { throw .invalidDigest(text) }
    }

    /// The digest of bytes in memory.
    public static func of<Bytes: Sequence>(_ bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return Digest(finalized: hasher)
    }

    /// The digest a finished hasher holds.
    public init(finalized hasher: SHA256) {
        self.hex = Self.hexString(hasher.finalize())
    }

    static func hexString<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }
}
