import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands

/// `skiff run IMAGE [COMMAND [ARG…]]`: Docker's run, attached. The flags are create's
/// (`ContainerCreateFlags`) plus -d.
struct ContainerRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run a command in a new container from an image (attached, the exit code the container's; -d: in the background under a monitor)."
    )

    @OptionGroup var flags: ContainerCreateFlags
    @Flag(name: [.customShort("d"), .long], help: "Run in the background.") var detach = false
    @Option(name: .customLong("detach-keys"), help: "The key sequence that detaches -it (default ctrl-p,ctrl-q).")
    var detachKeys: String?
    @OptionGroup var explain: ExplainOptions

    @Argument(help: "The image (name[:tag], name@digest or an image ID).") var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the image's).")
    var command: [String] = []

    func run() throws {
        let (image, command) = RespelledWords.operands(image: image, command: command)
        try RunInvocation(
            flags: flags, detach: detach, detachKeys: detachKeys, explain: explain.session, image: image,
            command: command
        ).run()
    }
}

/// What `skiff run` was asked, whichever parser read the command line: ArgumentParser's (`ContainerRun`)
/// or the table-free one of the common forms (`RunCommandLine`).
struct RunInvocation {
    var flags: any CreateFlagSet
    var detach: Bool
    var detachKeys: String?
    var explain: ExplainSession
    var image: String
    var command: [String]

    /// A line `RunCommandLine` read (it takes no --explain and no --detach-keys).
    init(_ a: RunCommandLine.Arguments) {
        self.init(
            flags: FastCreateFlags(a), detach: a.detach, detachKeys: nil,
            explain: ExplainSession(narrate: false, html: nil), image: a.image, command: a.command)
    }

    init(
        flags: any CreateFlagSet, detach: Bool, detachKeys: String?, explain: ExplainSession, image: String,
        command: [String]
    ) {
        self.flags = flags
        self.detach = detach
        self.detachKeys = detachKeys
        self.explain = explain
        self.image = image
        self.command = command
    }

    func run() throws {
        // Attached, the container's process is cloned here: run sealed (see ExecutableSeal.cliCommandsRunningUnsealed).
        if !detach { ExecutableSeal.seal() }
        explain.begin(live: true)
        defer { explain.finish(title: "skiff run \(image)") }
        var options = try refusedBeforeStart { try flags.runOptions(command: command) }
        let streams = try refusedBeforeStart { () throws -> AttachStreams in
            if detach && !flags.attach.isEmpty { throw ValidationError("Conflicting options: -a and -d") }
            return try AttachStreams(parsing: flags.attach)
        }
        // --sig-proxy=false: skiff forwards no signal, so the container must outlive this process (a
        // SIGINT ends skiff, not the container): it runs under a monitor and skiff attaches to it.
        // A terminal's output is one stream, stdout: left out of -a, the relay of an attached run would
        // show it all the same, so the monitor (whose attach frames say the stream) carries it instead.
        // With -it, the terminal can be left (the detach keys) while the container goes on: Docker's
        // Ctrl-P Ctrl-Q, which needs a monitor to carry on from here.
        let monitored =
            detach || !flags.sigProxy || (options.tty && !streams.stdout) || (options.tty && options.interactive)
        // The configuration's detachKeys are read only by a run that can detach with keys.
        let keys = try refusedBeforeStart {
            try detachKeys.map { try DetachKeys(parsing: $0) }
                ?? (options.tty && options.interactive && !detach ? DetachKeys.configured() : .standard)
        }
        options.detach = monitored
        try TerminalInput.require(tty: options.tty, attachingStdin: options.interactive && !detach)
        let engine = SkiffContext.engine()
        let container = try refusedBeforeStart { try flags.createContainer(engine, image: image, options: options) }
        if detach {
            do {
                try engine.startMonitored(record: container, callerExits: true)
                print(container.id)
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                let code = (try? engine.containers.load(id: container.id))?.exitCode ?? 125
                // A --rm container that never ran leaves nothing behind (Docker removes it too).
                if options.remove { try? engine.remove(container.id, force: true, volumes: true) }
                throw ExitCode(code == 0 ? 125 : code)
            }
            return
        }
        if monitored {
            let started: (container: Container, attachFD: Int32)
            do { started = try engine.startMonitored(record: container, attach: true) } catch {
                FileHandleStderr.write("Error: \(error)\n")
                if options.remove { try? engine.remove(container.id, force: true, volumes: true) }
                throw ExitCode(error.startExitStatus)
            }
            // Nothing forwards signals now: SIGINT/SIGTERM end skiff by their default action.
            unblockStopSignals()
            // A --rm container is gone once its monitor closes the attach socket: its exit code is
            // taken while it is still there, by a wait that starts now.
            let exit = ExitWatch()
            let id = started.container.id
            Thread.detachNewThread {
                exit.code = try? engine.wait(id)
                exit.done.signal()
            }
            do {
                throw ExitCode(
                    try AttachSession.run(
                        engine: engine, container: started.container, fd: started.attachFD,
                        stdin: options.interactive, streams: streams, detachKeys: keys, sigProxy: flags.sigProxy))
            } catch KitError.notFound {
                exit.done.wait()
                throw ExitCode(exit.code ?? 0)
            }
        }
        // Streams left out of -a go nowhere, as an unattached stream reaches no terminal in Docker (they
        // are logged all the same).
        let devNull = streams.stdout && streams.stderr ? -1 : open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        engine.events.record(container: container, "attach")
        switch Result(catching: { () throws(KitError) in
            try engine.runAttached(
                container, interactive: options.interactive, stdout: streams.stdout ? -1 : devNull,
                stderr: streams.stderr ? -1 : devNull, keepsLog: true)
        }) {
        case .success(let status):
            throw ExitCode(status.shellStatus)
        case .failure(let error):
            FileHandleStderr.write("Error: \(error)\n")
            throw ExitCode(error.startExitStatus)
        }
    }
}

/// The exit code a background `Engine.wait` found (see the --sig-proxy=false path of `run`).
private final class ExitWatch: @unchecked Sendable {
    var code: Int32?
    let done = DispatchSemaphore(value: 0)
}
