import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose exec [-T] [-e K=V] [-u USER] [-w DIR] [--index N] SERVICE COMMAND…`.
struct ComposeExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command in a service's running container.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(
        name: [.customShort("T"), .customLong("no-tty")],
        help: "Disable pseudo-TTY allocation (default: one when stdin is a terminal).")
    var noTTY = false
    @Flag(
        name: [.customShort("i"), .long], inversion: .prefixedNo,
        help: ArgumentHelp(
            "Keep STDIN open: the command reads the caller's stdin (the default; -i=false: it does not).",
            visibility: .hidden))
    var interactive = true
    @Flag(
        name: [.customShort("t"), .long],
        help: ArgumentHelp("Allocate a pseudo-TTY when stdin is a terminal (the default).", visibility: .hidden))
    var tty = false
    @Flag(name: [.customShort("d"), .long], help: "Run in the background.") var detach = false
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable.") var env: [String] = []
    @Option(name: [.customShort("u"), .long], help: "User.") var user: String?
    @Option(name: [.customShort("w"), .long], help: "Working directory.") var workdir: String?
    @Flag(name: .long, help: "All capabilities for the command.") var privileged = false
    @Option(name: .long, help: "Which container of the service, if it has several (from 1; 0: the first).")
    var index: Int = 0
    @Argument(help: "The service.") var service: String
    @Argument(parsing: .captureForPassthrough, help: "The command.") var command: [String] = []

    func run() throws {
        let args = command.first == "--" ? Array(command.dropFirst()) : command
        guard !args.isEmpty else { throw ValidationError("exec needs a command after the service") }
        // -e KEY takes its value from the project's environment: the caller's over the .env file.
        let (project, variables) = try compose.loadWithVariables()
        let runner = compose.runner(project, quiet: true)
        let container = try composeStep { () throws(ComposeError) in
            try runner.container(service: service, index: max(index, 1))
        }
        if detach && Engine.execNeedsWaiter && !runner.dryRun {
            // This command again, under a waiter that records the process's exec_die (ExecWaiter).
            switch try runner.engine.execUnderWaiter(
                container: container.id, arguments: Array(CommandLine.arguments.dropFirst()))
            {
            case .finished(let code): throw ExitCode(code)
            case .terminal(let held): held.close()
            }
            return
        }
        var request = ExecRequest(command: args)
        if detach && Engine.isUnderExecWaiter {
            // fd 3 is the waiter's: the process must not inherit it.
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            request.startReportFD = 3
        }
        let terminal = !noTTY && !detach && isatty(STDIN_FILENO) == 1
        request.tty = terminal
        // Compose's exec is interactive by default: stdin, a terminal or a pipe, goes to the command.
        request.interactive = interactive && !detach
        request.detach = detach
        request.env = env
        request.callerEnvironment = variables
        request.user = user
        request.workdir = workdir
        request.privileged = privileged
        request.dryRun = runner.dryRun
        if terminal {
            var ws = winsize()
            if ioctl(STDIN_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 {
                request.consoleSize = ConsoleSize(height: UInt(ws.ws_row), width: UInt(ws.ws_col))
            }
        }
        guard let status = try runner.engine.exec(container.id, request) else {
            // Docker Compose's dry run fakes creating and starting the exec; attaching to it, which every
            // exec but a detached one does, fails.
            if runner.dryRun && !detach {
                FileHandleStderr.write("Error: interactive exec is not supported in dry-run mode\n")
                throw ExitCode(1)
            }
            return
        }
        throw ExitCode(status.shellStatus)
    }
}
