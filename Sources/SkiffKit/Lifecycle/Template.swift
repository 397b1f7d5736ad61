import Foundation

/// A small subset of Go's text/template, enough for Docker's --format: `{{.Field}}`, `{{.A.B}}`,
/// `{{json .X}}`, `{{index .Labels "k"}}`, `{{upper .X}}`/`{{lower .X}}`, and `\t`/`\n` escapes.
public struct FormatTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case action(function: String?, path: [String], argument: String?)
    }
    let pieces: [Piece]

    public init(_ source: String) throws(KitError) {
        let text = source.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .usage("--format \(source): unclosed {{")
            }
            let body = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let words = body.split(separator: " ").map(String.init)
            var function: String?
            var pathWord = words.first ?? ""
            var argument: String?
            if let first = words.first, !first.hasPrefix(".") {
                function = first
                guard words.count >= 2 else { throw .usage("--format: {{\(body)}} needs a field, e.g. {{\(first) .Name}}") }
                pathWord = words[1]
                if words.count > 2 { argument = words[2].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            guard pathWord.hasPrefix(".") else { throw .usage("--format: {{\(body)}}: fields start with a dot, e.g. {{.ID}}") }
            let path = pathWord == "." ? [] : pathWord.dropFirst().split(separator: ".").map(String.init)
            pieces.append(.action(function: function, path: path, argument: argument))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
    }

    /// The fields used, in order (for a table header).
    public var fields: [String] {
        pieces.compactMap { if case .action(_, let path, _) = $0 { return path.joined(separator: ".") } else { return nil } }
    }

    /// Render against a JSON-like value (dictionaries, arrays, strings, numbers, booleans).
    public func render(_ value: Any) throws(KitError) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let t): out += t
            case .action(let function, let path, let argument):
                var v: Any? = value
                for key in path {
                    guard let dict = v as? [String: Any] else { v = nil; break }
                    guard let next = dict[key] else {
                        throw .usage("--format: no field \"\(key)\" (template: .\(path.joined(separator: ".")))")
                    }
                    v = next
                }
                switch function {
                case nil: out += Self.text(v)
                case "json": out += Self.json(v)
                case "upper": out += Self.text(v).uppercased()
                case "lower": out += Self.text(v).lowercased()
                case "index":
                    let d = v as? [String: Any]
                    out += Self.text(argument.flatMap { d?[$0] })
                default: throw .usage("--format: unknown function \"\(function!)\" (json, index, upper, lower)")
                }
            }
        }
        return out
    }

    static func text(_ v: Any?) -> String {
        switch v {
        case nil, is NSNull: return "<no value>"
        case let s as String: return s
        case let b as Bool: return b ? "true" : "false"
        case let n as Int64: return String(n)
        case let n as Int: return String(n)
        case let n as Double: return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case let a as [Any]: return "[" + a.map { text($0) }.joined(separator: " ") + "]"
        case let d as [String: Any]:
            return "map[" + d.keys.sorted().map { "\($0):\(text(d[$0]))" }.joined(separator: " ") + "]"
        default: return "\(v!)"
        }
    }

    static func json(_ v: Any?) -> String {
        guard let v, !(v is NSNull) else { return "null" }
        if let s = v as? String, let d = try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes]) {
            return String(decoding: d.dropFirst().dropLast(), as: UTF8.self)
        }
        guard JSONSerialization.isValidJSONObject(v),
              let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return text(v)
        }
        return String(decoding: d, as: UTF8.self)
    }

    /// A Codable value as the JSON-like tree `render` takes.
    public static func tree<T: Encodable>(_ value: T) -> Any {
        guard let data = try? JSONEncoder().encode(value),
              let object = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [:] as [String: Any] }
        return object.any
    }
}

/// JSON decoded into Swift's own types (Bool stays Bool, numbers stay numbers).
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var any: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(\.any)
        case .object(let o): return o.mapValues(\.any)
        }
    }
}

/// Go's tabwriter as Docker's tables use it: cells split on tabs, padded to the widest, 3 spaces apart.
public enum TableWriter {
    public static func format(_ lines: [String]) -> String {
        let rows = lines.map { $0.components(separatedBy: "\t") }
        var widths: [Int] = []
        for row in rows {
            for (i, cell) in row.enumerated().dropLast() {
                if i >= widths.count { widths.append(0) }
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }
}
