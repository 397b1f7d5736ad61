import ArgumentParser
import SkiffKit

/// `skiff compose export [--index N] [-o FILE] SERVICE`: a service container's filesystem as a tar
/// archive, as `skiff export` writes it (to standard output, never a terminal, or to FILE, which
/// appears only once complete).
struct ComposeExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a service container's filesystem as a tar archive.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: .long, help: "Which container of the service, if it has several (from 1; 0: the first).")
    var index = 0
    @Option(name: [.customShort("o"), .long], help: "Write to a file, instead of STDOUT.") var output: String?
    @Argument(help: "The service.") var service: String

    func run() throws {
        try ComposeOutputSettings.refuseDryRun("export", parent.global)
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        let runner = compose.runner(project, quiet: true)
        let container = try composeStep { () throws(ComposeError) in
            try runner.container(of: service, index: max(index, 1))
        }
        try ContainerExport.parse((output.map { ["--output", $0] } ?? []) + [container.id]).run()
    }
}
