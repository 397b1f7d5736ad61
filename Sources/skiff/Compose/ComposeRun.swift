import ArgumentParser
import Foundation
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose run [--rm] [-e K=V] [-T] [--no-deps] [--service-ports] SERVICE [COMMAND…]`.
struct ComposeRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a one-off command in a new container of a service (its dependencies started first).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("rm"), help: "Remove the container when it exits.") var remove = false
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE).") var env: [String] = []
    @Flag(name: .customShort("T"), help: "No terminal (default: one when stdin is a terminal).") var noTTY = false
    @Flag(name: [.customShort("d"), .long], help: "Run in the background; print the container's name.") var detach =
        false
    @Flag(name: .customLong("no-deps"), help: "Do not start the service's dependencies.") var noDeps = false
    @Flag(name: .customLong("service-ports"), help: "Publish the service's ports too.") var servicePorts = false
    @Option(name: .long, help: "Name the container.") var name: String?
    @Option(name: .long, help: "Override the entrypoint.") var entrypoint: String?
    @Option(name: [.customShort("u"), .long], help: "User.") var user: String?
    @Option(name: [.customShort("w"), .long], help: "Working directory.") var workdir: String?
    @Argument(help: "The service.") var service: String
    @Argument(parsing: .captureForPassthrough, help: "The command (default: the service's).") var command: [String] = []

    func run() throws {
        let project = try compose.load()
        let runner = compose.runner(project)
        var request = ComposeRunner.RunRequest(service: service)
        request.command = command.first == "--" ? Array(command.dropFirst()) : command
        request.entrypoint = entrypoint
        request.env = env
        request.remove = remove
        request.noDeps = noDeps
        request.profiles = compose.allProfiles
        request.servicePorts = servicePorts
        let terminal = !noTTY && !detach && isatty(STDIN_FILENO) == 1
        request.tty = terminal
        request.interactive = terminal || (!detach && isatty(STDIN_FILENO) == 1)
        request.name = name
        request.user = user
        request.workdir = workdir
        request.detach = detach
        // Interruptible until the one-off container runs attached: then the signals are forwarded to it.
        let result = try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in try runner.run(request) }
        }
        if detach {
            print(result.container.name)
            return
        }
        throw ExitCode(result.status?.shellStatus ?? 0)
    }
}
