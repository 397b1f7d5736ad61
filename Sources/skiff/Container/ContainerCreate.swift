import ArgumentParser
import SkiffKit
import SkiffOCICommands

/// `skiff create IMAGE [COMMAND [ARG…]]`: Docker's create — the container record, its writable layer and
/// bundle, not started; prints the full ID. `skiff start [-a] NAME` runs it under a monitor.
struct ContainerCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a new container from an image without starting it (prints its ID; `skiff start` runs it)."
    )

    @OptionGroup var flags: ContainerCreateFlags
    @OptionGroup var explain: ExplainOptions

    @Argument(help: "The image (name[:tag], name@digest or an image ID).") var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the image's).")
    var command: [String] = []

    func run() throws {
        let (image, command) = RespelledWords.operands(image: image, command: command)
        try Self.create(flags: flags, explain: explain.session, image: image, command: command)
    }

    /// Create as the flags say (from ArgumentParser, or from `RunCommandLine` for the common forms).
    static func create(flags: any CreateFlagSet, explain: ExplainSession, image: String, command: [String]) throws {
        explain.begin()
        defer { explain.finish(title: "skiff create \(image)") }
        let options = try refusedBeforeStart { try flags.runOptions(command: command) }
        let container = try refusedBeforeStart {
            try flags.createContainer(SkiffContext.engine(), image: image, options: options)
        }
        print(container.id)
    }
}
