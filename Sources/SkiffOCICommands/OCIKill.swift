import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

struct OCIKill: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "kill", "Send a signal to a container's process.",
        options: [.flag("all", "a", help: "Signal every process in the container's cgroup.")],
        operands: [
            .containerID, RuntimeOperand("signal", required: false, help: "Signal name or number (default SIGTERM)."),
        ])
    let id: String
    let signal: Int32
    let all: Bool

    init(_ a: RuntimeArguments) throws {
        id = a.operands[0]
        all = a.flag("all")
        let name = a.operand(1) ?? "SIGTERM"
        // Signal 0 only checks that the process exists (runc accepts it, `kill --all ID 0` included).
        if name == "0" {
            signal = 0
        } else {
            do { signal = try Signals.parse(name) } catch {
                throw CommandLineError(error.description, command: Self.spec.name)
            }
        }
    }

    func run() throws {
        try OCIContext.runtime().kill(id: id, signal: signal, all: all)
    }
}

struct OCIDelete: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "delete", "Remove a container (and its cgroup).",
        options: [.flag("force", "f", help: "Kill a running container first.")], operands: [.containerID])
    let id: String
    let force: Bool

    init(_ a: RuntimeArguments) {
        id = a.operands[0]
        force = a.flag("force")
    }

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
struct OCIPs: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "ps", "List the processes of a container.",
        options: [.value("format", "f", placeholder: "table|json", help: "table or json")], operands: [.containerID],
        rest: RuntimeOperand("ps-options", required: false, help: "Options for ps(1) (default -ef)."))
    let id: String
    let format: String
    let psArguments: [String]

    init(_ a: RuntimeArguments) {
        id = a.operands[0]
        format = a.string("format") ?? "table"
        psArguments = a.rest
    }

    func run() throws {
        let pids = try OCIContext.runtime().processes(id: id)
        switch format {
        // runc's one line (Go's json.Encoder), which callers read line by line: [PID,PID]
        case "json": print("[" + pids.map { String($0) }.joined(separator: ",") + "]")
        case "table":
            let args = psArguments
            guard let ps = ["/usr/bin/ps", "/bin/ps"].first(where: { (path: String) in access(path, X_OK) == 0 }) else {
                throw CommandLineError("ps(1) is not installed: use --format json")
            }
            let output = try Subprocess.run([ps] + (args.isEmpty ? ["-ef"] : args))
            guard output.status.exitCode == 0 else {
                throw CommandLineError(
                    "ps \(args.joined(separator: " ")): \(String(decoding: output.stderr, as: UTF8.self))")
            }
            let lines = String(decoding: output.stdout, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            guard let header = lines.first, let column = header.split(separator: " ").firstIndex(of: "PID") else {
                throw CommandLineError("ps \(args.joined(separator: " ")): its output has no PID column")
            }
            print(header)
            let wanted = Set(pids)
            for line in lines.dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > column, let pid = Int32(fields[column]), wanted.contains(pid) { print(line) }
            }
        default: throw CommandLineError("--format: expected table or json, got \"\(format)\"")
        }
    }
}
