import ArgumentParser
import SkiffKit

/// `skiff compose logs [-f] [-n N] [-t] [--no-log-prefix] [SERVICE…]`.
struct ComposeLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show the services' output, each line prefixed with its container.")
    @OptionGroup var own: ComposeLongOptions
    @ParentCommand var parent: ComposeCommand
    @Flag(name: [.customShort("f"), .long], help: "Follow the output.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Only the last N lines of each container (\"all\").") var tail =
        "all"
    @Flag(name: [.customShort("t"), .long], help: "Show timestamps.") var timestamps = false
    @Flag(name: .customLong("no-log-prefix"), help: "Do not prefix lines with the container.") var noLogPrefix = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let compose = try own.inheriting(parent.global)
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let containers = runner.projectContainers(includeOneOff: false).filter {
            services.isEmpty || services.contains($0.composeService ?? "")
        }
        var n: Int?
        if tail != "all" {
            guard let v = Int(tail) else { throw ValidationError("--tail \(tail): expected a number or \"all\"") }
            n = v
        }
        let printer = ComposeLogPrinter(engine: runner.engine)
        printer.start(containers, follow: follow, tail: n, timestamps: timestamps, noPrefix: noLogPrefix)
        _ = printer.waitOrSignal()
    }
}
