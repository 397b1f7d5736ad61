import ArgumentParser
import SkiffKit
import SkiffPresentation

/// `skiff compose ps [-a] [-q] [--services] [--status S] [--filter status=S] [--no-trunc] [--orphans=false]
/// [--format F] [SERVICE…]`.
struct ComposePs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the project's containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("a"), .long], help: "Also stopped containers (and one-off ones).") var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only IDs.") var quiet = false
    @Flag(name: .long, help: "Only the services' names.") var services = false
    @Option(
        name: .long,
        help:
            "Only containers in this state (paused, restarting, removing, running, dead, created, exited; repeatable).")
    var status: [String] = []
    @Option(name: .long, help: "Filter services by a property (supported filters: status).") var filter: String?
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.") var noTrunc = false
    @Option(name: .long, help: "Include orphaned services (not declared by the project): true or false.")
    var orphans = true
    @Option(
        name: .long,
        help:
            "table (default), json, or a Go-template-like format such as '{{.Name}} {{.State}}' ('table …' for a table)."
    ) var format: String?
    @Argument(help: "Services (default: all).") var names: [String] = []

    func run() throws {
        let states = try ComposePsFilter.states(status: status, filter: filter)
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        let runner = compose.runner(project, quiet: true)
        var list = runner.projectContainers(includeOneOff: all)
            .filter { names.isEmpty || names.contains($0.composeService ?? "") }
        if !orphans {
            list = list.filter { c in c.composeService.map { project.service($0) != nil } ?? false }
        }
        // A state asked for lists stopped containers too, as Compose's.
        if !all && states.isEmpty { list = list.filter { $0.status == .running || $0.status == .restarting } }
        if !states.isEmpty {
            list = list.filter { states.contains(ComposePsFilter.state(of: $0, engine: runner.engine)) }
        }
        if quiet { for c in list { print(c.id) }; return }
        if services { for s in Set(list.compactMap(\.composeService)).sorted() { print(s) }; return }
        let engine = runner.engine
        if let format, format != "table" {
            try ComposePsFormat.print(list, engine: engine, format: format)
            return
        }
        var lines = ["NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS"]
        for c in list {
            let f = engine.listFields(c, truncate: !noTrunc)
            let ports = ((try? engine.publishedPorts(c.id)) ?? []).map {
                "\($0.hostAddress):\($0.hostPort)->\($0.containerPort)/\($0.proto)"
            }.joined(separator: ", ")
            lines.append(
                [
                    c.name, c.image, f["Command"] ?? "", c.composeService ?? "", f["RunningFor"] ?? "",
                    f["Status"] ?? c.status.rawValue, ports,
                ].joined(separator: "\t"))
        }
        print(TableWriter.format(lines))
    }
}

/// `compose ps --status` and `--filter`, checked as Docker Compose checks them.
enum ComposePsFilter {
    static let knownStates: Set<String> = ["paused", "restarting", "removing", "running", "dead", "created", "exited"]

    /// The states asked for, or Compose's error (exit 1).
    static func states(status: [String], filter: String?) throws -> Set<String> {
        var wanted = status
        if let filter {
            let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return try fail("arguments to --filter should be in form KEY=VAL") }
            switch parts[0] {
            case "status": wanted.append(parts[1])
            case "source": return try fail("not implemented")
            default: return try fail("unknown filter \(parts[0])")
            }
        }
        for s in wanted where !knownStates.contains(s) { return try fail("invalid filter \"\(s)\"") }
        return Set(wanted)
    }

    static func fail(_ message: String) throws -> Set<String> {
        FileHandleStderr.write("\(message)\n")
        throw ExitCode(1)
    }

    /// Docker's state word for `c` (a frozen container is `paused`).
    static func state(of c: Container, engine: Engine) -> String {
        c.status == .running && engine.isPaused(c) ? "paused" : c.status.rawValue
    }
}
