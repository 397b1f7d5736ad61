import ArgumentParser
import SkiffKit
import SkiffPresentation

/// `skiff compose ps [-a] [-q] [--services] [SERVICE…]`.
struct ComposePs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the project's containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("a"), .long], help: "Also stopped containers (and one-off ones).") var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only IDs.") var quiet = false
    @Flag(name: .long, help: "Only the services' names.") var services = false
    @Option(name: .long, help: "Only containers in this state (running, exited, created, restarting).") var status:
        String?
    @Option(
        name: .long,
        help:
            "table (default), json, or a Go-template-like format such as '{{.Name}} {{.State}}' ('table …' for a table)."
    ) var format: String?
    @Argument(help: "Services (default: all).") var names: [String] = []

    func run() throws {
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        let runner = compose.runner(project, quiet: true)
        var list = runner.projectContainers(includeOneOff: all)
            .filter { names.isEmpty || names.contains($0.composeService ?? "") }
        if !all { list = list.filter { $0.status == .running || $0.status == .restarting } }
        if let status { list = list.filter { $0.status.rawValue == status } }
        if quiet { for c in list { print(c.id) }; return }
        if services { for s in Set(list.compactMap(\.composeService)).sorted() { print(s) }; return }
        let engine = runner.engine
        if let format, format != "table" {
            try ComposePsFormat.print(list, engine: engine, format: format)
            return
        }
        var lines = ["NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS"]
        for c in list {
            let f = engine.listFields(c)
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
