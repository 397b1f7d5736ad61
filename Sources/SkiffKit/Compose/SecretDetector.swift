import Foundation

/// The secret detectors Docker Compose's `publish` runs: DefangLabs/secret-detector's default scanner,
/// its twenty detectors in its order. Key/value data is checked value by value (the whole value, as the
/// library's exact-value form allows); a text that is not key/value data, as `key: value` lines or
/// bare values, the way the library's key/value regex finds them.
package struct SecretDetector: Sendable {
    package struct Finding: Sendable, Equatable {
        /// What was found, in the library's words ("AWS Client ID").
        package var type: String
        /// Where: the flattened key (`services.web.environment.TOKEN`), or in plain text the key written
        /// before the value (empty when there is none).
        package var key: String
        package var value: String
        package init(type: String, key: String, value: String) {
            self.type = type
            self.key = key
            self.value = value
        }
    }

    /// In the library's order: the first detector to claim a key wins.
    static let detectors: [Detector] = [
        .regex("JFrog Artifactory credentials", ["AKC[a-zA-Z0-9]{10,}"]),
        .regex("AWS Client ID", ["(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}"]),
        .regex("AWS Secret Key", [#"(?:AWS|aws).{0,20}['"][0-9a-zA-Z/+]{40}['"]"#]),
        .regex(
            "Amazon Marketplace Web Service (MWS) Key",
            [#"amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#]),
        .regex(
            "Azure Storage Account access key", ["(AccountKey=)?[a-zA-Z0-9+/=]{88}"],
            verify: SecretDetector.isAzureStorageKey),
        .regex(
            "HTTP Basic Authentication",
            [#"(?i:(?:"?authorization"? *[:=] *)?"?basic) +[a-zA-Z0-9+/,_\-]{2,}={0,2}"?"#],
            acrossLines: false, verify: SecretDetector.hasCredentialParameter),
        .regex(
            "HTTP Bearer Authentication",
            [#"(?i:(?:"?authorization"? *[:=] *)?"?bearer) +[a-zA-Z0-9+/,_\-.=]{2,}"?"#],
            acrossLines: false, verify: SecretDetector.hasCredentialParameter),
        .regex("Github authentication", ["gh[pousr]_[A-Za-z0-9_]{36}"]),
        .regex(
            "JSON Web Token", [#"eyJ[A-Za-z0-9_=-]+\.eyJ[A-Za-z0-9_=-]+\.?[A-Za-z0-9_.+/=-]*"#],
            verify: { SecretDetector.isJWT($1) }),
        .keyword,
        .regex("Mailchimp API Key", ["[0-9a-f]{32}-us[0-9]{1,2}"]),
        .regex("npm auth token", [#"//\S+/:_authToken=[^${\s]\S+"#, "npm_[a-zA-Z0-9]{36}"]),
        .regex(
            "Private Key",
            [
                "BEGIN DSA PRIVATE KEY", "BEGIN EC PRIVATE KEY", "BEGIN OPENSSH PRIVATE KEY",
                "BEGIN PGP PRIVATE KEY BLOCK", "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY",
                "BEGIN SSH2 ENCRYPTED PRIVATE KEY", "PuTTY-User-Key-File-",
            ].map { ".*" + $0 + ".*" }),
        .regex("Sendgrid API key", [#"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}"#]),
        .regex(
            "Slack token",
            [
                #"(?:(?:xoxe\.)?xox[bp]|xox[aeosr]|xapp)-\d+-[-a-zA-Z0-9]+"#,
                #"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+"#,
            ]),
        .regex("Square authentication", [#"sq0atp-[0-9A-Za-z\\\-_]{22}"#, #"sq0csp-[0-9A-Za-z\\\-_]{43}"#]),
        .regex("Stripe API key", ["[rs]k_(live|test)_[0-9a-zA-Z]{24}"]),
        .regex("Twilio authentication", ["AC[0-9a-fA-F]{32}", "SK[0-9a-fA-F]{32}"]),
        .regex(
            "URL with password", [#"[a-z][a-z0-9+.-]+://[^:\s]+:[^@:\s]+@[^\s'"\];]+"#],
            verify: { SecretDetector.hasPassword($1) }),
        .regex(
            "High entropy string", [#"(?:[a-zA-Z0-9+/]{16,}|[a-zA-Z0-9_-]{16,})={0,2}"#],
            verify: { SecretDetector.isHighEntropy($1) }),
    ]

    /// Key/value data: each detector over the keys in order, a key reported once.
    package static func scan(_ pairs: [(key: String, value: String)]) -> [Finding] {
        var out: [Finding] = []
        for d in detectors {
            for (k, v) in pairs where d.matches(k, v) { out.append(Finding(type: d.type, key: k, value: v)) }
        }
        return firstPerKey(out)
    }

    /// A text that is not key/value data. A single line stops at the first detector that finds
    /// something; several lines go through every detector.
    package static func scan(text: String) -> [Finding] {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return [] }
        let oneLine = !t.contains("\n")
        var out: [Finding] = []
        for d in detectors {
            out += d.find(t).map { Finding(type: d.type, key: $0.key, value: $0.value) }
            if oneLine && !out.isEmpty { break }
        }
        return firstPerKey(out)
    }

    /// The library drops a later finding for a key already reported; findings without a key all stay.
    static func firstPerKey(_ findings: [Finding]) -> [Finding] {
        var seen: Set<String> = []
        return findings.filter { $0.key.isEmpty || seen.insert($0.key).inserted }
    }
}
