import ArgumentParser
import SkiffKit

/// `skiff compose stats [-a] [--no-stream] [--format F] [SERVICE]`: `stats` for the project's
/// containers (running ones unless -a), as Docker Compose's.
struct ComposeStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Display a live stream of the project's containers' resource use.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("a"), .long], help: "All containers (default: running ones).") var all = false
    @Flag(name: .customLong("no-stream"), help: "One sample, then exit.") var noStream = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.") var noTrunc = false
    @Option(name: .long, help: "Format each line, e.g. '{{.Name}} {{.MemUsage}}', or 'json'.") var format: String?
    @Argument(help: "A service (default: all).") var service: String?

    func run() throws {
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        if let service, project.service(service) == nil, !project.services.isEmpty {
            throw ValidationError("no such service: \(service)")
        }
        let runner = compose.runner(project, quiet: true)
        unblockStopSignals()
        try StatsTable.show(engine: runner.engine, noStream: noStream, format: format) {
            runner.projectContainers(includeOneOff: false).filter {
                (all || $0.status == .running) && (service == nil || $0.composeService == service)
            }.sorted { $0.name < $1.name }
        }
    }
}
