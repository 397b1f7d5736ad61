import ArgumentParser
import SkiffKit
import SkiffPresentation
import SkiffSystem

/// `skiff compose volumes [-q] [--format F] [SERVICE…]`: the project's volumes (those labelled with its
/// name), or those the named services mount, as `skiff volume ls` prints them.
struct ComposeVolumes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "volumes", abstract: "List the project's volumes.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Only display volume names.") var quiet = false
    @Option(name: .long, help: "Format: table (default), table TEMPLATE, json or a template, e.g. '{{.Name}}'.")
    var format: String?
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        for s in services where project.service(s) == nil {
            FileHandleStderr.write("Error: no such service: \(s)\n")
            throw ExitCode(1)
        }
        let engine = SkiffContext.engine()
        let found = engine.volumeListing()
        for record in found.unreadable { FileHandleStderr.write("skiff: \(record)\n") }
        var volumes = found.records.filter { $0.Labels[ComposeLabels.project] == project.name }
        if !services.isEmpty {
            let used = Set(
                project.services.filter { services.contains($0.name) }.flatMap(\.volumes)
                    .compactMap { m in m.type == .volume ? m.source.flatMap { project.volume($0)?.realName } : nil })
            volumes = volumes.filter { used.contains($0.Name) }
        }
        try VolumeTable.print(volumes, quiet: quiet, format: format)
    }
}
