import Foundation
import SkiffImage

/// The Dockerfile language, as Docker's parser reads it:
/// - parser directives (`# syntax=…`, `# escape=\` or `` ` ``) only at the very top;
/// - comment lines (`#` first on a line) and blank lines are skipped, also between continuation lines;
/// - a line ending in the escape character continues on the next line (joined without the newline);
/// - `--flag=value` options after the keyword; exec form (a JSON array of strings) or shell form;
/// - here-documents (`<<EOF`, `<<-EOF`, `<<"EOF"`) after RUN, COPY and ADD.
/// Each instruction's arguments are checked here, so a mistake reports `Dockerfile:LINE: message`.
package struct DockerfileParser {
    package var name: String

    package init(name: String = "Dockerfile") {
        self.name = name
    }

    package func parse(_ text: String) throws(BuildError) -> Dockerfile {
        // "\r\n" is one Character in Swift: split on scalars.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var s = String(String.UnicodeScalarView(line))
            if s.unicodeScalars.last == "\r" { s.unicodeScalars.removeLast() }
            return s
        }
        var file = Dockerfile(name: name, escape: "\\", syntax: nil, instructions: [])
        var index = try readDirectives(lines, into: &file)
        while index < lines.count {
            let first = Self.trimLeft(lines[index])
            index += 1
            if first.isEmpty || first.hasPrefix("#") { continue }
            let startLine = index
            var (text, continues) = trimContinuation(first, escape: file.escape)
            while continues, index < lines.count {
                let next = lines[index]
                index += 1
                let left = Self.trimLeft(next)
                if left.hasPrefix("#") || left.isEmpty { continue }
                let (part, more) = trimContinuation(next, escape: file.escape)
                text += part
                continues = more
            }
            var instruction = try parseInstruction(text, line: startLine, escape: file.escape)
            if [.run, .copy, .add].contains(instruction.keyword) {
                instruction.heredocs = try readHeredocs(for: instruction, lines: lines, index: &index)
            }
            try validate(instruction, escape: file.escape)
            file.instructions.append(instruction)
        }
        guard let firstReal = file.instructions.first(where: { $0.keyword != .arg }) else {
            throw file.error(
                max(1, lines.count),
                file.instructions.isEmpty
                    ? "the Dockerfile has no instructions" : "the Dockerfile has no FROM instruction")
        }
        guard firstReal.keyword == .from else {
            throw file.error(
                firstReal.line,
                "no build stage in current context: \(firstReal.keyword.rawValue) must come after a FROM (only ARG may come before the first FROM)"
            )
        }
        return file
    }

    // MARK: lines

    static func trimLeft(_ s: String) -> String {
        String(s.drop { $0 == " " || $0 == "\t" })
    }

    static func trimRight(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }

    /// A line without its trailing escape character (and the blanks after it), and whether it continues.
    func trimContinuation(_ line: String, escape: Character) -> (String, Bool) {
        let right = Self.trimRight(line)
        if right.last == escape { return (String(right.dropLast()), true) }
        return (line, false)
    }

    func readDirectives(_ lines: [String], into file: inout Dockerfile) throws(BuildError) -> Int {
        var seen: Set<String> = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            guard let (key, value) = Self.directive(line) else { break }
            guard ["syntax", "escape", "check"].contains(key) else { break }
            if seen.contains(key) { throw file.error(index + 1, "only one \(key) parser directive can be used") }
            seen.insert(key)
            switch key {
            case "escape":
                guard value == "\\" || value == "`" else {
                    throw file.error(index + 1, "invalid escape '\(value)': must be ` or \\")
                }
                file.escape = Character(value)
            case "syntax": file.syntax = value
            default: break
            }
            index += 1
        }
        return index
    }

    /// `# key=value` (key made only of letters) → (lowercased key, value).
    static func directive(_ line: String) -> (String, String)? {
        let t = trimLeft(line)
        guard t.hasPrefix("#") else { return nil }
        let body = trimLeft(String(t.dropFirst()))
        guard let eq = body.firstIndex(of: "=") else { return nil }
        let key = trimRight(String(body[..<eq]))
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        let value = trimRight(trimLeft(String(body[body.index(after: eq)...])))
        return (key.lowercased(), value)
    }

    // MARK: one instruction

    func parseInstruction(_ text: String, line: Int, escape: Character) throws(BuildError) -> Instruction {
        let trimmed = Self.trimLeft(text)
        let keywordText = String(trimmed.prefix { $0 != " " && $0 != "\t" })
        var rest = Self.trimLeft(String(trimmed.dropFirst(keywordText.count)))
        guard let keyword = Instruction.Keyword(rawValue: keywordText.uppercased()) else {
            throw error(line, "unknown instruction: \(keywordText)")
        }
        var flags: [(name: String, value: String?)] = []
        while rest.hasPrefix("--") {
            let word = String(rest.prefix { $0 != " " && $0 != "\t" })
            rest = Self.trimLeft(String(rest.dropFirst(word.count)))
            if word == "--" { break }
            let body = word.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let value = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            guard keyword.allowedFlags.contains(name) else {
                throw error(
                    line,
                    "unknown flag: --\(name) (\(keyword.rawValue) takes \(keyword.allowedFlags.isEmpty ? "no flags" : keyword.allowedFlags.sorted().map { "--" + $0 }.joined(separator: ", ")))"
                )
            }
            if keyword.unsupportedFlags.contains(name) {
                throw error(
                    line,
                    "\(keyword.rawValue) --\(name) is not supported by skiff build yet"
                        + (Self.alternatives[name].map { " (\($0))" } ?? ""))
            }
            if name == "network", let v = value, !["default", "host", "none"].contains(v) {
                throw error(line, "RUN --network=\(v): expected default, none or host")
            }
            if name == "security", let v = value, !["sandbox", "insecure"].contains(v) {
                throw error(line, "RUN --security=\(v): expected sandbox or insecure")
            }
            if name == "mount", let v = value {
                do { _ = try RunMount.parse(v) } catch { throw self.error(line, "--mount=\(v): \(error.message)") }
            }
            if name != "link", name != "keep-git-dir", name != "parents", value == nil || value!.isEmpty {
                throw error(line, "--\(name) needs a value (--\(name)=VALUE)")
            }
            flags.append((name, value))
        }
        let arguments: Instruction.Arguments
        if let words = Self.jsonArray(rest), [.run, .cmd, .entrypoint, .shell, .copy, .add, .volume].contains(keyword) {
            arguments = .exec(words)
        } else {
            arguments = .shell(Self.trimRight(rest))
        }
        return Instruction(
            keyword: keyword, flags: flags, arguments: arguments, line: line, original: Self.trimRight(trimmed))
    }

    /// What to do instead of a BuildKit flag skiff build does not carry out.
    static let alternatives: [String: String] = [
        "keep-git-dir": "clone the repository with RUN git clone"
    ]

    /// A JSON array of strings, or nil (then the text is shell form, as Docker falls back).
    static func jsonArray(_ text: String) -> [String]? {
        let t = trimRight(text)
        guard t.hasPrefix("["), t.hasSuffix("]") else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(t.utf8))
    }

    // MARK: here-documents

    struct HeredocMarker {
        var name: String
        var quoted: Bool
        var stripTabs: Bool
    }

    /// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` in the text (not `<<<`).
    static func heredocMarkers(_ text: String) -> [HeredocMarker] {
        let chars = Array(text)
        var out: [HeredocMarker] = []
        var i = 0
        while i + 1 < chars.count {
            guard chars[i] == "<", chars[i + 1] == "<", i == 0 || chars[i - 1] != "<" else { i += 1; continue }
            var j = i + 2
            if j < chars.count, chars[j] == "<" { i = j + 1; continue }
            var strip = false
            if j < chars.count, chars[j] == "-" { strip = true; j += 1 }
            var quote: Character?
            if j < chars.count, chars[j] == "\"" || chars[j] == "'" { quote = chars[j]; j += 1 }
            let start = j
            while j < chars.count, chars[j].isLetter || chars[j].isNumber || "_.-".contains(chars[j]) { j += 1 }
            let name = String(chars[start..<j])
            if let q = quote {
                guard j < chars.count, chars[j] == q else { i = j; continue }
                j += 1
            }
            if !name.isEmpty { out.append(HeredocMarker(name: name, quoted: quote != nil, stripTabs: strip)) }
            i = j
        }
        return out
    }

    func readHeredocs(for instruction: Instruction, lines: [String], index: inout Int) throws(BuildError)
        -> [Instruction.Heredoc]
    {
        guard case .shell(let text) = instruction.arguments else { return [] }
        var out: [Instruction.Heredoc] = []
        for marker in Self.heredocMarkers(text) {
            var body: [String] = []
            var closed = false
            while index < lines.count {
                var line = lines[index]
                index += 1
                if marker.stripTabs { line = String(line.drop { $0 == "\t" }) }
                if line == marker.name { closed = true; break }
                body.append(line)
            }
            guard closed else {
                throw error(
                    instruction.line,
                    "unterminated heredoc: no line \"\(marker.name)\" ends the here-document started by <<\(marker.name)"
                )
            }
            out.append(
                Instruction.Heredoc(
                    name: marker.name, content: body.map { $0 + "\n" }.joined(),
                    quoted: marker.quoted, stripTabs: marker.stripTabs))
        }
        return out
    }

    // MARK: checks

    func error(_ line: Int, _ message: String) -> BuildError {
        .dockerfile(file: name, line: line, message: message)
    }

    static let stageName = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_.-]*$")

    static func isValidStageName(_ s: String) -> Bool {
        stageName.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    func validate(_ ins: Instruction, escape: Character) throws(BuildError) {
        let line = ins.line
        let key = ins.keyword.rawValue
        let words = VariableExpander.split(ins.text, escape: escape)
        func atLeastOne() throws(BuildError) {
            if words.isEmpty && ins.heredocs.isEmpty { throw error(line, "\(key) requires at least one argument") }
        }
        switch ins.keyword {
        case .from:
            guard words.count == 1 || (words.count == 3 && words[1].lowercased() == "as") else {
                throw error(line, "FROM requires either one or three arguments (FROM image [AS name])")
            }
            if words.count == 3, !Self.isValidStageName(words[2].lowercased()) {
                throw error(
                    line,
                    "invalid name for build stage: \"\(words[2])\", name can't start with a number or contain symbols")
            }
        case .run:
            if case .exec(let argv) = ins.arguments, argv.isEmpty {
                throw error(line, "RUN requires at least one argument")
            }
            try atLeastOne()
        case .cmd, .entrypoint:
            if case .shell = ins.arguments { try atLeastOne() }
        case .shell:
            guard case .exec(let argv) = ins.arguments else {
                throw error(line, "SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]")
            }
            if argv.isEmpty { throw error(line, "SHELL requires at least one argument") }
        case .env, .label:
            _ = try Self.keyValuePairs(ins, escape: escape, file: name)
        case .arg:
            try atLeastOne()
            for w in words where w.hasPrefix("=") || w.isEmpty {
                throw error(line, "ARG names can not be blank")
            }
        case .workdir, .user, .stopsignal, .maintainer:
            try atLeastOne()
        case .expose, .volume:
            if case .exec(let v) = ins.arguments, v.isEmpty {
                throw error(line, "\(key) requires at least one argument")
            }
            if case .shell = ins.arguments { try atLeastOne() }
        case .copy, .add:
            let count: Int
            if case .exec(let v) = ins.arguments { count = v.count } else { count = words.count }
            if count + (count >= 1 ? ins.heredocs.count : 0) < 2 {
                throw error(
                    line,
                    "\(key) requires at least two arguments, but only \(count == 0 ? "none was" : "one was") provided. Destination could not be determined."
                )
            }
            if let mode = ins.flag("chmod"), UInt32(mode, radix: 8) == nil || UInt32(mode, radix: 8)! > 0o7777 {
                throw error(line, "--chmod=\(mode): expected an octal mode such as 755 or 0644")
            }
        case .healthcheck:
            _ = try HealthcheckParser.parse(ins, escape: escape, file: name)
        case .onbuild:
            let inner = Self.trimLeft(ins.text)
            let innerWord = String(inner.prefix { $0 != " " && $0 != "\t" }).uppercased()
            if innerWord.isEmpty { throw error(line, "ONBUILD requires at least one argument") }
            if innerWord == "ONBUILD" { throw error(line, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed") }
            if innerWord == "FROM" || innerWord == "MAINTAINER" {
                throw error(line, "\(innerWord) isn't allowed as an ONBUILD trigger")
            }
            let trigger = try parseInstruction(inner, line: line, escape: escape)
            try validate(trigger, escape: escape)
        }
    }

    /// ENV and LABEL: `KEY=VALUE…` pairs, or the old `KEY VALUE…` form (the rest of the line is the value).
    /// Values are still raw (quotes kept): the builder expands them.
    static func keyValuePairs(_ ins: Instruction, escape: Character, file: String) throws(BuildError) -> [(
        String, String
    )] {
        let key = ins.keyword.rawValue
        let words = VariableExpander.split(ins.text, escape: escape)
        func fail(_ m: String) -> BuildError { .dockerfile(file: file, line: ins.line, message: m) }
        guard let first = words.first else { throw fail("\(key) requires at least one argument") }
        if !first.contains("=") {
            let rest = trimLeft(String(trimLeft(ins.text).dropFirst(first.count)))
            if rest.isEmpty { throw fail("\(key) must have two arguments (\(key) NAME VALUE, or \(key) NAME=VALUE)") }
            return [(first, rest)]
        }
        var out: [(String, String)] = []
        for word in words {
            guard let eq = word.firstIndex(of: "=") else {
                throw fail("Syntax error - can't find = in \"\(word)\". Must be of the form: name=value")
            }
            let name = String(word[..<eq])
            if name.isEmpty { throw fail("\(key) names can not be blank") }
            out.append((name, String(word[word.index(after: eq)...])))
        }
        return out
    }
}

/// HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD … | NONE
enum HealthcheckParser {
    static func parse(_ ins: Instruction, escape: Character, file: String) throws(BuildError) -> HealthConfigValue {
        func fail(_ m: String) -> BuildError { .dockerfile(file: file, line: ins.line, message: m) }
        let text = DockerfileParser.trimLeft(ins.text)
        let kind = String(text.prefix { $0 != " " && $0 != "\t" })
        let rest = DockerfileParser.trimLeft(String(text.dropFirst(kind.count)))
        switch kind.uppercased() {
        case "NONE":
            guard rest.isEmpty, ins.flags.isEmpty else { throw fail("HEALTHCHECK NONE takes no other arguments") }
            return HealthConfigValue(test: ["NONE"])
        case "CMD":
            var value = HealthConfigValue(test: [])
            if let argv = DockerfileParser.jsonArray(rest) {
                if argv.isEmpty { throw fail("HEALTHCHECK CMD requires a command") }
                value.test = ["CMD"] + argv
            } else {
                if rest.isEmpty { throw fail("HEALTHCHECK CMD requires a command") }
                value.test = ["CMD-SHELL", rest]
            }
            for (name, raw) in ins.flags {
                let v = raw ?? ""
                if name == "retries" {
                    guard let n = Int(v), n >= 0 else { throw fail("--retries=\(v): expected a whole number") }
                    value.retries = n
                    continue
                }
                let ns: Int64
                do { ns = try Units.parseDuration(v) } catch { throw fail("--\(name)=\(v): \(error)") }
                switch name {
                case "interval": value.interval = ns
                case "timeout": value.timeout = ns
                case "start-period": value.startPeriod = ns
                default: value.startInterval = ns
                }
            }
            return value
        case "":
            throw fail("HEALTHCHECK requires at least one argument")
        default:
            throw fail("Unknown type \"\(kind)\" in HEALTHCHECK (try CMD)")
        }
    }
}

/// A HEALTHCHECK as parsed (converted to the config's HealthConfig by the builder).
struct HealthConfigValue: Equatable {
    var test: [String]
    var interval: Int64?
    var timeout: Int64?
    var startPeriod: Int64?
    var startInterval: Int64?
    var retries: Int?
}
