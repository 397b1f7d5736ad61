/// One `RUN --mount=…` option, read with BuildKit's grammar: comma-separated fields (CSV: a field
/// may be double-quoted), `key=value` or a bare `ro`/`rw`/`required`; keys are case-insensitive.
///
/// - `type=bind` (the default): `target`, `source` (default: the root of `from`), `from` (a stage,
///   an image, or the build context when absent), `rw` (writes are thrown away after the RUN);
/// - `type=cache`: `target`, `id` (default: the target), `sharing=shared|private|locked`, `from`,
///   `source`, `mode` (default 0755), `uid`, `gid`, `ro`;
/// - `type=tmpfs`: `target`, `size`;
/// - `type=secret`: `id` (default: the target's base name), `target` (default /run/secrets/ID), `env`,
///   `required`, `mode` (default 0400), `uid`, `gid`;
/// - `type=ssh`: `id` (default `default`), `target` (default /run/buildkit/ssh_agent.N), `required`,
///   `mode` (default 0600), `uid`, `gid`.
/// Values are expanded with the stage's ARG and ENV values (`from` is not: BuildKit refuses a
/// variable there and asks for an alias stage).
package struct RunMount: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case bind, cache, tmpfs, secret, ssh
    }

    package enum Sharing: String, Sendable, CaseIterable {
        case shared, `private`, locked
    }

    package var kind: Kind = .bind
    package var target: String?
    package var source: String?
    package var from: String?
    package var id: String?
    package var sharing: Sharing?
    package var readOnly = false
    package var required = false
    package var mode: UInt32?
    package var uid: UInt32?
    package var gid: UInt32?
    package var size: Int64?
    /// `type=secret,env=NAME`: the secret's value is also (or only, without a target) this variable.
    package var env: String?

    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
        init(_ message: String) { self.message = message }
    }

    static let keys = [
        "type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite",
        "rw", "id", "sharing", "required", "mode", "uid", "gid", "size", "env",
    ]

    package init(kind: Kind = .bind) {
        self.kind = kind
    }

    /// Parse one `--mount` value; `expand` resolves `$VAR` in values. Without it (the parser's syntax
    /// check) a value naming a variable is left for the build to check, as BuildKit defers it.
    package static func parse(_ text: String, expand: ((String) throws(Invalid) -> String)? = nil) throws(Invalid)
        -> RunMount
    {
        let fields = try csvFields(text)
        var m = RunMount()
        var readOnlyGiven = false
        var deferred = false
        func bool(_ key: String, _ value: String) throws(Invalid) -> Bool {
            switch value.lowercased() {
            case "true", "1", "t": return true
            case "false", "0", "f": return false
            default: throw Invalid("invalid value for \(key): \(value) (expected true or false)")
            }
        }
        func number(_ key: String, _ value: String, radix: Int) throws(Invalid) -> UInt32 {
            guard let n = UInt32(value, radix: radix) else {
                throw Invalid(
                    "invalid value \(value) for \(key)"
                        + (radix == 8 ? " (expected an octal mode such as 0755)" : " (expected a number)"))
            }
            return n
        }
        for field in fields {
            guard let eq = field.firstIndex(of: "=") else {
                switch field.lowercased() {
                case "readonly", "ro": m.readOnly = true; readOnlyGiven = true
                case "readwrite", "rw": m.readOnly = false; readOnlyGiven = true
                case "required":
                    guard m.kind == .secret || m.kind == .ssh else {
                        throw Invalid("unexpected key 'required' for mount type '\(m.kind.rawValue)'")
                    }
                    m.required = true
                case "": throw Invalid("empty field in --mount=\(text)")
                default: throw Invalid("invalid field '\(field)' must be a key=value pair")
                }
                continue
            }
            let key = field[..<eq].lowercased()
            let raw = String(field[field.index(after: eq)...])
            if key == "from", raw.contains("$") {
                throw Invalid("'from' doesn't support variable expansion, define alias stage instead")
            }
            let value: String
            if let expand {
                value = try expand(raw)
            } else if raw.contains("$") {
                deferred = true; continue
            } else {
                value = raw
            }
            switch key {
            case "type":
                guard let k = Kind(rawValue: value.lowercased()) else {
                    throw Invalid(
                        "unsupported mount type \"\(value)\" (expected \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                m.kind = k
            case "from": m.from = value
            case "source", "src": m.source = value
            case "target", "dst", "destination": m.target = value
            case "readonly", "ro": m.readOnly = try bool(key, value); readOnlyGiven = true
            case "readwrite", "rw": m.readOnly = !(try bool(key, value)); readOnlyGiven = true
            case "required":
                guard m.kind == .secret || m.kind == .ssh else {
                    throw Invalid("unexpected key 'required' for mount type '\(m.kind.rawValue)'")
                }
                m.required = try bool(key, value)
            case "size":
                guard m.kind == .tmpfs else {
                    throw Invalid("unexpected key 'size' for mount type '\(m.kind.rawValue)'")
                }
                do { m.size = try Units.parseBytes(value) } catch { throw Invalid("invalid value for size: \(value)") }
            case "id": m.id = value
            case "sharing":
                guard let s = Sharing(rawValue: value.lowercased()) else {
                    throw Invalid("unsupported sharing value \"\(value)\" (expected shared, private or locked)")
                }
                m.sharing = s
            case "mode":
                let n = try number(key, value, radix: 8)
                guard n <= 0o7777 else {
                    throw Invalid("invalid value \(value) for mode (expected an octal mode such as 0755)")
                }
                m.mode = n
            case "uid": m.uid = try number(key, value, radix: 10)
            case "gid": m.gid = try number(key, value, radix: 10)
            case "env":
                guard m.kind == .secret else {
                    throw Invalid("unexpected key 'env' for mount type '\(m.kind.rawValue)'")
                }
                m.env = value
            default:
                throw Invalid("unexpected key '\(key)' in '\(field)' (keys: \(keys.joined(separator: ", ")))")
            }
        }
        if !deferred { try m.validate(readOnlyGiven: readOnlyGiven) }
        return m
    }

    mutating func validate(readOnlyGiven: Bool) throws(Invalid) {
        let kindName = kind.rawValue
        if ![.secret, .ssh, .cache].contains(kind) {
            if mode != nil { throw Invalid("mode not allowed for \"\(kindName)\" type mounts") }
            if uid != nil { throw Invalid("uid not allowed for \"\(kindName)\" type mounts") }
            if gid != nil { throw Invalid("gid not allowed for \"\(kindName)\" type mounts") }
        }
        if !readOnlyGiven { readOnly = !(kind == .cache || kind == .tmpfs) }
        if sharing != nil && kind != .cache { throw Invalid("invalid cache sharing set for \(kindName) mount") }
        switch kind {
        case .secret:
            if from != nil { throw Invalid("secret mount should not have a from") }
            if source != nil && id != nil { throw Invalid("both source and id can't be set") }
            if source == nil && target == nil && id == nil {
                throw Invalid("invalid secret mount. one of source, target required")
            }
        case .ssh:
            if from != nil { throw Invalid("ssh mount should not have a from") }
        case .bind, .cache, .tmpfs:
            if target?.isEmpty ?? true { throw Invalid("mount type \(kindName) needs a target (target=/path)") }
            if kind == .tmpfs, from != nil || source != nil { throw Invalid("tmpfs mount takes no from or source") }
        }
        if let target, target.isEmpty { throw Invalid("target can not be empty") }
    }

    /// The secret's id: `id`, else `source` (an old spelling), else the target's base name.
    package var secretID: String {
        if let id { return id }
        if let source { return source }
        return String((target ?? "").split(separator: "/").last ?? "")
    }

    /// A comma list split as CSV: `"a,b"` keeps its comma, `""` is a literal quote inside quotes.
    static func csvFields(_ text: String) throws(Invalid) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(text)[...]
        var atFieldStart = true
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && (atFieldStart || current.hasSuffix("=")) {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
                atFieldStart = true
                continue
            } else {
                current.append(c)
            }
            atFieldStart = false
        }
        if quoted { throw Invalid("unterminated quote in --mount=\(text)") }
        fields.append(current)
        return fields
    }
}
