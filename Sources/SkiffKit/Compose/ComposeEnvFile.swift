import Foundation

/// `.env` and `env_file:` files as Docker Compose reads them: `KEY=VALUE` lines, `#` comments, an
/// optional `export ` prefix, values in double quotes (with `\n`, `\"` escapes, may span lines) or single
/// quotes (literal), ` #` starting a comment after an unquoted value, and `KEY` alone (taken from the
/// environment when it is set there). Unquoted and double-quoted values are interpolated with the
/// variables known so far.
package enum ComposeEnvFile {
    package struct Failure: Error, Equatable {
        package var line: Int
        package var reason: String
    }

    /// The most bytes the values may come to. A value may hold earlier ones (`B=${A}${A}`), so forty
    /// lines would otherwise double a value to a terabyte.
    package static let maxValueBytes = 16 << 20

    /// The variables, in file order (a later line overrides an earlier one).
    package static func parse(_ text: String, environment: [String: String] = [:]) throws(Failure) -> [(
        key: String, value: String?
    )] {
        var result: [(key: String, value: String?)] = []
        var known = environment
        var budget = maxValueBytes
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0[...])
        }
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = lines[index].drop { $0 == " " || $0 == "\t" }
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            guard let eq = line.firstIndex(of: "=") else {
                let key = line.composeTrimmed()
                guard isValidKey(key) else {
                    throw Failure(line: lineNumber, reason: "unexpected character in variable name \"\(key)\"")
                }
                result.append((key, environment[key]))
                continue
            }
            let key = line[..<eq].composeTrimmed()
            guard isValidKey(key) else {
                throw Failure(line: lineNumber, reason: "unexpected character in variable name \"\(key)\"")
            }
            var raw = String(line[line.index(after: eq)...]).drop { $0 == " " || $0 == "\t" }
            var value: String
            if raw.hasPrefix("\"") {
                // Double quotes: escapes, may continue on the next lines until the closing quote.
                var body = String(raw.dropFirst())
                // Each line is scanned once, the escape state carried over, so an unclosed quote costs
                // the file's length, not its square.
                var lineEndsEscaped = false
                var closed = hasClosingQuote(body, "\"", escaped: &lineEndsEscaped)
                while !closed {
                    guard index < lines.count else {
                        throw Failure(line: lineNumber, reason: "unterminated double-quoted value")
                    }
                    body += "\n" + lines[index]
                    closed = hasClosingQuote("\n" + lines[index], "\"", escaped: &lineEndsEscaped)
                    index += 1
                }
                var out = ""
                var escaped = false
                for c in body {
                    if escaped {
                        switch c {
                        case "n": out.append("\n")
                        case "t": out.append("\t")
                        case "r": out.append("\r")
                        default: out.append(c)
                        }
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        out.append(c)
                    }
                }
                value = try interpolate(out, known, line: lineNumber, budget: &budget)
            } else if raw.hasPrefix("'") {
                raw = raw.dropFirst()
                guard let close = raw.firstIndex(of: "'") else {
                    throw Failure(line: lineNumber, reason: "unterminated single-quoted value")
                }
                value = String(raw[..<close])
            } else {
                var text = String(raw)
                if let r = text.range(of: " #") { text = String(text[..<r.lowerBound]) }
                if let r = text.range(of: "\t#") { text = String(text[..<r.lowerBound]) }
                value = try interpolate(text.composeTrimmed(), known, line: lineNumber, budget: &budget)
            }
            known[key] = value
            result.append((key, value))
        }
        return result
    }

    /// Whether `s` holds an unescaped `q`; `escaped` is whether the text before it ended in a backslash.
    static func hasClosingQuote(_ s: String, _ q: Character, escaped: inout Bool) -> Bool {
        for c in s {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == q { return true }
        }
        return false
    }

    /// `s` with the variables known so far; `budget` is what the values may still add.
    static func interpolate(_ s: String, _ vars: [String: String], line: Int, budget: inout Int) throws(Failure)
        -> String
    {
        var value = s
        if s.contains("$") {
            var unset: [String] = []
            do { value = try ComposeInterpolation(variables: vars).interpolate(s, unset: &unset, limit: budget) } catch
            {
                if case .tooLarge = error {
                    throw Failure(
                        line: line,
                        reason:
                            "the values come to more than the maximum of \(maxValueBytes >> 20) MiB once variables are substituted"
                    )
                }
            }
        }
        budget -= value.utf8.count
        return value
    }

    static func isValidKey<S: StringProtocol>(_ key: S) -> Bool {
        guard let f = key.first, f == "_" || (f.isASCII && f.isLetter) else { return false }
        return key.allSatisfy { $0 == "_" || $0 == "." || $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}

extension StringProtocol {
    func composeTrimmed() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
