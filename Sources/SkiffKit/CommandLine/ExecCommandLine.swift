/// `skiff exec`'s common command lines read without ArgumentParser, whose reflection over a command's
/// properties is part of every exec's start (issue 15). Only forms whose meaning is beyond doubt are
/// read here: the flags `-i -t -d` (alone or grouped: `-it`, `-dit`), `--interactive --tty --detach
/// --privileged`, and `-e/--env`, `-w/--workdir`, `-u/--user` with their value as the next word (or
/// after `=` in the long forms), all before the container; then the container and a command whose
/// first word is no flag. Anything else (help, --explain, `--`, a value that looks like a flag, a
/// repeated flag or single-valued option, an unknown flag, no command) is nil: the CLI parses it with
/// ArgumentParser, which accepts or refuses it as it always has.
package enum ExecCommandLine {
    /// What one `skiff exec` line asks for.
    package struct Arguments: Equatable, Sendable {
        package var interactive = false
        package var tty = false
        package var detach = false
        package var privileged = false
        package var env: [String] = []
        package var workdir: String?
        package var user: String?
        package var container: String
        package var command: [String]

        package init(container: String, command: [String]) {
            self.container = container
            self.command = command
        }
    }

    /// The exec `arguments` (the words after `exec`) ask for, or nil: parse them the full way.
    package static func parse(_ arguments: [String]) -> Arguments? {
        var flags = Set<Character>()
        var env: [String] = []
        var workdir: String?
        var user: String?
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            guard word.hasPrefix("-") else { break }
            switch word {
            case "--interactive": guard flags.insert("i").inserted else { return nil }
            case "--tty": guard flags.insert("t").inserted else { return nil }
            case "--detach": guard flags.insert("d").inserted else { return nil }
            case "--privileged": guard flags.insert("p").inserted else { return nil }
            case "-e", "--env", "-w", "--workdir", "-u", "--user":
                guard index + 1 < arguments.count, let v = usable(arguments[index + 1]) else { return nil }
                index += 1
                switch word {
                case "-e", "--env": env.append(v)
                case "-w", "--workdir":
                    guard workdir == nil else { return nil }
                    workdir = v
                default:
                    guard user == nil else { return nil }
                    user = v
                }
            default:
                if let v = longValue(word, "--env") {
                    env.append(v)
                } else if let v = longValue(word, "--workdir") {
                    guard workdir == nil else { return nil }
                    workdir = v
                } else if let v = longValue(word, "--user") {
                    guard user == nil else { return nil }
                    user = v
                } else {
                    // Grouped short flags (-it, -dit); an option's letter among them goes the full way.
                    let letters = word.dropFirst()
                    guard !letters.isEmpty, !letters.hasPrefix("-") else { return nil }
                    for letter in letters {
                        guard "itd".contains(letter), flags.insert(letter).inserted else { return nil }
                    }
                }
            }
            index += 1
        }
        guard index + 1 < arguments.count else { return nil }
        let command = Array(arguments[(index + 1)...])
        guard !arguments[index].isEmpty, !command[0].hasPrefix("-") else { return nil }
        var parsed = Arguments(container: arguments[index], command: command)
        parsed.interactive = flags.contains("i")
        parsed.tty = flags.contains("t")
        parsed.detach = flags.contains("d")
        parsed.privileged = flags.contains("p")
        parsed.env = env
        parsed.workdir = workdir
        parsed.user = user
        return parsed
    }

    /// A value taken as it is: not empty and not flag-like (those go to ArgumentParser).
    private static func usable(_ value: String) -> String? {
        value.isEmpty || value.hasPrefix("-") ? nil : value
    }

    /// The value of `--name=VALUE`, or nil when `word` is not that form or its value is not `usable`.
    private static func longValue(_ word: String, _ name: String) -> String? {
        guard word.hasPrefix(name + "=") else { return nil }
        return usable(String(word.dropFirst(name.count + 1)))
    }
}
