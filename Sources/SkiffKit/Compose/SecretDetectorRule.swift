import Foundation

extension SecretDetector {
    /// One of the library's detectors: how it judges a key/value pair and what it finds in plain text.
    struct Detector: Sendable {
        var type: String
        var matches: @Sendable (_ key: String, _ value: String) -> Bool
        var find: @Sendable (_ text: String) -> [(key: String, value: String)]

        /// A detector by the shape of the value. In key/value data a value matches when a line of it is
        /// the pattern whole (optionally quoted or bracketed); in text, where the pattern stands alone or
        /// after `key:`/`key =` (with `acrossLines: false`, the delimiter and the value on the key's line).
        static func regex(
            _ type: String, _ patterns: [String], acrossLines: Bool = true,
            verify: @escaping @Sendable (_ key: String, _ value: String) -> Bool = { _, _ in true }
        ) -> Detector {
            let exact = patterns.map { SecretPattern.compile(SecretPattern.exactValue($0)) }
            let inText = patterns.map {
                SecretPattern.compile(SecretPattern.keyValue(value: $0, acrossLines: acrossLines))
            }
            return Detector(
                type: type,
                matches: { k, v in exact.contains { $0.matchesSomewhere(v) } && verify(k, v) },
                find: { text in inText.flatMap { $0.keyValues(in: text) }.filter { verify($0.key, $0.value) } })
        }

        /// Keys that sound secret (password, token, api_key…) with a value that is not a `$variable` or a
        /// `{…}` expression, at least 3 characters, and of Shannon entropy 4 or more (the default
        /// scanner's setting for this detector).
        static let keyword: Detector = {
            let names = [
                "api[-_]?key", "access[-_]?key", "auth[-_]?key", "service[-_]?key", "account[-_]?key",
                "db[-_]?key", "database[-_]?key", "priv[-_]?key", "private[-_]?key", "client[-_]?key",
                "db[-_]?pass", "database[-_]?pass", "key[-_]?pass", "password", "passwd", "pwd", "secret",
                "token", "contraseña", "contrasena",
            ]
            let key = #"[.\[~\-0-9A-Za-z_]*(?i:"# + names.joined(separator: "|") + #")[.\[\]~\-0-9A-Za-z_]*"#
            let value = #"[^${\s].+[^}\s]"#
            let exactKey = SecretPattern.compile(SecretPattern.exactKey(key))
            let exactValue = SecretPattern.compile(SecretPattern.exactValue(value))
            let inText = SecretPattern.compile(SecretPattern.keyValue(value: value, key: key, acrossLines: true))
            let strong: @Sendable (String) -> Bool = { SecretDetector.shannonEntropy($0) >= 4 }
            return Detector(
                type: "Keyword Detector",
                matches: { k, v in exactKey.matchesSomewhere(k) && exactValue.matchesSomewhere(v) && strong(v) },
                find: { text in inText.keyValues(in: text).filter { strong($0.value) } })
        }()
    }
}

/// The library's regular-expression frames around a detector's pattern.
enum SecretPattern {
    static let declaration = #"(?:(?i:var|let|set|dim|declare|export|const|readonly)[\t ]+)?"#
    static let open = #"\[?[\t ]*['"]?"#
    static let keyClose = #"['"]?[\t ]*\]?"#
    static let valueClose = #"['"]?[\t ]*\]?[\t ]*;?"#

    /// A line that is the value alone.
    static func exactValue(_ p: String) -> String { #"^\s*"# + open + "(?:" + p + ")" + valueClose + #"\s*$"# }

    /// A line that is the key alone (a declaration keyword allowed).
    static func exactKey(_ p: String) -> String {
        #"^\s*"# + declaration + open + "(?:" + p + ")" + keyClose + #"\s*$"#
    }

    /// Group 1 the key, 2 the delimiter, 3 the value. Without `key`, the key and delimiter are optional
    /// and any name; with it, required and that pattern.
    static func keyValue(value p: String, key: String? = nil, acrossLines: Bool) -> String {
        let delimiter = acrossLines ? #"\s*(:|=|:=)\s*"# : #"[^\S\r\n]*(:|=|:=)[^\S\r\n]*"#
        let keyPart: String
        if let key {
            keyPart = declaration + open + "(" + key + ")" + keyClose + delimiter
        } else {
            keyPart = "(?:" + declaration + open + #"([\t a-zA-Z0-9$/_-]+)"# + keyClose + delimiter + ")?"
        }
        return #"(?:^|[\t ]+)"# + keyPart + open + "(" + p + ")" + valueClose + #"(?:[\t ]+|$)"#
    }

    static func compile(_ pattern: String) -> SecretRegex {
        // The patterns are constants of this file; one that does not compile is a programming error.
        SecretRegex(try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]))
    }
}

/// A compiled pattern; NSRegularExpression is immutable and safe to share.
struct SecretRegex: @unchecked Sendable {
    let re: NSRegularExpression
    init(_ re: NSRegularExpression) { self.re = re }

    func matchesSomewhere(_ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Every match's key (group 1, empty when absent) and value (group 3), trimmed.
    func keyValues(in text: String) -> [(key: String, value: String)] {
        re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            func group(_ i: Int) -> String {
                guard let r = Range(m.range(at: i), in: text) else { return "" }
                return text[r].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let value = group(3)
            return value.isEmpty ? nil : (group(1), value)
        }
    }
}
