/// `skiff exec`'s common command lines read without ArgumentParser (`LeadingFlags`, issue 15): the
/// flags `-i -t -d` (alone or grouped: `-it`, `-dit`), `--privileged`, and `-e/--env`, `-w/--workdir`,
/// `-u/--user`, all before the container; then the container and a command whose first word is no
/// flag. Anything else (help, --explain, `--`, no command, ...) is nil: ArgumentParser reads it.
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

    /// exec's flags and options as `LeadingFlags` reads them.
    static let table = LeadingFlags(
        flags: [.init("interactive", "i"), .init("tty", "t"), .init("detach", "d"), .init("privileged")],
        options: [.init("env", "e", repeatable: true), .init("workdir", "w"), .init("user", "u")])

    /// The exec `arguments` (the words after `exec`) ask for, or nil: parse them the full way.
    package static func parse(_ arguments: [String]) -> Arguments? {
        guard let r = table.read(arguments), r.operands.count >= 2, !r.operands[0].isEmpty,
            !r.operands[1].hasPrefix("-")
        else { return nil }
        var parsed = Arguments(container: r.operands[0], command: Array(r.operands.dropFirst()))
        parsed.interactive = r.flags.contains("interactive")
        parsed.tty = r.flags.contains("tty")
        parsed.detach = r.flags.contains("detach")
        parsed.privileged = r.flags.contains("privileged")
        parsed.env = r.list("env")
        parsed.workdir = r.value("workdir")
        parsed.user = r.value("user")
        return parsed
    }
}
