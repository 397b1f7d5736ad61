import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCI
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

struct ContainerExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract:
            "Run a command in a running container (its namespaces, cgroup, env and workdir); the exit code is the command's."
    )
    @Flag(name: [.customShort("i"), .long], help: "Keep stdin open.") var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Give the command a terminal.") var tty = false
    @Flag(name: [.customShort("d"), .long], help: "Run in the background.") var detach = false
    @Option(
        name: .customLong("detach-keys"),
        help: "The key sequence that detaches -it, leaving the command running (default ctrl-p,ctrl-q).")
    var detachKeys: String?
    @Option(
        name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE, or KEY for the caller's).")
    var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file (KEY=VALUE lines).")
    var envFile: [String] = []
    @Option(name: [.customShort("w"), .long], help: "Working directory inside the container.") var workdir: String?
    @Option(name: [.customShort("u"), .long], help: "User: name, uid, name:group or uid:gid.") var user: String?
    @Flag(name: .long, help: "All capabilities for the command.") var privileged = false
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "The container.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func run() throws {
        var fromFiles: [String] = []
        for path in envFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--env-file \(path): cannot read the file (does it exist?)")
            }
            fromFiles += try EnvFileLines.entries(text, path: path)
        }
        var invocation = ExecInvocation(
            interactive: interactive, tty: tty, detach: detach, privileged: privileged, env: fromFiles + env,
            workdir: workdir, user: user, explain: explain.session, container: container, command: command)
        invocation.detachKeys = detachKeys
        try invocation.run()
    }
}

/// What `skiff exec` was asked, whichever parser read the command line: ArgumentParser's
/// (`ContainerExec`) or the table-free one of the common forms (`ExecCommandLine`).
struct ExecInvocation {
    var interactive: Bool
    var tty: Bool
    var detach: Bool
    var privileged: Bool
    var env: [String]
    var workdir: String?
    var user: String?
    var explain: ExplainSession
    var container: String
    var command: [String]
    /// --detach-keys (else the configuration's `detachKeys`, else Ctrl-P Ctrl-Q).
    var detachKeys: String?

    init(
        interactive: Bool, tty: Bool, detach: Bool, privileged: Bool, env: [String], workdir: String?, user: String?,
        explain: ExplainSession, container: String, command: [String]
    ) {
        self.interactive = interactive
        self.tty = tty
        self.detach = detach
        self.privileged = privileged
        self.env = env
        self.workdir = workdir
        self.user = user
        self.explain = explain
        self.container = container
        self.command = command
    }

    /// A line `ExecCommandLine` read (it takes no --explain).
    init(_ a: ExecCommandLine.Arguments) {
        self.init(
            interactive: a.interactive, tty: a.tty, detach: a.detach, privileged: a.privileged, env: a.env,
            workdir: a.workdir, user: a.user, explain: ExplainSession(narrate: false, html: nil),
            container: a.container, command: a.command)
    }

    func run() throws {
        // Docker refuses a bad sequence whatever the other flags (its daemon, at the exec's creation).
        let keys: DetachKeys
        do {
            if let detachKeys {
                keys = try DetachKeys(parsing: detachKeys)
            } else {
                // The configuration is read only by an exec that detaches with keys (not its run under the waiter).
                keys = tty && interactive && !detach && Engine.execNeedsWaiter ? try DetachKeys.configured() : .standard
            }
        } catch {
            FileHandleStderr.write("Error: \(error)\n")
            throw ExitCode(125)
        }
        let args = command.first == "--" ? Array(command.dropFirst()) : command
        guard !args.isEmpty else { throw ValidationError("exec needs a command to run after the container") }
        try TerminalInput.require(tty: tty, attachingStdin: interactive && !detach)
        if (detach || tty) && Engine.execNeedsWaiter {
            // This command again, under a waiter that records the process's exec_die and, with -t, holds
            // its terminal (ExecWaiter); that run checks, explains and reports.
            let engine = SkiffContext.engine()
            switch try engine.execUnderWaiter(container: container, arguments: Array(CommandLine.arguments.dropFirst()))
            {
            case .finished(let code):
                throw ExitCode(code)
            case .terminal(let held):
                if detach {
                    held.close()
                    return
                }
                throw ExitCode(ExecTerminalSession.run(held, engine: engine, input: interactive, detachKeys: keys))
            }
        }
        explain.begin(live: true)
        defer { explain.finish(title: (["skiff exec", container] + command).joined(separator: " ")) }
        var request = ExecRequest(command: args)
        request.tty = tty
        request.interactive = interactive
        request.detach = detach
        request.env = env
        // Only `-e KEY` (no value) reads the caller's environment; Foundation's copy of it costs a start.
        if env.contains(where: { !$0.contains("=") }) {
            request.callerEnvironment = ProcessInfo.processInfo.environment
        }
        request.workdir = workdir
        request.user = user
        request.privileged = privileged
        if tty {
            var ws = winsize()
            if ioctl(STDIN_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 {
                request.consoleSize = ConsoleSize(height: UInt(ws.ws_row), width: UInt(ws.ws_col))
            }
        }
        let engine = SkiffContext.engine()
        if (detach || tty) && Engine.isUnderExecWaiter {
            // fd 3 is the waiter's: the process must not inherit it. The process is left to the waiter.
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            request.startReportFD = 3
            request.detach = true
        }
        let status: Int32?
        do {
            status = try engine.exec(container, request)?.shellStatus
        } catch {
            if case .runtime = error {
                FileHandleStderr.write("Error: \(error)\n")
                throw ExitCode(error.startExitStatus)
            }
            throw error
        }
        // Thrown outside the `do`, so that no cast tries the exit status as a KitError (a failed cast
        // costs a scan of the binary's protocol conformances); CLIMain catches it first.
        guard let status else { return }
        throw ExitCode(status)
    }
}
