import Foundation

/// The library's `ini` transformer (go-ini with nested values): `key = value` or `key: value` lines
/// under optional `[section]` headers, `#`/`;` comment lines, inline comments cut, one pair of
/// surrounding quotes dropped, indented `k = v` lines under an empty key as `key.k`. Any other line
/// makes it not INI, and so does a single key (a lone `x==` is more likely base64 than a key).
enum SecretDetectorINI {
    static func pairs(_ text: String) -> [(key: String, value: String)]? {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values.updateValue(v, forKey: k) == nil { order.append(k) }
        }
        var section = ""
        var lastKey: String?
        var lastValueEmpty = false
        var parents: Set<String> = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let untrimmed = String(raw)
            if lastValueEmpty, let parent = lastKey, let first = untrimmed.first, first == " " || first == "\t" {
                let nested = untrimmed.trimmingCharacters(in: .whitespacesAndNewlines)
                if !nested.isEmpty {
                    parents.insert(parent)
                    let (k, v) = split(nested) ?? (nested, "")
                    set(parent + "." + k, v)
                    continue
                }
            }
            let line = untrimmed.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.lastIndex(of: "]") else { return nil }
                let name = String(line[line.index(after: line.startIndex)..<close])
                section = name == "DEFAULT" ? "" : name
                lastKey = nil
                lastValueEmpty = false
                continue
            }
            guard let (name, rawValue) = split(line), !name.isEmpty else { return nil }
            let value = self.value(rawValue)
            let key = section.isEmpty ? name : section + "." + name
            set(key, value)
            lastKey = key
            lastValueEmpty = value.isEmpty
        }
        // A key with nested values stands only for them.
        let keys = order.filter { !parents.contains($0) }
        guard keys.count > 1 else { return nil }
        return keys.map { ($0, values[$0] ?? "") }
    }

    /// At the first `=` or `:`.
    static func split(_ line: String) -> (String, String)? {
        guard let i = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        return (
            line[..<i].trimmingCharacters(in: .whitespaces),
            line[line.index(after: i)...].trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    static func value(_ raw: String) -> String {
        var v = raw
        for q in ["\"\"\"", "`"] where v.hasPrefix(q) {
            let body = v.dropFirst(q.count)
            if let end = body.range(of: q, options: .backwards) { return String(body[..<end.lowerBound]) }
        }
        if let comment = v.firstIndex(where: { $0 == "#" || $0 == ";" }) {
            v = v[..<comment].trimmingCharacters(in: .whitespaces)
        }
        for q in ["\"", "'"] where v.count >= 2 && v.hasPrefix(q) && v.hasSuffix(q) {
            let inner = v.dropFirst().dropLast()
            if !inner.contains(Character(q)) { return String(inner) }
        }
        return v
    }
}
