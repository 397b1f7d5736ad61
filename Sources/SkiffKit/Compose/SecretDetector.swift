import Foundation

/// The secret detectors Docker Compose's `publish` runs (DefangLabs/secret-detector's default scanner),
/// those of them that recognise a credential by its own shape: AWS access key IDs and secret keys,
/// GitHub tokens, JSON Web Tokens, npm tokens, private keys, SendGrid and Stripe keys, Slack tokens and
/// webhooks, URLs with a password. A value is checked whole (optionally quoted or bracketed, as the
/// library allows); a text that is not key/value data, anywhere in it.
package struct SecretDetector: Sendable {
    package struct Finding: Sendable, Equatable {
        /// What was found, in the library's words ("AWS Client ID").
        package var type: String
        /// Where: the flattened key (`services.web.environment.TOKEN`), or empty in plain text.
        package var key: String
        package var value: String
        package init(type: String, key: String, value: String) {
            self.type = type
            self.key = key
            self.value = value
        }
    }

    struct Detector: @unchecked Sendable {
        var type: String
        var exact: [NSRegularExpression]
        var anywhere: [NSRegularExpression]
        var verify: @Sendable (String) -> Bool = { _ in true }

        init(_ type: String, _ patterns: [String], verify: @escaping @Sendable (String) -> Bool = { _ in true }) {
            self.type = type
            // The library's exact-value form: optional `[`, quote, the value, quote, `]`, `;`.
            exact = patterns.map {
                try! NSRegularExpression(
                    pattern: #"^\s*\[?[\t ]*['"]?(?:"# + $0 + #")['"]?[\t ]*\]?[\t ]*;?\s*$"#,
                    options: [.anchorsMatchLines])
            }
            anywhere = patterns.map { try! NSRegularExpression(pattern: "(?:" + $0 + ")", options: []) }
            self.verify = verify
        }

        func matchesWhole(_ value: String) -> Bool {
            let r = NSRange(value.startIndex..., in: value)
            return exact.contains { $0.firstMatch(in: value, range: r) != nil } && verify(value)
        }

        func firstMatch(_ text: String) -> String? {
            let r = NSRange(text.startIndex..., in: text)
            for re in anywhere {
                for m in re.matches(in: text, range: r) {
                    guard let range = Range(m.range, in: text) else { continue }
                    let found = String(text[range])
                    if verify(found) { return found }
                }
            }
            return nil
        }
    }

    /// In the library's order: the first detector to claim a key wins.
    static let detectors: [Detector] = [
        Detector("AWS Client ID", ["(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}"]),
        Detector("AWS Secret Key", [#"(?:AWS|aws).{0,20}['"][0-9a-zA-Z/+]{40}['"]"#]),
        Detector("Github authentication", ["gh[pousr]_[A-Za-z0-9_]{36}"]),
        Detector(
            "JSON Web Token", [#"eyJ[A-Za-z0-9_=-]+\.eyJ[A-Za-z0-9_=-]+\.?[A-Za-z0-9_.+/=-]*"#],
            verify: SecretDetector.isJWT),
        Detector("npm auth token", [#"//\S+/:_authToken=[^${\s]\S+"#, "npm_[a-zA-Z0-9]{36}"]),
        Detector(
            "Private Key",
            [
                "BEGIN DSA PRIVATE KEY", "BEGIN EC PRIVATE KEY", "BEGIN OPENSSH PRIVATE KEY",
                "BEGIN PGP PRIVATE KEY BLOCK", "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY",
                "BEGIN SSH2 ENCRYPTED PRIVATE KEY", "PuTTY-User-Key-File-",
            ].map { ".*" + $0 + ".*" }),
        Detector("Sendgrid API key", [#"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}"#]),
        Detector(
            "Slack token",
            [
                #"(?:(?:xoxe\.)?xox[bp]|xox[aeosr]|xapp)-\d+-[-a-zA-Z0-9]+"#,
                #"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+"#,
            ]),
        Detector("Stripe API key", ["[rs]k_(live|test)_[0-9a-zA-Z]{24}"]),
        Detector(
            "URL with password", [#"[a-z][a-z0-9+.-]+://[^:\s]+:[^@:\s]+@[^\s'"\];]+"#],
            verify: SecretDetector.hasPassword),
    ]

    /// A URL with a user and a password that is not a `$VARIABLE`.
    @Sendable static func hasPassword(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: CharacterSet(charactersIn: "'\"[]; \t"))
        guard let c = URLComponents(string: t), let user = c.user, let password = c.password else { return false }
        return !user.isEmpty && !password.isEmpty && !password.hasPrefix("$")
    }

    /// Key/value data: each detector over the keys in order, a key reported once.
    package static func scan(_ pairs: [(key: String, value: String)]) -> [Finding] {
        var out: [Finding] = []
        var seen: Set<String> = []
        for d in detectors {
            for (k, v) in pairs where d.matchesWhole(v) && seen.insert(k).inserted {
                out.append(Finding(type: d.type, key: k, value: v))
            }
        }
        return out
    }

    /// A text that is not key/value data: what each detector finds in it, reported with the text itself.
    package static func scan(text: String) -> [Finding] {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return [] }
        return detectors.compactMap { d in d.firstMatch(t).map { _ in Finding(type: d.type, key: "", value: t) } }
    }

    /// A token the JWT library would parse: signed, a header naming a known algorithm and a claims
    /// object; unsigned, `alg: none` and a claims object.
    @Sendable static func isJWT(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func object(_ s: String) -> [String: Any]? {
            var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            b = b.trimmingCharacters(in: CharacterSet(charactersIn: "="))
            while b.count % 4 != 0 { b += "=" }
            guard let data = Data(base64Encoded: b) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        let algorithms: Set<String> = [
            "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384",
            "PS512", "EdDSA", "none",
        ]
        switch parts.count {
        case 2:
            guard let h = object(parts[0]), h["alg"] as? String == "none" else { return false }
            return object(parts[1]) != nil
        case 3:
            guard let h = object(parts[0]), let alg = h["alg"] as? String, algorithms.contains(alg) else {
                return false
            }
            return object(parts[1]) != nil
        default:
            return false
        }
    }
}
