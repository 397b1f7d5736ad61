import ArgumentParser
import SkiffKit

/// `skiff compose logs [-f] [-n N] [-t] [--since T] [--until T] [--index N] [--no-color] [--no-log-prefix]
/// [SERVICE…]`.
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
    @Flag(name: .customLong("no-color"), help: "Produce monochrome output.") var noColor = false
    @Option(
        name: .long,
        help: "Only lines since a time: RFC 3339 (2013-01-02T13:23:37Z), Unix time, or relative (42m for 42 minutes).")
    var since: String?
    @Option(name: .long, help: "Only lines before a time (the same forms as --since).") var until: String?
    @Option(name: .long, help: "Only this container of each service, if it has several (from 1; 0: all).")
    var index = 0
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let compose = try own.inheriting(parent.global)
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let containers = runner.projectContainers(includeOneOff: false).filter {
            (services.isEmpty || services.contains($0.composeService ?? ""))
                && (index <= 0 || $0.composeNumber == index)
        }
        var window: (since: Double?, until: Double?) = (nil, nil)
        for (flag, text) in [("--since", since), ("--until", until)] {
            guard let text else { continue }
            guard let t = LogOptions.parseTime(text) else {
                throw ValidationError(
                    "\(flag) \(text): expected a time (2024-01-02T15:04:05Z), a Unix time or a duration (10m)")
            }
            if flag == "--since" { window.since = t } else { window.until = t }
        }
        var n: Int?
        if tail != "all" {
            guard let v = Int(tail) else { throw ValidationError("--tail \(tail): expected a number or \"all\"") }
            n = v
        }
        let printer = ComposeLogPrinter(engine: runner.engine, color: !noColor)
        printer.start(
            containers, follow: follow, tail: n, timestamps: timestamps, noPrefix: noLogPrefix, since: window.since,
            until: window.until)
        _ = printer.waitOrSignal()
    }
}
