import Foundation

/// json-file's `--log-opt labels=a,b`, `labels-regex`, `env=A,B`, `env-regex` and `tag`: the extra
/// attributes every log entry carries (`"attrs":{...}`, shown by `logs --details`), Docker's
/// ExtraAttributes: the named (or matching) labels, then the named (or matching) environment variables
/// (an env value wins over a label of the same key), then `tag`, a template of the container.
public struct LogAttributes: Codable, Sendable, Equatable {
    /// `labels=a,b`: the container labels of these keys.
    public var labels: [String]?
    /// `labels-regex=RE`: the container labels whose key matches.
    public var labelsRegex: String?
    /// `env=A,B`: the container's environment variables of these names.
    public var env: [String]?
    /// `env-regex=RE`: the environment variables whose name matches.
    public var envRegex: String?
    /// `tag=TEMPLATE`: an attribute "tag", the template filled in from the container.
    public var tag: String?

    /// None asked for.
    public init() {}

    /// The option keys this type holds.
    public static let keys: Set<String> = ["labels", "labels-regex", "env", "env-regex", "tag"]

    /// No attribute asked for.
    public var isEmpty: Bool { self == LogAttributes() }

    /// Take `key=value` if `key` is one of `keys`; false otherwise.
    public mutating func set(_ key: String, _ value: String) -> Bool {
        let list = value.isEmpty ? nil : value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        switch key {
        case "labels": labels = list
        case "labels-regex": labelsRegex = value.isEmpty ? nil : value
        case "env": env = list
        case "env-regex": envRegex = value.isEmpty ? nil : value
        case "tag": tag = value.isEmpty ? nil : value
        default: return false
        }
        return true
    }

    /// What the container gives the templates and the lists: its identity, labels and environment.
    public struct Source: Sendable {
        /// The container's full ID.
        public var id: String
        /// Its name.
        public var name: String
        /// Its image's ID (sha256:...).
        public var imageID: String
        /// The image as the user named it.
        public var imageName: String
        /// Its command (entrypoint and arguments).
        public var command: [String]
        /// Its labels.
        public var labels: [String: String]
        /// Its environment (KEY=VALUE).
        public var env: [String]
        /// When it was created (RFC 3339), for gelf's `_created`.
        public var created: String? = nil
    }

    /// Refuse a regex or a tag template that cannot be read (at create, before anything is made).
    public func check(origin: String) throws(KitError) {
        for (key, pattern) in [("labels-regex", labelsRegex), ("env-regex", envRegex)] {
            guard let pattern else { continue }
            if (try? NSRegularExpression(pattern: pattern)) == nil {
                throw .usage("\(origin) \(key)=\(pattern): not a regular expression")
            }
        }
        if let tag {
            let blank = Source(id: "", name: "", imageID: "", imageName: "", command: [], labels: [:], env: [])
            _ = try Self.expand(tag, blank, origin: origin)
        }
    }

    /// The attributes of `source`'s entries.
    public func values(_ source: Source) throws(KitError) -> [String: String] {
        var out: [String: String] = [:]
        for key in labels ?? [] { if let v = source.labels[key] { out[key] = v } }
        if let pattern = labelsRegex, let re = try? NSRegularExpression(pattern: pattern) {
            for (k, v) in source.labels where Self.matches(re, k) { out[k] = v }
        }
        var env: [String: String] = [:]
        for e in source.env {
            let kv = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.count == 2 { env[String(kv[0])] = String(kv[1]) }
        }
        for key in self.env ?? [] { if let v = env[key] { out[key] = v } }
        if let pattern = envRegex, let re = try? NSRegularExpression(pattern: pattern) {
            for (k, v) in env where Self.matches(re, k) { out[k] = v }
        }
        if let tag {
            let text = try Self.expand(tag, source, origin: "--log-opt tag")
            if !text.isEmpty { out["tag"] = text }
        }
        return out
    }

    /// The JSON object of `values` (keys sorted, as Go's encoder writes a map), or nil when empty.
    public func json(_ source: Source) throws(KitError) -> String? {
        let v = try values(source)
        guard !v.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(v) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private static func matches(_ re: NSRegularExpression, _ text: String) -> Bool {
        re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Docker's log tag template: `{{.ID}}` (12 characters), `{{.FullID}}`, `{{.Name}}`, `{{.ImageID}}`
    /// (the image's ID, 12 characters), `{{.ImageFullID}}`, `{{.ImageName}}`, `{{.DaemonName}}`,
    /// `{{.Command}}`; other text is kept.
    static func expand(_ template: String, _ s: Source, origin: String) throws(KitError) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .usage("\(origin) tag=\(template): unclosed action (a {{ without }})")
            }
            let action = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            switch action {
            case ".ID": out += s.id.prefix(12)
            case ".FullID": out += s.id
            case ".Name": out += s.name
            case ".ImageID": out += s.imageID.prefix(12)
            case ".ImageFullID": out += s.imageID
            case ".ImageName": out += s.imageName
            case ".DaemonName": out += "skiff"
            case ".Command": out += s.command.joined(separator: " ")
            default:
                throw .usage(
                    "\(origin) tag=\(template): can't evaluate {{\(action)}} (the fields are .ID, .FullID, .Name, .ImageID, .ImageFullID, .ImageName, .DaemonName and .Command)"
                )
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
