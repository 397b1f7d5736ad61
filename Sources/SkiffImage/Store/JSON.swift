import Foundation

/// JSON as Skiff writes it: sorted keys, no escaped slashes, so the same value is always the same bytes
/// (and so the same digest).
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws(ImageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) } catch {
            throw .invalidContent("cannot encode \(T.self): \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(ImageError) -> T {
        try codableDecode(type, from: bytes, what: what)
    }

    /// `decode` of a type read by `JSONView` first (`JSONViewReadable`): the same value, or the same error.
    static func decode<T: JSONViewReadable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(ImageError) -> T {
        if let value = T(json: bytes) { return value }
        return try codableDecode(type, from: bytes, what: what)
    }

    private static func codableDecode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String)
        throws(ImageError) -> T
    {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw .invalidContent("\(what) is not a valid \(T.self): \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing \"\(path(ctx.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at \"\(path(ctx.codingPath))\": \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty
                ? "malformed JSON" : "bad value at \"\(path(ctx.codingPath))\": \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
