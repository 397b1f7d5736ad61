import Foundation
import SkiffSystem

/// JSON for Skiff's own records: sorted keys, so a record is stable on disk.
enum KitJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return Array(try encoder.encode(value))
    }

    /// `encode` of a type that writes itself (`JSONWritable`): the same bytes, without Codable.
    static func encode<T: Encodable & JSONWritable>(_ value: T) throws -> [UInt8] { JSONOutput.bytes(of: value) }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// `decode` of a type read by `JSONView` first (`JSONViewReadable`): the same value, or Codable's error.
    static func decode<T: JSONViewReadable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if let value = T(json: bytes) { return value }
        return try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// Why a record did not decode, in a few words ("not valid JSON", "missing field \"id\"").
    static func reason(_ error: Error) -> String {
        func at(_ path: [CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
        switch error {
        case DecodingError.dataCorrupted(let c) where c.codingPath.isEmpty: return "not valid JSON"
        case DecodingError.dataCorrupted(let c): return "field \"\(at(c.codingPath))\" is invalid"
        case DecodingError.keyNotFound(let key, let c): return "missing field \"\(at(c.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let c): return "field \"\(at(c.codingPath))\" has the wrong type"
        case DecodingError.valueNotFound(_, let c): return "field \"\(at(c.codingPath))\" is null"
        default: return "\(error)"
        }
    }
}
