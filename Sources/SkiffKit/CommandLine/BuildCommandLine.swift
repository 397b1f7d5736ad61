/// `skiff build`'s common command lines read without ArgumentParser (`LeadingFlags`, issue 15): a
/// cached rebuild takes milliseconds, and ArgumentParser's reflection over build's two dozen options was
/// a quarter of it. Read here: `-q`, `--no-cache`, `--pull`, and `-t/--tag`, `-f/--file`, `--build-arg`,
/// `--label` (repeatable where build's are), `--target`, `--network`, `--progress`, all before the
/// context, which is the one word after them. Anything else (help, --explain, the other options, a flag
/// after the context, ...) is nil: ArgumentParser reads it.
package enum BuildCommandLine {
    /// What one `skiff build` line asks for.
    package struct Arguments: Equatable, Sendable {
        package var tags: [String] = []
        package var file: String?
        package var buildArgs: [String] = []
        package var labels: [String] = []
        package var target: String?
        package var network: String?
        package var progress: String?
        package var noCache = false
        package var pull = false
        package var quiet = false
        package var context: String

        package init(context: String) { self.context = context }
    }

    /// build's flags and options as `LeadingFlags` reads them.
    static let table = LeadingFlags(
        flags: [.init("quiet", "q"), .init("no-cache"), .init("pull")],
        options: [
            .init("tag", "t", repeatable: true), .init("file", "f"), .init("build-arg", repeatable: true),
            .init("label", repeatable: true), .init("target"), .init("network"), .init("progress"),
        ])

    /// The build `arguments` (the words after `build`) ask for, or nil: parse them the full way.
    package static func parse(_ arguments: [String]) -> Arguments? {
        guard let r = table.read(arguments), r.operands.count == 1, !r.operands[0].isEmpty,
            !r.operands[0].hasPrefix("-")
        else { return nil }
        var parsed = Arguments(context: r.operands[0])
        parsed.tags = r.list("tag")
        parsed.file = r.value("file")
        parsed.buildArgs = r.list("build-arg")
        parsed.labels = r.list("label")
        parsed.target = r.value("target")
        parsed.network = r.value("network")
        parsed.progress = r.value("progress")
        parsed.noCache = r.flags.contains("no-cache")
        parsed.pull = r.flags.contains("pull")
        parsed.quiet = r.flags.contains("quiet")
        return parsed
    }
}
