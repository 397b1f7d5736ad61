import SkiffSystem

/// The variables a compose model uses (`docker compose config --variables`): each `${NAME…}` or
/// `$NAME` of its values, with what the expression says about it. A name used more than once keeps
/// the last use in file order.
package struct ComposeVariable: Sendable, Equatable {
    package var name: String
    /// `${NAME:?…}` or `${NAME?…}`.
    package var required = false
    /// The word of `${NAME:-word}` or `${NAME-word}`, as written.
    package var defaultValue = ""
    /// The word of `${NAME:+word}` or `${NAME+word}`, as written.
    package var alternateValue = ""

    package init(name: String, required: Bool = false, defaultValue: String = "", alternateValue: String = "") {
        self.name = name
        self.required = required
        self.defaultValue = defaultValue
        self.alternateValue = alternateValue
    }
}

package enum ComposeVariables {
    /// The variables of every value of `tree` (keys are not interpolated), sorted by name.
    package static func extract(_ tree: ComposeTree) -> [ComposeVariable] {
        var found: [String: ComposeVariable] = [:]
        func walk(_ t: ComposeTree) {
            switch t {
            case .null: return
            case .scalar(let s, _): for v in extract(s) { found[v.name] = v }
            case .sequence(let items): items.forEach(walk)
            case .mapping(let entries): entries.forEach { walk($0.value) }
            }
        }
        walk(tree)
        return found.keys.sorted().map { found[$0]! }
    }

    /// The variables of one value, in order. `$$` is a literal `$`; a malformed expression is skipped.
    package static func extract(_ text: String) -> [ComposeVariable] {
        let chars = Array(text)
        var out: [ComposeVariable] = []
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 1 < chars.count else { i += 1; continue }
            let next = chars[i + 1]
            if next == "$" { i += 2; continue }
            if isNameStart(next) {
                var j = i + 1
                while j < chars.count && isName(chars[j]) { j += 1 }
                out.append(ComposeVariable(name: String(chars[(i + 1)..<j])))
                i = j
                continue
            }
            guard next == "{" else { i += 1; continue }
            // The closing brace of this expression, nested `${…}` in its word included.
            var depth = 0
            var k = i + 1
            var close: Int?
            while k < chars.count {
                if chars[k] == "{" {
                    depth += 1
                } else if chars[k] == "}" {
                    depth -= 1
                    if depth == 0 { close = k; break }
                }
                k += 1
            }
            guard let close else { break }
            let inner = Array(chars[(i + 2)..<close])
            var n = 0
            while n < inner.count && isName(inner[n]) { n += 1 }
            if n > 0, isNameStart(inner[0]) {
                var v = ComposeVariable(name: String(inner[..<n]))
                let rest = String(inner[n...])
                if rest.hasPrefix(":?") || rest.hasPrefix("?") {
                    v.required = true
                } else if rest.hasPrefix(":-") {
                    v.defaultValue = String(rest.dropFirst(2))
                } else if rest.hasPrefix("-") {
                    v.defaultValue = String(rest.dropFirst())
                } else if rest.hasPrefix(":+") {
                    v.alternateValue = String(rest.dropFirst(2))
                } else if rest.hasPrefix("+") {
                    v.alternateValue = String(rest.dropFirst())
                }
                out.append(v)
            }
            i = close + 1
        }
        return out
    }

    /// Docker Compose's table: NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE, columns at least 20
    /// wide with 3 spaces between (its tabwriter's settings).
    package static func table(_ variables: [ComposeVariable]) -> String {
        let rows =
            [["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"]]
            + variables.map { [$0.name, $0.required ? "true" : "false", $0.defaultValue, $0.alternateValue] }
        var widths = [Int](repeating: 20, count: 3)
        for row in rows { for c in 0..<3 { widths[c] = max(widths[c], row[c].count + 3) } }
        return rows.map { row in
            (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined() + row[3]
        }.joined(separator: "\n") + "\n"
    }

    /// `--format json`: an object keyed by name, each variable with Compose's field names.
    package static func json(_ variables: [ComposeVariable]) -> String {
        let body = variables.map { v in
            JSONString.quote(v.name) + ":{\"Name\":" + JSONString.quote(v.name) + ",\"DefaultValue\":"
                + JSONString.quote(v.defaultValue) + ",\"PresenceValue\":" + JSONString.quote(v.alternateValue)
                + ",\"Required\":" + (v.required ? "true" : "false") + "}"
        }
        return "{" + body.joined(separator: ",") + "}\n"
    }

    /// `--format yaml`: a mapping keyed by name, fields as Compose's YAML encoder spells them.
    package static func yaml(_ variables: [ComposeVariable]) -> String {
        variables.map { v in
            "\(v.name):\n  name: \(v.name)\n  defaultvalue: \(yamlString(v.defaultValue))\n"
                + "  presencevalue: \(yamlString(v.alternateValue))\n  required: \(v.required)\n"
        }.joined()
    }

    /// A string as a YAML scalar: plain when it reads back as the same string, else double-quoted.
    static func yamlString(_ s: String) -> String {
        let plain =
            !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_./-".contains($0)) }
            && s.first.map { $0.isLetter || $0 == "_" || $0 == "/" } == true
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"].contains(s.lowercased())
            && Double(s) == nil
        return plain ? s : JSONString.quote(s)
    }

    private static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    private static func isName(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
}
