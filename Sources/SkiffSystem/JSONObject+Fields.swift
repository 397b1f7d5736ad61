/// A member whose value is not of the type a reader asked for (or a required one that is missing): a
/// reader built on `JSONView` then gives way to Codable, whose error names the field.
public struct JSONFieldMismatch: Error, Sendable, Equatable {
    public let key: String

    public init(key: String) { self.key = key }
}

// Typed members, read as Codable's `decodeIfPresent` and `decode` read them: absent or null is nil, and
// a value of another type is an error rather than nil.
extension JSONObject {
    public func optional<T>(_ key: String, _ value: (JSONView) -> T?) throws(JSONFieldMismatch) -> T? {
        guard let member = self[key], !member.isNull else { return nil }
        guard let v = value(member) else { throw JSONFieldMismatch(key: key) }
        return v
    }

    public func required<T>(_ key: String, _ value: (JSONView) -> T?) throws(JSONFieldMismatch) -> T {
        guard let v = try optional(key, value) else { throw JSONFieldMismatch(key: key) }
        return v
    }

    public func string(_ key: String) throws(JSONFieldMismatch) -> String? { try optional(key, { $0.string }) }

    public func bool(_ key: String) throws(JSONFieldMismatch) -> Bool? { try optional(key, { $0.bool }) }

    public func object(_ key: String) throws(JSONFieldMismatch) -> JSONObject? { try optional(key, { $0.object }) }

    public func array(_ key: String) throws(JSONFieldMismatch) -> [JSONView]? { try optional(key, { $0.elements }) }

    /// An array of strings.
    public func strings(_ key: String) throws(JSONFieldMismatch) -> [String]? {
        try optional(key, { $0.stringElements })
    }

    /// An object whose members are all strings (see `JSONView.stringMembers`).
    public func stringMap(_ key: String) throws(JSONFieldMismatch) -> [String: String]? {
        try optional(key, { $0.stringMembers })
    }
}

// Arrays and objects of strings, nil when this is not one or an element is not a string.
extension JSONView {
    public var stringElements: [String]? {
        guard let elements else { return nil }
        var out: [String] = []
        out.reserveCapacity(elements.count)
        for e in elements {
            guard let s = e.string else { return nil }
            out.append(s)
        }
        return out
    }

    public var stringMembers: [String: String]? { memberValues(as: { $0.string }) }

    /// An object whose members are all read by `value`; nil when this is not an object or one is not
    /// read. Of two keys Swift takes as equal (canonically equivalent, "K" and the Kelvin sign), the first
    /// is kept, as Codable's dictionary keeps it.
    public func memberValues<T>(as value: (JSONView) -> T?) -> [String: T]? {
        guard let members else { return nil }
        var out: [String: T] = [:]
        for (k, m) in members {
            guard let v = value(m) else { return nil }
            if out[k] == nil { out[k] = v }
        }
        return out
    }
}

// Integers of each width, nil when the number is not a plain integer in range.
extension JSONView {
    public var int: Int? { int64.flatMap { Int(exactly: $0) } }
    public var int32: Int32? { int64.flatMap { Int32(exactly: $0) } }
    public var uint: UInt? { uint64.flatMap { UInt(exactly: $0) } }
    public var uint32: UInt32? { uint64.flatMap { UInt32(exactly: $0) } }
}
