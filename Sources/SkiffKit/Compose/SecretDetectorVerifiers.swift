import Foundation

/// The checks some detectors make on what their pattern matched.
extension SecretDetector {
    /// A URL with a user and a password that is not a `$VARIABLE`.
    static func hasPassword(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: CharacterSet(charactersIn: "'\"[]; \t"))
        guard let c = URLComponents(string: t), let user = c.user, let password = c.password else { return false }
        return !user.isEmpty && !password.isEmpty && !password.hasPrefix("$")
    }

    /// An Azure storage key is reported only as `AccountKey=…` or under a key ending in `AccountKey`.
    @Sendable static func isAzureStorageKey(_ key: String, _ value: String) -> Bool {
        value.hasPrefix("AccountKey") || key.hasSuffix("AccountKey")
    }

    /// `Basic`/`Bearer` credentials: the last space-separated word (without a closing quote) is
    /// standard padded base64 whose decoded bytes hold a `:` between the first and the last.
    @Sendable static func hasCredentialParameter(_ key: String, _ value: String) -> Bool {
        guard var parameter = value.split(separator: " ", omittingEmptySubsequences: false).last.map(String.init),
            !parameter.isEmpty
        else { return false }
        if parameter.hasSuffix("\"") { parameter.removeLast() }
        guard let bytes = strictBase64(parameter), bytes.count >= 2 else { return false }
        return bytes.dropFirst().dropLast().contains(UInt8(ascii: ":"))
    }

    /// Go's `base64.StdEncoding` rules: the standard alphabet, padded to a multiple of 4 (line breaks
    /// ignored).
    static func strictBase64(_ s: String) -> [UInt8]? {
        let t = s.filter { $0 != "\n" && $0 != "\r" }
        guard t.utf8.count % 4 == 0 else { return nil }
        let body = t.utf8.reversed().drop { $0 == UInt8(ascii: "=") }
        guard t.utf8.count - body.count <= 2 else { return nil }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        guard body.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return Data(base64Encoded: t).map { [UInt8]($0) }
    }

    /// The default scanner's high-entropy check: not a number, Shannon entropy above 5.
    static func isHighEntropy(_ s: String) -> Bool {
        Double(s) == nil && shannonEntropy(s) > 5
    }

    /// Bits per character, counting characters by Unicode scalar over the UTF-8 length (as Go's
    /// `len` and `range` do).
    static func shannonEntropy(_ s: String) -> Double {
        let length = Double(s.utf8.count)
        guard length > 0 else { return 0 }
        var counts: [Unicode.Scalar: Double] = [:]
        for c in s.unicodeScalars { counts[c, default: 0] += 1 }
        return counts.values.reduce(0) { h, n in h - (n / length) * log2(n / length) }
    }

    /// A token the JWT library would parse: signed, a header naming a known algorithm and a claims
    /// object; unsigned, `alg: none` and a claims object.
    static func isJWT(_ token: String) -> Bool {
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
