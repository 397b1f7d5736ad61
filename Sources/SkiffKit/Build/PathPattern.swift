import Foundation

/// A path pattern as Docker matches them: Go's `filepath.Match` (`*` and `?` never cross a `/`,
/// `[a-z]` / `[^a-z]` classes, `\` escapes) plus `**`, which matches any number of directories
/// (`.dockerignore`). The pattern is compiled to an anchored regular expression once.
package struct PathPattern: Sendable {
    package let text: String
    let regex: NSRegularExpression

    package struct Invalid: Error, Equatable {
        package var message: String
    }

    package init(_ pattern: String) throws(Invalid) {
        text = pattern
        var out = "^"
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    i += 2
                    if i < chars.count, chars[i] == "/" {
                        out += "(.*/)?"
                        i += 1
                    } else {
                        out += ".*"
                    }
                    continue
                }
                out += "[^/]*"
            case "?":
                out += "[^/]"
            case "[":
                guard let close = chars[(i + 1)...].firstIndex(of: "]"), close > i + 1 else {
                    throw Invalid(message: "syntax error in pattern \"\(pattern)\": unterminated [")
                }
                var body = String(chars[(i + 1)..<close])
                if body.hasPrefix("^") || body.hasPrefix("!") { body = "^" + body.dropFirst() + "/" }
                out += "[" + body.replacingOccurrences(of: "\\", with: "\\\\") + "]"
                i = close
            case "\\":
                i += 1
                guard i < chars.count else {
                    throw Invalid(message: "syntax error in pattern \"\(pattern)\": trailing \\")
                }
                out += NSRegularExpression.escapedPattern(for: String(chars[i]))
            default:
                out += NSRegularExpression.escapedPattern(for: String(c))
            }
            i += 1
        }
        out += "$"
        do { regex = try NSRegularExpression(pattern: out) } catch {
            throw Invalid(message: "syntax error in pattern \"\(pattern)\"")
        }
    }

    package func matches(_ path: String) -> Bool {
        regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }

    /// Whether the text has glob characters at all.
    package static func hasMeta(_ s: String) -> Bool {
        s.contains { $0 == "*" || $0 == "?" || $0 == "[" || $0 == "\\" }
    }

    /// `a//b/./c/../d` → `a/b/d`; leading `/` dropped; "" for the root. Nil when it climbs above the root.
    package static func clean(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}

/// `.dockerignore`: one pattern a line (`#` comments, blanks skipped), `!` for an exception; the last
/// pattern that matches a path — or one of its parent directories — decides.
package struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var pattern: PathPattern
        var exception: Bool
    }
    var rules: [Rule] = []

    package init() {}

    package init(parsing text: String) throws(BuildError) {
        for (n, raw) in text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var exception = false
            if line.hasPrefix("!") {
                exception = true; line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            let cleaned = PathPattern.clean(line) ?? ""
            if cleaned.isEmpty { continue }
            do { rules.append(Rule(pattern: try PathPattern(cleaned), exception: exception)) } catch {
                throw .context(".dockerignore:\(n + 1): \(error.message)")
            }
        }
    }

    package var isEmpty: Bool { rules.isEmpty }
    var hasExceptions: Bool { rules.contains { $0.exception } }

    /// Whether `path` (relative to the context, cleaned) is left out of the context.
    package func excludes(_ path: String) -> Bool {
        guard !rules.isEmpty, !path.isEmpty else { return false }
        let parents = Self.selfAndParents(path)
        var excluded = false
        for rule in rules where parents.contains(where: rule.pattern.matches) {
            excluded = !rule.exception
        }
        return excluded
    }

    /// Whether a walk must enter an excluded directory because an exception may match below it.
    func mayIncludeBelow(_ dir: String) -> Bool {
        rules.contains { rule in
            guard rule.exception else { return false }
            let p = rule.pattern.text
            return p.hasPrefix(dir + "/") || p.hasPrefix("**") || p.hasPrefix("*")
        }
    }

    static func selfAndParents(_ path: String) -> [String] {
        var out = [path]
        var p = Substring(path)
        while let slash = p.lastIndex(of: "/") {
            p = p[..<slash]
            out.append(String(p))
        }
        return out
    }
}
