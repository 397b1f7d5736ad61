/// The Compose Spec's variable interpolation in values: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or
/// empty), `${VAR-default}` (unset), `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and
/// `$$` for a literal `$`. Defaults may themselves hold `${…}`. An unset variable without a default is
/// an empty string and a warning, as Docker Compose does.
package struct ComposeInterpolation: Sendable {
    package var variables: [String: String]
    /// The most bytes the values of one file may come to once interpolated. Each `${VAR}` is short
    /// and its value may be long (an environment variable, a line of .env), so without it a 4 MiB file
    /// of `${A}` and a large A multiply into terabytes.
    package var maxOutputBytes = 16 << 20
    /// Off for `config --no-interpolate` and `--variables`: trees are left as written.
    package var enabled = true

    package init(variables: [String: String]) {
        self.variables = variables
    }

    package enum Failure: Error, Equatable {
        case required(name: String, message: String)
        case syntax(String)
        /// The result would pass `limit` bytes.
        case tooLarge(limit: Int)
    }

    /// Interpolate one string; `unset` collects the names that were unset and had no default. The
    /// result may be at most `limit` bytes: past that it is given up as it grows.
    package func interpolate(_ text: String, unset: inout [String], limit: Int = Int.max) throws(Failure) -> String {
        let chars = Array(text)
        var i = 0
        return try expand(chars, &i, stopAtBrace: false, unset: &unset, limit: limit)
    }

    private static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    private static func isName(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }

    private func expand(_ chars: [Character], _ i: inout Int, stopAtBrace: Bool, unset: inout [String], limit: Int)
        throws(Failure) -> String
    {
        var out = ""
        while i < chars.count {
            // Only a variable's value makes the text grow faster than it is read.
            guard out.utf8.count <= limit else { throw .tooLarge(limit: limit) }
            let c = chars[i]
            if stopAtBrace && c == "}" { return out }
            guard c == "$" else { out.append(c); i += 1; continue }
            guard i + 1 < chars.count else { out.append(c); i += 1; continue }
            let next = chars[i + 1]
            if next == "$" { out.append("$"); i += 2; continue }
            if Self.isNameStart(next) {
                var j = i + 1
                while j < chars.count && Self.isName(chars[j]) { j += 1 }
                let name = String(chars[(i + 1)..<j])
                if let v = variables[name] { out += v } else { unset.append(name) }
                i = j
                continue
            }
            guard next == "{" else { out.append(c); i += 1; continue }
            // ${NAME[op word]}
            var j = i + 2
            let nameStart = j
            while j < chars.count && Self.isName(chars[j]) { j += 1 }
            let name = String(chars[nameStart..<j])
            guard !name.isEmpty, let first = name.first, Self.isNameStart(first) else {
                throw .syntax(String(chars[i...].prefix(40)))
            }
            guard j < chars.count else { throw .syntax(String(chars[i...])) }
            if chars[j] == "}" {
                if let v = variables[name] { out += v } else { unset.append(name) }
                i = j + 1
                continue
            }
            let opChar = chars[j]
            var op = String(opChar)
            j += 1
            if opChar == ":" {
                guard j < chars.count, "-?+".contains(chars[j]) else { throw .syntax(String(chars[i...].prefix(40))) }
                op.append(chars[j])
                j += 1
            } else if !"-?+".contains(opChar) {
                throw .syntax(String(chars[i...].prefix(40)))
            }
            var k = j
            var innerUnset: [String] = []
            let word = try expand(chars, &k, stopAtBrace: true, unset: &innerUnset, limit: limit)
            guard k < chars.count, chars[k] == "}" else { throw .syntax(String(chars[i...].prefix(40))) }
            i = k + 1
            let value = variables[name]
            let setNonEmpty = value.map { !$0.isEmpty } ?? false
            switch op {
            case ":-":
                if setNonEmpty { out += value! } else { out += word; unset += innerUnset }
            case "-":
                if let value { out += value } else { out += word; unset += innerUnset }
            case ":?":
                guard setNonEmpty else { throw .required(name: name, message: word) }
                out += value!
            case "?":
                guard let value else { throw .required(name: name, message: word) }
                out += value
            case ":+":
                if setNonEmpty { out += word; unset += innerUnset }
            case "+":
                if value != nil { out += word; unset += innerUnset }
            default:
                throw .syntax(String(chars[i...].prefix(40)))
            }
        }
        guard out.utf8.count <= limit else { throw .tooLarge(limit: limit) }
        return out
    }

    /// Interpolate every scalar value of a tree (keys are left as written). Errors name the path.
    package func interpolate(
        _ tree: ComposeTree, file: String, path: String = "",
        unset: inout [String]
    ) throws(ComposeError) -> ComposeTree {
        guard enabled else { return tree }
        var budget = maxOutputBytes
        return try interpolate(tree, file: file, path: path, unset: &unset, budget: &budget)
    }

    /// `budget`: the bytes the interpolated values may still add.
    private func interpolate(
        _ tree: ComposeTree, file: String, path: String,
        unset: inout [String], budget: inout Int
    ) throws(ComposeError) -> ComposeTree {
        switch tree {
        case .null: return .null
        case .scalar(let s, let quoted):
            guard s.contains("$") else { return tree }
            do {
                let value = try interpolate(s, unset: &unset, limit: budget)
                budget -= value.utf8.count
                return .scalar(value, quoted: quoted)
            } catch {
                switch error {
                case .tooLarge:
                    throw .invalid(
                        file: file, path: path,
                        reason:
                            "interpolating variables makes the file's values larger than the maximum of \(maxOutputBytes >> 20) MiB"
                    )
                case .required(let name, let message):
                    throw .requiredVariable(file: file, path: path, name: name, message: message)
                case .syntax(let near):
                    throw .invalid(
                        file: file, path: path,
                        reason:
                            "invalid interpolation format for \"\(s)\" (near \"\(near)\"); you may need to escape a $ with another $"
                    )
                }
            }
        case .sequence(let items):
            var out: [ComposeTree] = []
            for (i, item) in items.enumerated() {
                out.append(try interpolate(item, file: file, path: "\(path)[\(i)]", unset: &unset, budget: &budget))
            }
            return .sequence(out)
        case .mapping(let entries):
            var out: [ComposeTree.Entry] = []
            for e in entries {
                let p = path.isEmpty ? e.key : path + "." + e.key
                out.append(
                    ComposeTree.Entry(
                        e.key, try interpolate(e.value, file: file, path: p, unset: &unset, budget: &budget)))
            }
            return .mapping(out)
        }
    }
}
