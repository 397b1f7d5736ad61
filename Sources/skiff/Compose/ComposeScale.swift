import ArgumentParser
import SkiffKit

/// `skiff compose scale [--no-deps] SERVICE=NUM…`: Docker Compose's `scale`, `up -d` of those services
/// with their counts (the highest-numbered containers removed, new ones numbered after the rest).
struct ComposeScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Set the number of containers of services (SERVICE=NUM).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("no-deps"), help: "Do not start the services the named ones depend on.") var noDeps = false
    @Argument(help: "SERVICE=NUM, one or more.") var counts: [String]

    func run() throws {
        let runner = compose.runner(try compose.load())
        var options = ComposeRunner.UpOptions()
        options.profiles = compose.allProfiles
        options.noDeps = noDeps
        try composeStep { () throws(ComposeError) in
            options.scale = try ComposeScaleArgument.parse(counts, flag: "scale")
            options.services = options.scale.keys.sorted()
            _ = try runner.up(options)
        }
    }
}
