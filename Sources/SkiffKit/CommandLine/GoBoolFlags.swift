/// Docker's boolean flags, as Go's pflag reads them: `--ipv6` alone is true, `--ipv6=VALUE` takes any
/// word of strconv.ParseBool (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False), and a value
/// never comes as the next argument (`--ipv6 false` is the flag and a positional `false`). Before
/// ArgumentParser reads a command's line, `--NAME=VALUE` of its boolean flags is spelled as the
/// parser has them: `--NAME`, or `--no-NAME` (a `@Flag(inversion: .prefixedNo)`), the last one given
/// winning as in Go.
package enum GoBoolFlags {
    package struct BadValue: Error, Equatable {
        /// Docker's words: `invalid argument "x" for "--ipv4" flag: strconv.ParseBool: parsing "x": invalid syntax`.
        package var message: String
    }

    /// The boolean flags of `network create` (Docker 28's `docker network create --help`).
    package static let networkCreate: Set<String> = [
        "ipv4", "ipv6", "internal", "attachable", "ingress", "config-only",
    ]

    /// The boolean flags of `history` (and `image history`).
    package static let history: Set<String> = ["human"]

    /// Docker's `--disable-content-trust` (pull, push, build, run, create).
    package static let contentTrust: Set<String> = ["disable-content-trust"]

    /// Go's strconv.ParseBool.
    package static func parse(_ word: String) -> Bool? {
        switch word {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// `arguments` with the boolean flags of the command `path` (e.g. ["network", "create"]) spelled for
    /// ArgumentParser. Only the words after the command's own are read, up to a `--`.
    package static func normalized(_ arguments: [String], command path: [String], flags: Set<String>) throws(BadValue)
        -> [String]
    {
        guard let start = commandEnd(arguments, path) else { return arguments }
        var out = Array(arguments[..<start])
        var i = start
        while i < arguments.count {
            let word = arguments[i]
            if word == "--" {
                out += arguments[i...]
                break
            }
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
                let name = String(word[word.index(word.startIndex, offsetBy: 2)..<eq])
                if flags.contains(name) {
                    let value = String(word[word.index(after: eq)...])
                    guard let b = parse(value) else {
                        throw BadValue(
                            message:
                                "invalid argument \"\(value)\" for \"--\(name)\" flag: strconv.ParseBool: parsing \"\(value)\": invalid syntax"
                        )
                    }
                    out.append(b ? "--\(name)" : "--no-\(name)")
                    i += 1
                    continue
                }
            }
            out.append(word)
            i += 1
        }
        return out
    }

    /// `words` with each `--NAME=VALUE` of `flags` whose VALUE is a ParseBool word spelled for
    /// ArgumentParser (`--NAME` or `--no-NAME`), and the words replaced, by their distance from the end
    /// (1: the last word). For a command whose operands run to the end of its line (run, create: the
    /// image and its command), where only its parser knows which words are flags: one word is replaced
    /// by one, so the operands it reads are the last words, and `RespelledWords` puts back any of them
    /// that was replaced. A value that is no ParseBool word is left for the parser to refuse.
    package static func respelled(_ words: [String], flags: Set<String>) -> (words: [String], replaced: [Int: String]) {
        var out = words
        var replaced: [Int: String] = [:]
        for (i, word) in words.enumerated() where word.hasPrefix("--") {
            guard let eq = word.firstIndex(of: "=") else { continue }
            let name = String(word[word.index(word.startIndex, offsetBy: 2)..<eq])
            guard flags.contains(name), let b = parse(String(word[word.index(after: eq)...])) else { continue }
            out[i] = b ? "--\(name)" : "--no-\(name)"
            replaced[words.count - i] = word
        }
        return (out, replaced)
    }

    /// The index after the first occurrence of the words of `path` (what comes before are global
    /// options, as `--root R`, which the caller has checked to be followed by this command).
    static func commandEnd(_ arguments: [String], _ path: [String]) -> Int? {
        guard !path.isEmpty, arguments.count >= path.count else { return nil }
        for i in 0...(arguments.count - path.count) where Array(arguments[i..<(i + path.count)]) == path {
            return i + path.count
        }
        return nil
    }
}
