/// `skiff run` and `skiff create`'s common command lines read without ArgumentParser (`LeadingFlags`,
/// issue 15: its reflection over create's hundred flags was a quarter of a `run -d`'s CPU). Read here:
/// `-d -i -t` (alone or grouped: `-dit`), `--rm`, and `--name`, `--network`, `-e/--env`,
/// `-p/--publish`, `-v/--volume`, `-w/--workdir`, `-u/--user`, `-l/--label`, `--restart`, before the
/// image; then the image and a command whose first word is no flag. Anything else (help, --explain,
/// any other flag, `--`, ...) is nil: ArgumentParser reads it. The CLI turns what is read here into
/// the same create flags ArgumentParser would have made (`FastCreateFlags`), so both ways run the
/// same code from there on.
package enum RunCommandLine {
    /// What one `skiff run` or `skiff create` line asks for.
    package struct Arguments: Equatable, Sendable {
        package var detach = false
        package var remove = false
        package var interactive = false
        package var tty = false
        package var name: String?
        package var networks: [String] = []
        package var env: [String] = []
        package var publish: [String] = []
        package var volumes: [String] = []
        package var workdir: String?
        package var user: String?
        package var labels: [String] = []
        package var restart: String?
        package var image: String
        package var command: [String]

        package init(image: String, command: [String] = []) {
            self.image = image
            self.command = command
        }
    }

    static let table = LeadingFlags(
        flags: [.init("detach", "d"), .init("rm"), .init("interactive", "i"), .init("tty", "t")],
        options: [
            .init("name"), .init("network", repeatable: true), .init("env", "e", repeatable: true),
            .init("publish", "p", repeatable: true), .init("volume", "v", repeatable: true),
            .init("workdir", "w"), .init("user", "u"), .init("label", "l", repeatable: true), .init("restart"),
        ])

    /// The `arguments` after `run` (or `create`, which has no -d) ask for, or nil: parse them the full way.
    package static func parse(_ arguments: [String], detachable: Bool = true) -> Arguments? {
        guard let r = table.read(arguments), let image = r.operands.first, !image.isEmpty,
            r.operands.count < 2 || !r.operands[1].hasPrefix("-"),
            detachable || !r.flags.contains("detach")
        else { return nil }
        var parsed = Arguments(image: image, command: Array(r.operands.dropFirst()))
        parsed.detach = r.flags.contains("detach")
        parsed.remove = r.flags.contains("rm")
        parsed.interactive = r.flags.contains("interactive")
        parsed.tty = r.flags.contains("tty")
        parsed.name = r.value("name")
        parsed.networks = r.list("network")
        parsed.env = r.list("env")
        parsed.publish = r.list("publish")
        parsed.volumes = r.list("volume")
        parsed.workdir = r.value("workdir")
        parsed.user = r.value("user")
        parsed.labels = r.list("label")
        parsed.restart = r.value("restart")
        return parsed
    }
}
