import ArgumentParser
import SkiffKit
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

/// Run `body` for each container, printing its name as Docker does; errors are reported per container
/// and make the command fail at the end.
func forEachContainer(_ names: [String], print echo: Bool = true, _ body: (String) throws -> Void) throws {
    var failed = false
    for name in names {
        do {
            try body(name)
            if echo { print(name) }
        } catch {
            FileHandleStderr.write("Error: \(error)\n")
            failed = true
        }
    }
    if failed { throw ExitCode(1) }
}

struct ContainerStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start one or more stopped containers (the same container: its writable layer kept).")
    @Flag(name: [.customShort("a"), .long], help: "Attach stdout/stderr and wait; the exit code is the container's.")
    var attach = false
    @Flag(name: [.customShort("i"), .long], help: "Attach stdin too.") var interactive = false
    @Option(name: .customLong("detach-keys"), help: "The key sequence that detaches (default ctrl-p,ctrl-q).")
    var detachKeys: String?
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        explain.begin()
        defer { explain.finish(title: (["skiff start"] + containers).joined(separator: " ")) }
        let engine = SkiffContext.engine()
        if attach || interactive {
            guard containers.count == 1 else { throw ValidationError("start -a attaches to one container at a time") }
            let keys = try detachKeys.map { try DetachKeys(parsing: $0) } ?? DetachKeys.configured()
            let started = try engine.startMonitored(containers[0], attach: true)
            let code = try AttachSession.run(
                engine: engine, container: started.container, fd: started.attachFD,
                stdin: interactive, detachKeys: keys)
            throw ExitCode(code)
        }
        try forEachContainer(containers) { name in try engine.startMonitored(name) }
    }
}

struct ContainerStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop containers: the stop signal, then SIGKILL after the timeout.")
    @Option(
        name: [.customShort("t"), .customLong("time"), .customLong("timeout")],
        help: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10).") var time: Int?
    @Option(
        name: [.customShort("s"), .long], help: "Signal to send first (default: the image's STOPSIGNAL, else SIGTERM).")
    var signal: String?
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.stop($0, timeout: time, signal: signal) }
    }
}

struct ContainerRestart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Stop, then start containers.")
    @Option(
        name: [.customShort("t"), .customLong("time"), .customLong("timeout")], help: "Seconds to wait before SIGKILL.")
    var time: Int?
    @Option(
        name: [.customShort("s"), .long], help: "Signal to stop with (default: the image's STOPSIGNAL, else SIGTERM).")
    var signal: String?
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.restart($0, timeout: time, signal: signal) }
    }
}

struct ContainerKill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill", abstract: "Send a signal (default SIGKILL) to running containers.")
    @Option(name: [.customShort("s"), .long], help: "Signal (name or number).") var signal = "SIGKILL"
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.kill($0, signal: signal) }
    }
}

struct ContainerWait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Block until containers stop; print their exit codes.")
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers, print: false) { print(try engine.wait($0)) }
    }
}

struct ContainerRename: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a container.")
    @Argument(help: "The container.") var container: String
    @Argument(help: "Its new name.") var newName: String

    func run() throws {
        let engine = SkiffContext.engine()
        try engine.renameContainer(container, to: newName)
    }
}
