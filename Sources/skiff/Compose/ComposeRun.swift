import ArgumentParser
import Foundation
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose run [--rm] [-e K=V] [-T] [-v V] [-p P] [-l K=V] [--no-deps] [--service-ports] … SERVICE
/// [COMMAND…]`.
struct ComposeRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a one-off command in a new container of a service (its dependencies started first).")
    @OptionGroup var own: ComposeRunProjectOptions
    @ParentCommand var parent: ComposeCommand
    @Flag(name: .customLong("rm"), help: "Remove the container when it exits.") var remove = false
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE).") var env: [String] = []
    @Option(name: .customLong("env-from-file"), help: "Set environment variables from a file (-e wins).")
    var envFromFile: [String] = []
    @Flag(
        name: [.customShort("T"), .customLong("no-TTY")],
        help: "Disable pseudo-TTY allocation (default: one when stdin is a terminal).")
    var noTTY = false
    @Flag(
        name: [.customShort("i"), .long], inversion: .prefixedNo,
        help: "Keep STDIN open: the process reads the caller's stdin (-i=false: it does not).")
    var interactive = true
    @Flag(
        name: [.customShort("t"), .long],
        help: ArgumentHelp("Allocate a pseudo-TTY when stdin is a terminal (--tty=false is -T).", visibility: .hidden))
    var tty = false
    @Option(name: [.customShort("v"), .long], help: "Bind mount a volume (the compose file's short syntax).")
    var volume: [String] = []
    @Option(name: [.customShort("p"), .long], help: "Publish a container's port(s) to the host.") var publish:
        [String] = []
    @Option(name: [.customShort("l"), .long], help: "Add or override a label (KEY=VALUE).") var label: [String] = []
    @Option(name: .customLong("cap-add"), help: "Add Linux capabilities.") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop Linux capabilities.") var capDrop: [String] = []
    @Flag(name: .long, help: "Build the image before starting the container.") var build = false
    @Flag(
        name: .customLong("use-aliases"),
        help: "Answer to the service's name and network aliases on the networks the container joins.")
    var useAliases = false
    @Option(name: .long, help: "Pull the image first: always, missing, never or build.") var pull: String?
    @Flag(name: .customLong("quiet-pull"), help: "Pull without printing progress information.") var quietPull = false
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers of services no longer in the file.")
    var removeOrphans = false
    @Flag(name: [.customShort("d"), .long], help: "Run in the background; print the container's ID.") var detach =
        false
    @Flag(name: .customLong("no-deps"), help: "Do not start the service's dependencies.") var noDeps = false
    @Flag(name: [.customShort("P"), .customLong("service-ports")], help: "Publish the service's ports too.")
    var servicePorts = false
    @Option(name: .long, help: "Name the container.") var name: String?
    @Option(name: .long, help: "Override the entrypoint.") var entrypoint: String?
    @Option(name: [.customShort("u"), .long], help: "User.") var user: String?
    @Option(name: [.customShort("w"), .long], help: "Working directory.") var workdir: String?
    @Argument(help: "The service.") var service: String
    @Argument(parsing: .captureForPassthrough, help: "The command (default: the service's).") var command: [String] = []

    func run() throws {
        let compose = try own.inheriting(parent.global)
        let (project, variables) = try compose.loadWithVariables()
        var runner = compose.runner(project)
        // -e KEY (and env files' KEY) take their value from the project's environment: the caller's
        // over the .env file, as Compose's.
        runner.callerEnvironment = variables
        var request = ComposeRunner.RunRequest(service: service)
        request.command = command.first == "--" ? Array(command.dropFirst()) : command
        request.entrypoint = entrypoint
        request.env = env
        request.envFromFiles = envFromFile
        request.volumes = volume
        request.publish = publish
        request.labels = label
        request.capAdd = capAdd
        request.capDrop = capDrop
        request.build = build
        request.useAliases = useAliases
        request.pull = pull
        request.quietPull = quietPull
        request.removeOrphans = removeOrphans
        request.remove = remove
        request.noDeps = noDeps
        request.profiles = compose.allProfiles
        request.servicePorts = servicePorts
        let terminal = !noTTY && !detach && isatty(STDIN_FILENO) == 1
        request.tty = terminal
        // Compose's -i is on by default: stdin (a terminal or a pipe) goes to the process.
        request.interactive = interactive && !detach
        request.name = name
        request.user = user
        request.workdir = workdir
        request.detach = detach
        // Interruptible until the one-off container runs attached: then the signals are forwarded to it.
        let result = try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in try runner.run(request) }
        }
        if detach {
            // Compose's run -d prints the container's ID (docker start's output).
            print(result.container.id)
            return
        }
        throw ExitCode(result.status?.shellStatus ?? 0)
    }
}

/// The project flags after `run`, where `-p` is `--publish` (Docker Compose's run): the name only as
/// `--project-name` (or `-p` before the command).
struct ComposeRunProjectOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")], help: "Compose file (repeatable).") var files: [String] =
        []
    @Option(name: .customLong("project-name"), help: "Project name.") var projectName: String?
    @Option(name: .customLong("project-directory"), help: "Project directory.") var projectDirectory: String?
    @Option(name: .customLong("env-file"), help: "Variables file for interpolation.") var envFiles: [String] = []
    @Option(name: .customLong("profile"), help: "Enable services of this profile.") var profiles: [String] = []

    /// As ComposeOptions, with the flags given before the command.
    func inheriting(_ g: ComposeGlobalOptions) throws -> ComposeOptions {
        try ComposeLongOptions.options(files, projectName, projectDirectory, envFiles, profiles).inheriting(g)
    }
}
