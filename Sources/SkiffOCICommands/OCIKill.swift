import ArgumentParser
import SkiffRuntime

struct OCIKill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to a container's process.")
    @Flag(name: [.short, .long], help: "Signal every process in the container's cgroup.") var all = false
    @Argument(help: "The container id.") var id: String
    @Argument(help: "Signal name or number (default SIGTERM).") var signal: String = "SIGTERM"

    func run() throws {
        let number: Int32
        do { number = try Signals.parse(signal) } catch { throw ValidationError(error.description) }
        try OCIContext.runtime().kill(id: id, signal: number, all: all)
    }
}

struct OCIDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a container (and its cgroup).")
    @Flag(name: [.short, .long], help: "Kill a running container first.") var force = false
    @Argument(help: "The container id.") var id: String

    func run() throws {
        do {
            try OCIContext.runtime().delete(id: id, force: force)
        } catch RuntimeError.notFound where force {
            // runc delete --force of a missing container is not an error.
        }
    }
}

struct OCIPs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the processes of a container.")
    @Option(name: [.short, .long], help: "table or json") var format: String = "table"
    @Argument(help: "The container id.") var id: String

    func run() throws {
        let pids = try OCIContext.runtime().processes(id: id)
        switch format {
        case "json": try OCIContext.printJSON(pids)
        case "table":
            print("PID")
            pids.forEach { print($0) }
        default: throw ValidationError("--format: expected table or json, got \"\(format)\"")
        }
    }
}
