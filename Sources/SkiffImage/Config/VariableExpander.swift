/// Docker's word processing for Dockerfile arguments (its `shell.Lex`):
/// - `'…'` is literal; `"…"` expands variables; quotes are removed;
/// - the escape character (`\` or the `escape` directive's) makes the next character literal;
/// - `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`, `${VAR:?message}`,
///   `${VAR?message}`; an unset variable expands to "".
public struct VariableExpander {
    public var escape: Character
    public var lookup: (String) -> String?

    public init(escape: Character = "\\", lookup: @escaping (String) -> String?) {
        self.escape = escape
        self.lookup = lookup
    }

    public init(escape: Character = "\\", values: [String: String]) {
        self.init(escape: escape) { values[$0] }
    }

    public struct Failure: Error, Equatable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// One word: quotes removed, escapes applied, variables expanded.
    public func expand(_ word: String) throws(Failure) -> String {
        var lexer = Lexer(chars: Array(word), expander: self, keepQuotes: false)
        return try lexer.run()
    }

    /// Text where quotes are ordinary characters (a COPY here-document): only variables expand.
    public func expandKeepingQuotes(_ text: String) throws(Failure) -> String {
        var lexer = Lexer(chars: Array(text), expander: self, keepQuotes: true)
        return try lexer.run()
    }

    /// Split on blanks outside quotes, then expand each word (`EXPOSE $PORTS`, `COPY $A $B /x/`).
    public func expandWords(_ text: String) throws(Failure) -> [String] {
        var out: [String] = []
        for word in Self.split(text, escape: escape) { out.append(try expand(word)) }
        return out
    }

    /// Words separated by blanks outside quotes; quotes and escapes are kept for `expand`.
    public static func split(_ text: String, escape: Character = "\\") -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                current.append(c)
                if c == escape, q == "\"", let next = chars.popFirst() {
                    current.append(next)
                } else if c == q {
                    quote = nil
                }
                continue
            }
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            inWord = true
            current.append(c)
            if c == escape, let next = chars.popFirst() {
                current.append(next)
            } else if c == "\"" || c == "'" {
                quote = c
            }
        }
        if inWord { words.append(current) }
        return words
    }

    struct Lexer {
        let chars: [Character]
        let expander: VariableExpander
        let keepQuotes: Bool
        var i = 0

        init(chars: [Character], expander: VariableExpander, keepQuotes: Bool) {
            self.chars = chars
            self.expander = expander
            self.keepQuotes = keepQuotes
        }

        var escape: Character { expander.escape }

        mutating func run() throws(Failure) -> String {
            var out = ""
            while i < chars.count {
                let c = chars[i]
                if keepQuotes {
                    if c == "$" { out += try dollar() } else { out.append(c); i += 1 }
                    continue
                }
                switch c {
                case "'":
                    i += 1
                    guard let end = chars[i...].firstIndex(of: "'") else {
                        throw Failure(message: "unexpected end of statement while looking for matching single-quote")
                    }
                    out += String(chars[i..<end])
                    i = end + 1
                case "\"":
                    i += 1
                    var closed = false
                    while i < chars.count {
                        let d = chars[i]
                        if d == "\"" { closed = true; i += 1; break }
                        if d == escape, i + 1 < chars.count, ["\"", "$", escape].contains(chars[i + 1]) {
                            out.append(chars[i + 1]); i += 2
                        } else if d == "$" {
                            out += try dollar()
                        } else {
                            out.append(d); i += 1
                        }
                    }
                    if !closed {
                        throw Failure(message: "unexpected end of statement while looking for matching double-quote")
                    }
                case escape:
                    if i + 1 < chars.count { out.append(chars[i + 1]) }
                    i += 2
                case "$":
                    out += try dollar()
                default:
                    out.append(c); i += 1
                }
            }
            return out
        }

        static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        static func isName(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) }

        /// At a `$`: the expansion (or a literal `$`).
        mutating func dollar() throws(Failure) -> String {
            i += 1
            guard i < chars.count else { return "$" }
            if chars[i] == "{" {
                i += 1
                let start = i
                while i < chars.count, Self.isName(chars[i]) { i += 1 }
                let name = String(chars[start..<i])
                guard i < chars.count else { throw Failure(message: "missing '}' in substitution ${\(name)") }
                if name.isEmpty { throw Failure(message: "bad substitution: empty variable name in ${…}") }
                if chars[i] == "}" { i += 1; return expander.lookup(name) ?? "" }
                var colon = false
                if chars[i] == ":" { colon = true; i += 1 }
                guard i < chars.count else { throw Failure(message: "missing '}' in substitution ${\(name)") }
                let op = chars[i]
                guard op == "-" || op == "+" || op == "?" else {
                    throw Failure(
                        message: "unsupported modifier (\(colon ? ":" : "")\(op)) in substitution ${\(name)…}")
                }
                i += 1
                // The word runs to the matching brace; nested ${…} count.
                var depth = 0
                let wordStart = i
                while i < chars.count {
                    if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" { depth += 1; i += 2; continue }
                    if chars[i] == escape { i += 2; continue }
                    if chars[i] == "}" { if depth == 0 { break }; depth -= 1 }
                    i += 1
                }
                guard i < chars.count else { throw Failure(message: "missing '}' in substitution ${\(name)") }
                let rawWord = String(chars[wordStart..<i])
                i += 1
                let value = expander.lookup(name)
                let isSet = value != nil
                let isFull = !(value ?? "").isEmpty
                let present = colon ? isFull : isSet
                func word() throws(Failure) -> String {
                    var inner = Lexer(chars: Array(rawWord), expander: expander, keepQuotes: keepQuotes)
                    return try inner.run()
                }
                switch op {
                case "-": return present ? (value ?? "") : try word()
                case "+": return present ? try word() : ""
                default:
                    if present { return value ?? "" }
                    let message = try word()
                    throw Failure(message: "\(name): \(message.isEmpty ? "is not allowed to be unset" : message)")
                }
            }
            guard Self.isNameStart(chars[i]) else { return "$" }
            let start = i
            while i < chars.count, Self.isName(chars[i]) { i += 1 }
            return expander.lookup(String(chars[start..<i])) ?? ""
        }
    }
}
