import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffSystem

/// `skiff compose commit [-a AUTHOR] [-c INSTRUCTION]… [-m MESSAGE] [-p=false] [--index N] SERVICE
/// [REPOSITORY[:TAG]]`: a new image from a service container's changes, as `skiff commit` makes it.
struct ComposeCommit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit", abstract: "Create a new image from a service container's changes.")
    /// After `commit`, `-p` is --pause: the project name only as --project-name (or `-p` before the command).
    @OptionGroup var own: ComposeRunProjectOptions
    @ParentCommand var parent: ComposeCommand
    @Option(name: [.customShort("a"), .long], help: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\").")
    var author: String?
    @Option(name: [.customShort("c"), .long], help: "Apply a Dockerfile instruction to the created image.")
    var change: [String] = []
    @Option(name: .long, help: "Which container of the service, if it has several (from 1; 0: the first).")
    var index = 0
    @Option(name: [.customShort("m"), .long], help: "Commit message.") var message: String?
    @Flag(
        name: [.customShort("p"), .long], inversion: .prefixedNo,
        help: "Pause the container during the commit (--pause=false: do not).")
    var pause = true
    @Argument(help: "The service.") var service: String
    @Argument(help: "The image's name, REPOSITORY[:TAG].") var repository: String?

    func run() throws {
        var options = CommitOptions()
        options.author = author
        options.message = message
        options.changes = change
        options.pause = pause
        options.reference = try repository.map { try ImageReference(parsing: $0) }
        let compose = try own.inheriting(parent.global)
        let project = try compose.load(quietWarnings: true, allowMissingFile: true)
        let runner = compose.runner(project, quiet: true)
        let container = try composeStep { () throws(ComposeError) in
            try runner.container(of: service, index: max(index, 1))
        }
        ComposeOutputSettings.progressLine(" Container \(container.name)  Committing")
        // A dry run makes no image (Docker Compose's commit returns before ContainerCommit).
        if !runner.dryRun {
            _ = try Interruptible.run { try runner.engine.commit(container.id, options: options) }
        }
        ComposeOutputSettings.progressLine(" Container \(container.name)  Committed")
    }
}
