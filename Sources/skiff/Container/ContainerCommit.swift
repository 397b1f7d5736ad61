import ArgumentParser
import SkiffImage
import SkiffKit

/// `skiff commit [-a AUTHOR] [-m MESSAGE] [-c INSTRUCTION]... [--pause=false] CONTAINER [REPOSITORY[:TAG]]`:
/// a new image from the container's changes and config, like `docker commit`; prints the image ID.
struct ContainerCommit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit", abstract: "Create a new image from a container's changes.")
    @Option(name: .shortAndLong, help: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\").")
    var author: String?
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL, ONBUILD); repeatable.",
            valueName: "instruction"))
    var change: [String] = []
    @Option(name: .shortAndLong, help: "Commit message.") var message: String?
    @Option(name: .customLong("pause"), help: "Pause container during commit (--pause=false: do not).")
    var pause = true
    @Flag(name: .customShort("p"), help: "Pause container during commit (the default).") var pauseFlag = false
    @Flag(name: .customLong("no-pause"), help: "Disable pausing container during commit (Docker 28).")
    var noPause = false
    @Argument(help: "The container (name or ID).") var container: String
    @Argument(help: "The image's name, REPOSITORY[:TAG].") var repository: String?

    func run() throws {
        var options = CommitOptions()
        options.author = author
        options.message = message
        options.changes = change
        options.pause = pause && !noPause
        options.reference = try repository.map { try ImageReference(parsing: $0) }
        let engine = SkiffContext.engine()
        let image = try Interruptible.run { try engine.commit(container, options: options) }
        print(image.id.description)
    }
}
