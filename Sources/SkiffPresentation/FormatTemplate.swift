import Foundation
import SkiffKit

/// A subset of Go's text/template, enough for Docker's --format: fields (`{{.Field}}`, `{{.A.B}}`,
/// `{{.}}`), functions (`json`, `index`, `upper`, `lower`, `join`, `len`, `title`), parentheses and
/// fields of their result (`{{(index .NetworkSettings.Networks "bridge").IPAddress}}`), pipes
/// (`{{.Name | upper}}`), `{{range …}}…{{else}}…{{end}}` (over a map: its values by key order),
/// `{{if …}}…{{else}}…{{end}}`, `{{-`/`-}}` trimming, and `\t`/`\n` escapes.
public struct FormatTemplate: Sendable {
    indirect enum Expr: Sendable {
        /// Fields of the dot (base nil) or of another expression's value.
        case field(base: Expr?, path: [String])
        case string(String)
        case number(Int)
        case call(String, [Expr])
    }
    indirect enum Node: Sendable {
        case text(String)
        case output(Expr)
        case range(Expr, body: [Node], otherwise: [Node])
        case when(Expr, body: [Node], otherwise: [Node])
    }
    let nodes: [Node]
    let source: String

    static let functions = ["json", "index", "upper", "lower", "join", "len", "title"]

    public init(_ source: String) throws(KitError) {
        self.source = source
        let text = source.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
        // Split into text and actions ({{ … }}, quotes inside an action may hold "}}").
        enum Token { case text(String), action(String) }
        var tokens: [Token] = []
        var rest = Substring(text)
        var trimNextText = false
        while let open = rest.range(of: "{{") {
            var before = String(rest[..<open.lowerBound])
            var i = open.upperBound
            var quote: Character?
            var close: Range<Substring.Index>?
            while i < rest.endIndex {
                let ch = rest[i]
                if let q = quote {
                    if ch == "\\" && q == "\"" { i = rest.index(after: i) } else if ch == q { quote = nil }
                } else if ch == "\"" || ch == "`" {
                    quote = ch
                } else if ch == "}", rest.index(after: i) < rest.endIndex, rest[rest.index(after: i)] == "}" {
                    close = i..<rest.index(i, offsetBy: 2)
                    break
                }
                if i < rest.endIndex { i = rest.index(after: i) }
            }
            guard let close else { throw .usage("--format \(source): unclosed {{") }
            var body = String(rest[open.upperBound..<close.lowerBound])
            if trimNextText { before = String(before.drop { $0.isWhitespace }) }
            if body.hasPrefix("- ") || body == "-" {
                body.removeFirst()
                while before.last?.isWhitespace == true { before.removeLast() }
            }
            trimNextText = false
            if body.hasSuffix(" -") {
                body.removeLast()
                trimNextText = true
            }
            if !before.isEmpty { tokens.append(.text(before)) }
            tokens.append(.action(body.trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
        }
        var tail = String(rest)
        if trimNextText { tail = String(tail.drop { $0.isWhitespace }) }
        if !tail.isEmpty { tokens.append(.text(tail)) }

        // Nest range/if … else … end.
        var position = 0
        func block(_ opener: String?) throws(KitError) -> (body: [Node], otherwise: [Node]) {
            var body: [Node] = []
            var otherwise: [Node] = []
            var inElse = false
            while position < tokens.count {
                let token = tokens[position]
                position += 1
                var node: Node
                switch token {
                case .text(let t): node = .text(t)
                case .action(let a):
                    let words = a.split(separator: " ", maxSplits: 1).map(String.init)
                    switch words.first ?? "" {
                    case "end":
                        guard opener != nil else {
                            throw .usage("--format \(source): {{end}} without {{range}} or {{if}}")
                        }
                        return (body, otherwise)
                    case "else":
                        guard opener != nil, !inElse else {
                            throw .usage("--format \(source): {{else}} outside {{range}} or {{if}}")
                        }
                        inElse = true
                        continue
                    case "range", "if":
                        guard words.count == 2 else {
                            throw .usage("--format \(source): {{\(a)}} needs a value, e.g. {{\(words[0]) .Mounts}}")
                        }
                        let e = try Self.parse(words[1], source: source)
                        let (b, o) = try block(words[0])
                        node = words[0] == "range" ? .range(e, body: b, otherwise: o) : .when(e, body: b, otherwise: o)
                    case "":
                        throw .usage("--format \(source): empty {{}}")
                    default:
                        node = .output(try Self.parse(a, source: source))
                    }
                }
                if inElse { otherwise.append(node) } else { body.append(node) }
            }
            if let opener { throw .usage("--format \(source): {{\(opener)}} without {{end}}") }
            return (body, otherwise)
        }
        nodes = try block(nil).body
    }

    /// The fields used by the top-level actions, in order (for a table header).
    public var fields: [String] {
        func firstPath(_ e: Expr) -> [String]? {
            switch e {
            case .field(nil, let path): return path
            case .field(let base?, let path): return firstPath(base).map { $0 + path }
            case .call(_, let args): return args.lazy.compactMap(firstPath).first
            case .string, .number: return nil
            }
        }
        return nodes.compactMap {
            if case .output(let e) = $0 { return firstPath(e)?.joined(separator: ".") } else { return nil }
        }
    }

    // MARK: parsing an action

    enum Word: Equatable {
        case open, close, pipe, field(String, attached: Bool), string(String), number(Int), name(String)
    }

    static func lex(_ text: String, source: String) throws(KitError) -> [Word] {
        var words: [Word] = []
        let chars = Array(text)
        var i = 0
        var attached = false
        while i < chars.count {
            let ch = chars[i]
            if ch.isWhitespace { i += 1; attached = false; continue }
            defer { attached = true }
            switch ch {
            case "(": words.append(.open); i += 1
            case ")": words.append(.close); i += 1
            case "|": words.append(.pipe); i += 1
            case "\"", "`":
                var s = ""
                i += 1
                while i < chars.count && chars[i] != ch {
                    if ch == "\"" && chars[i] == "\\" && i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": s.append("\n");
                        case "t": s.append("\t");
                        default: s.append(chars[i])
                        }
                    } else {
                        s.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw .usage("--format \(source): unterminated string in {{\(text)}}") }
                i += 1
                words.append(.string(s))
            case ".":
                var s = ""
                while i < chars.count && (chars[i] == "." || chars[i].isLetter || chars[i].isNumber || chars[i] == "_")
                {
                    s.append(chars[i]); i += 1
                }
                words.append(.field(s, attached: attached && words.last == .close))
            case "$":
                throw .usage("--format \(source): variables ($…) are not supported")
            default:
                var s = ""
                while i < chars.count && !chars[i].isWhitespace && !"()|\"".contains(chars[i]) {
                    s.append(chars[i]); i += 1
                }
                if let n = Int(s) { words.append(.number(n)) } else { words.append(.name(s)) }
            }
        }
        return words
    }

    static func path(_ word: String) -> [String] {
        word == "." ? [] : word.split(separator: ".").map(String.init)
    }

    static func parse(_ text: String, source: String) throws(KitError) -> Expr {
        let words = try lex(text, source: source)
        var i = 0
        func bad(_ why: String) -> KitError { .usage("--format: {{\(text)}}: \(why)") }
        func term() throws(KitError) -> Expr {
            guard i < words.count else { throw bad("a value is missing") }
            let w = words[i]
            i += 1
            switch w {
            case .open:
                let e = try pipeline()
                guard i < words.count, words[i] == .close else { throw bad("unclosed (") }
                i += 1
                if i < words.count, case .field(let f, true) = words[i] {
                    i += 1
                    return .field(base: e, path: path(f))
                }
                return e
            case .field(let f, _): return .field(base: nil, path: path(f))
            case .string(let s): return .string(s)
            case .number(let n): return .number(n)
            case .name(let n):
                guard functions.contains(n) else {
                    throw bad("unknown function \"\(n)\" (\(functions.joined(separator: ", ")))")
                }
                return .call(n, [])
            case .close, .pipe: throw bad("unexpected \(w == .close ? ")" : "|")")
            }
        }
        func command() throws(KitError) -> Expr {
            guard i < words.count else { throw bad("a value is missing") }
            if case .name(let n) = words[i] {
                i += 1
                guard functions.contains(n) else {
                    if n.first?.isLetter == true, !n.contains(".") {
                        throw bad("unknown function \"\(n)\" (\(functions.joined(separator: ", ")))")
                    }
                    throw bad("fields start with a dot, e.g. {{.ID}}")
                }
                var args: [Expr] = []
                while i < words.count && words[i] != .close && words[i] != .pipe { args.append(try term()) }
                return .call(n, args)
            }
            let e = try term()
            if i < words.count && words[i] != .close && words[i] != .pipe { throw bad("a field takes no arguments") }
            return e
        }
        func pipeline() throws(KitError) -> Expr {
            var e = try command()
            while i < words.count && words[i] == .pipe {
                i += 1
                guard case .call(let n, let args) = try command() else {
                    throw bad("a pipe leads to a function, e.g. | json")
                }
                e = .call(n, args + [e])
            }
            return e
        }
        let e = try pipeline()
        guard i == words.count else { throw bad("unexpected )") }
        if case .call(let n, let args) = e, args.isEmpty, n != "len" {
            throw bad("\(n) needs a field, e.g. {{\(n) .Name}}")
        }
        return e
    }

    // MARK: rendering

    /// Render against a JSON-like value (dictionaries, arrays, strings, numbers, booleans).
    public func render(_ value: Any) throws(KitError) -> String {
        var out = ""
        try render(nodes, dot: value, into: &out)
        return out
    }

    func render(_ nodes: [Node], dot: Any, into out: inout String) throws(KitError) {
        for node in nodes {
            switch node {
            case .text(let t): out += t
            case .output(let e): out += Self.text(try evaluate(e, dot: dot))
            case .range(let e, let body, let otherwise):
                let items: [Any]
                switch try evaluate(e, dot: dot) {
                case let a as [Any]: items = a
                case let d as [String: Any]: items = d.keys.sorted().map { d[$0]! }
                case nil, is NSNull: items = []
                case let v?: throw .usage("--format: range over \(Self.text(v)), not a list or map")
                }
                if items.isEmpty { try render(otherwise, dot: dot, into: &out) }
                for item in items { try render(body, dot: item, into: &out) }
            case .when(let e, let body, let otherwise):
                try render(Self.truth(try evaluate(e, dot: dot)) ? body : otherwise, dot: dot, into: &out)
            }
        }
    }

    func evaluate(_ e: Expr, dot: Any) throws(KitError) -> Any? {
        switch e {
        case .string(let s): return s
        case .number(let n): return n
        case .field(let base, let path):
            var v: Any? = dot
            if let base { v = try evaluate(base, dot: dot) }
            for key in path {
                guard let dict = v as? [String: Any] else { v = nil; break }
                guard let next = dict[key] else {
                    if base != nil { v = nil; break }
                    throw .usage("--format: no field \"\(key)\" (template: .\(path.joined(separator: ".")))")
                }
                v = next
            }
            return v
        case .call(let name, let argExprs):
            var args: [Any?] = []
            for a in argExprs { args.append(try evaluate(a, dot: dot)) }
            let first = args.first ?? nil
            switch name {
            case "json": return Self.json(first)
            case "upper": return Self.text(first).uppercased()
            case "lower": return Self.text(first).lowercased()
            case "title": return Self.text(first).capitalized
            case "len":
                switch first {
                case let a as [Any]: return a.count
                case let d as [String: Any]: return d.count
                case let s as String: return s.count
                default: return 0
                }
            case "join":
                let separator = args.count > 1 ? Self.text(args[1]) : ""
                return ((first as? [Any]) ?? []).map { Self.text($0) }.joined(separator: separator)
            case "index":
                var v = first
                for key in args.dropFirst() {
                    switch (v, key) {
                    case (let d as [String: Any], let k as String): v = d[k]
                    case (let a as [Any], let n as Int): v = n >= 0 && n < a.count ? a[n] : nil
                    case (let a as [Any], let n as Int64): v = n >= 0 && n < a.count ? a[Int(n)] : nil
                    default: v = nil
                    }
                }
                return v
            default: throw .usage("--format: unknown function \"\(name)\" (\(Self.functions.joined(separator: ", ")))")
            }
        }
    }

    static func truth(_ v: Any?) -> Bool {
        switch v {
        case nil, is NSNull: return false
        case let b as Bool: return b
        case let n as Int64: return n != 0
        case let n as Int: return n != 0
        case let n as Double: return n != 0
        case let s as String: return !s.isEmpty
        case let a as [Any]: return !a.isEmpty
        case let d as [String: Any]: return !d.isEmpty
        default: return true
        }
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
        if let s = v as? String,
            let d = try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        {
            return String(decoding: d.dropFirst().dropLast(), as: UTF8.self)
        }
        guard JSONSerialization.isValidJSONObject(v),
            let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return text(v)
        }
        return String(decoding: d, as: UTF8.self)
    }

    /// A Codable value as the JSON-like tree `render` takes.
    public static func tree<T: Encodable>(_ value: T) -> Any {
        let encoder = JSONEncoder()
        encoder.userInfo[.writesEveryField] = true
        guard let data = try? encoder.encode(value),
            let object = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return [:] as [String: Any] }
        return object.any
    }
}

/// JSON decoded into Swift's own types (Bool stays Bool, numbers stay numbers).
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
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
