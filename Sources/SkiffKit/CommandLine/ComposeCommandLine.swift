/// Docker Compose's project flags stand before the command (`docker compose -f a.yml -p demo up`), where
/// `-f` means `--file`; after the command `-f` belongs to it (`logs -f` follows, `rm -f` forces). The
/// CLI's parser cannot give one short flag two meanings by position, so before parsing, the `-f` among
/// the flags between `compose` and its command is spelled `--file`.
package enum ComposeCommandLine {
    /// Project flags that take a value, as Docker Compose has them.
    package static let projectFlagsWithValues: Set<String> = [
        "-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi",
        "--progress", "--parallel",
    ]

    /// `arguments` without the program name (`["--root", "R", "compose", "-f", "a.yml", "up"]`), for a
    /// command line whose command is `compose`; without a `compose` word it is returned unchanged.
    package static func normalized(_ arguments: [String]) -> [String] {
        guard let compose = arguments.firstIndex(of: "compose") else { return arguments }
        var out = Array(arguments[...compose])
        var index = compose + 1
        while index < arguments.count {
            let arg = arguments[index]
            guard arg.hasPrefix("-"), arg != "--" else { break }
            if arg == "-f" {
                out.append("--file")
            } else if arg.hasPrefix("-f"), !arg.hasPrefix("--") {
                let value = arg.dropFirst(2)
                out.append("--file=" + (value.hasPrefix("=") ? String(value.dropFirst()) : String(value)))
            } else {
                out.append(arg)
            }
            if projectFlagsWithValues.contains(arg), index + 1 < arguments.count {
                index += 1
                out.append(arguments[index])
            }
            index += 1
        }
        let rest = Array(arguments[index...])
        guard let command = rest.first, let flags = boolFlags[command] else { return out + rest }
        return out + [command] + spellBoolFlags(Array(rest.dropFirst()), flags: flags)
    }

    /// Go's boolean flags of `run`, `exec` and `commit` that are on by default, as the parser has them:
    /// `-i=false` / `--interactive=false` is `--no-interactive`, `--tty=false` is `-T`.
    package static let boolFlags: [String: [String: String]] = [
        "run": ["i": "interactive", "interactive": "interactive", "t": "tty", "tty": "tty"],
        "exec": ["i": "interactive", "interactive": "interactive", "t": "tty", "tty": "tty"],
        "commit": ["p": "pause", "pause": "pause"],
    ]

    /// The flags of `run` and `exec` that take a value (the next word when not given with `=`).
    static let flagsWithValues: Set<String> = [
        "-e", "--env", "--env-from-file", "-l", "--label", "-v", "--volume", "-p", "--publish", "--name",
        "--entrypoint", "-u", "--user", "-w", "--workdir", "--cap-add", "--cap-drop", "--pull", "--index",
        "-f", "--file", "--project-name", "--project-directory", "--env-file", "--profile", "-a", "--author",
        "-c", "--change", "-m", "--message",
    ]

    /// The words after `run` or `exec` with `NAME=BOOL` of `flags` spelled for the parser, up to the
    /// service (the first word that is not a flag or a flag's value: after it comes the command).
    static func spellBoolFlags(_ words: [String], flags: [String: String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            guard word.hasPrefix("-"), word != "--", word != "-" else { break }
            if word == "--no-TTY" {
                out.append("-T")
                i += 1
                continue
            }
            let dashes = word.hasPrefix("--") ? 2 : 1
            if let eq = word.firstIndex(of: "=") {
                let name = String(word[word.index(word.startIndex, offsetBy: dashes)..<eq])
                let value = String(word[word.index(after: eq)...])
                // -i is a short flag only as -i; --interactive only with two dashes.
                if let long = flags[name], (dashes == 1) == (name.count == 1), let on = GoBoolFlags.parse(value) {
                    if long == "tty" {
                        out.append(on ? "--tty" : "-T")
                    } else {
                        out.append(on ? "--\(long)" : "--no-\(long)")
                    }
                    i += 1
                    continue
                }
            }
            out.append(word)
            if flagsWithValues.contains(word), i + 1 < words.count {
                i += 1
                out.append(words[i])
            }
            i += 1
        }
        return out + words[i...]
    }
}
