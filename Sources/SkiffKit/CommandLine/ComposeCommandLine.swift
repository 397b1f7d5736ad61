/// Docker Compose's project flags stand before the command (`docker compose -f a.yml -p demo up`), where
/// `-f` means `--file`; after the command `-f` belongs to it (`logs -f` follows, `rm -f` forces). The
/// CLI's parser cannot give one short flag two meanings by position, so before parsing, the `-f` among
/// the flags between `compose` and its command is spelled `--file`.
package enum ComposeCommandLine {
    /// Project flags that take a value, as Docker Compose has them.
    package static let projectFlagsWithValues: Set<String> = [
        "-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile",
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
        return out + arguments[index...]
    }
}
