/// A type read with `JSONView` before Codable, on a path that decodes it once per process: Codable's first
/// decode of a type costs more than the reading (its generic metadata and conformance look-ups).
/// `init?(json:)` gives exactly what `JSONDecoder` would, or nil (a field of another type, a number that
/// is not a plain integer, a key twice, bad JSON): the caller then decodes with Codable, whose error, if
/// any, names the field.
package protocol JSONViewReadable: Decodable {
    /// The value of a document's top-level object, as Codable would decode it.
    static func read(_ root: JSONObject) throws(JSONFieldMismatch) -> Self
}

extension JSONViewReadable {
    package init?(json bytes: [UInt8]) {
        guard let root = JSONView(bytes)?.object, let value = try? Self.read(root) else { return nil }
        self = value
    }
}
