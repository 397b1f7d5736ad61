import ArgumentParser
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

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
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        let runner = compose.runner(project, quiet: true)
        let container = try composeStep { () throws(ComposeError) in
            try runner.container(of: service, index: max(index, 1))
        }
        guard runner.dryRun else {
            return try ContainerExport.parse((output.map { ["--output", $0] } ?? []) + [container.id]).run()
        }
        // A dry run checks where the archive would go, as the real one does before writing, and writes
        // nothing (Docker Compose's export skips the copy to the output under --dry-run).
        try Self.checkOutput(output)
        ComposeOutputSettings.progressLine(" Container \(container.name)  Exporting")
        ComposeOutputSettings.progressLine(" Container \(container.name)  Exported")
    }

    /// Where the archive would go: not a terminal, or FILE in a directory this user can write to, FILE
    /// itself not a directory (the real export's temporary file beside it, renamed over it).
    static func checkOutput(_ output: String?) throws {
        guard let output else {
            if isatty(STDOUT_FILENO) == 1 { throw TerminalOutputRefused() }
            return
        }
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { $0 == output.startIndex ? "/" : String(output[..<$0]) } ?? "."
        // The errors the real export's mkstemp and rename give.
        if access(directory, W_OK) != 0 { throw SystemError("create temporary file in", path: directory) }
        var st = stat()
        if stat(output, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            throw SystemError("write", path: output, errno: EISDIR)
        }
    }
}
