import ArgumentParser
import SkiffKit

/// `skiff compose logs [-f] [-n N] [-t] [--no-log-prefix] [SERVICE…]`.
struct ComposeLogs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show the services' output, each line prefixed with its container.")
    // -f is --follow here, as in Docker Compose; the file is --file.
    @Option(name: .customLong("file"), help: "Compose file (repeatable).") var files: [String] = []
    @Option(name: [.customShort("p"), .customLong("project-name")], help: "Project name.") var projectName: String?
    @Option(name: .customLong("project-directory"), help: "Project directory.") var projectDirectory: String?
    @Option(name: .customLong("env-file"), help: "Variables file for interpolation.") var envFiles: [String] = []
    @ParentCommand var parent: ComposeCommand
    @Flag(name: [.customShort("f"), .long], help: "Follow the output.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Only the last N lines of each container (\"all\").") var tail = "all"
    @Flag(name: [.customShort("t"), .long], help: "Show timestamps.") var timestamps = false
    @Flag(name: .customLong("no-log-prefix"), help: "Do not prefix lines with the container.") var noLogPrefix = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        var args: [String] = []
        for f in files { args += ["--file", f] }
        if let projectName { args += ["--project-name", projectName] }
        if let projectDirectory { args += ["--project-directory", projectDirectory] }
        for e in envFiles { args += ["--env-file", e] }
        let compose = try ComposeOptions.parse(args).inheriting(parent.global)
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let containers = runner.projectContainers(includeOneOff: false).filter { services.isEmpty || services.contains($0.composeService ?? "") }
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
