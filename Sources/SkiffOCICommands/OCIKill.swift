import ArgumentParser
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

struct OCIKill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill", abstract: "Send a signal to a container's process.")
    @Flag(name: [.short, .long], help: "Signal every process in the container's cgroup.") var all = false
    @Argument(help: "The container id.") var id: String
    @Argument(help: "Signal name or number (default SIGTERM).") var signal: String = "SIGTERM"

    func run() throws {
        let number: Int32
        // Signal 0 only checks that the process exists (runc accepts it, `kill --all ID 0` included).
        if signal == "0" {
            number = 0
        } else {
            do { number = try Signals.parse(signal) } catch { throw ValidationError(error.description) }
        }
        try OCIContext.runtime().kill(id: id, signal: number, all: all)
    }
}

struct OCIDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove a container (and its cgroup).")
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

/// runc's `ps`: `--format json` prints the container's pids; the table is the host's `ps` (default
/// `-ef`, or the arguments after the id) cut down to the header and the container's processes.
struct OCIPs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the processes of a container.")
    @Option(name: [.short, .long], help: "table or json") var format: String = "table"
    @Argument(help: "The container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "Options for ps(1) (default -ef).") var psArguments: [String] = []

    func run() throws {
        let pids = try OCIContext.runtime().processes(id: id)
        switch format {
        // runc's one line (Go's json.Encoder), which callers read line by line: [PID,PID]
        case "json": print("[" + pids.map { String($0) }.joined(separator: ",") + "]")
        case "table":
            let args = psArguments.first == "--" ? Array(psArguments.dropFirst()) : psArguments
            guard let ps = ["/usr/bin/ps", "/bin/ps"].first(where: { (path: String) in access(path, X_OK) == 0 }) else {
                throw ValidationError("ps(1) is not installed: use --format json")
            }
            let output = try Subprocess.run([ps] + (args.isEmpty ? ["-ef"] : args))
            guard output.status.exitCode == 0 else {
                throw ValidationError(
                    "ps \(args.joined(separator: " ")): \(String(decoding: output.stderr, as: UTF8.self))")
            }
            let lines = String(decoding: output.stdout, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            guard let header = lines.first, let column = header.split(separator: " ").firstIndex(of: "PID") else {
                throw ValidationError("ps \(args.joined(separator: " ")): its output has no PID column")
            }
            print(header)
            let wanted = Set(pids)
            for line in lines.dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > column, let pid = Int32(fields[column]), wanted.contains(pid) { print(line) }
            }
        default: throw ValidationError("--format: expected table or json, got \"\(format)\"")
        }
    }
}
