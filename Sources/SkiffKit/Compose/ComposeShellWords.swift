import Foundation

/// A command string split into words as a POSIX shell would (quotes and backslashes, no expansion):
/// how Docker Compose reads `command: python manage.py runserver`.
package enum ShellWords {
    package struct Failure: Error, Equatable {
        package var reason: String
    }

    package static func split(_ text: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                if quote == "\"" && !"\"\\$`\n".contains(c) { current.append("\\") }
                if c != "\n" { current.append(c) }
                escaped = false
                inWord = true
                continue
            }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escaped = true } else { current.append(c) }
                continue
            }
            switch c {
            case "\\": escaped = true
            case "\"", "'": quote = c; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(c); inWord = true
            }
        }
        if quote != nil { throw Failure(reason: "unterminated quote") }
        if escaped { current.append("\\") }
        if inWord { words.append(current) }
        return words
    }

    /// Words quoted for a shell (for printing, and for a CMD test run through `sh -c`).
    package static func join(_ words: [String]) -> String {
        words.map { w in
            if !w.isEmpty && w.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }) { return w }
            return "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
