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
