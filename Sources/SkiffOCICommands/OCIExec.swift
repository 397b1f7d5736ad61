import SkiffOCI
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct OCIExec: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "exec", "Run a process in a running container.",
        options: [
            .value(
                "process", "p", placeholder: "file",
                help: "A process.json (the spec's process object) instead of COMMAND."),
            .flag("detach", "d", help: "Return once the process has started."),
            .value("pid-file", placeholder: "file", help: "Write the process's pid to this file."),
            .value(
                "console-socket", placeholder: "socket", help: "Unix socket that receives the terminal's master fd."),
            .flag("tty", "t", help: "Allocate a terminal."),
            .value("cwd", placeholder: "dir", help: "Working directory inside the container."),
            .value("env", "e", placeholder: "name=value", repeats: true, help: "Set an environment variable."),
            .value("user", "u", placeholder: "uid[:gid]", help: "The user to run as."),
            .value("additional-gids", "g", placeholder: "gid", repeats: true, help: "Extra group ids."),
            .value("cap", "c", placeholder: "cap", repeats: true, help: "Add a capability (e.g. CAP_NET_ADMIN)."),
            .flag("no-new-privs", help: "Set no_new_privs."),
            .flag(
                "ignore-paused",
                help: "Exec into a paused container too: the process runs once the container is resumed."),
            .value("preserve-fds", placeholder: "n", help: "Pass this many extra fds to the process."),
        ],
        operands: [.containerID], rest: RuntimeOperand("command", required: false, help: "Command and arguments."))

    let id: String
    let process: String?
    let detach: Bool
    let pidFile: String?
    let consoleSocket: String?
    let tty: Bool
    let cwd: String?
    let env: [String]
    let user: String?
    let additionalGids: [UInt32]
    let cap: [String]
    let noNewPrivs: Bool
    let ignorePaused: Bool
    let preserveFDs: Int32
    let command: [String]

    init(_ a: RuntimeArguments) throws {
        id = a.operands[0]
        process = a.string("process")
        detach = a.flag("detach")
        pidFile = a.string("pid-file")
        consoleSocket = a.string("console-socket")
        tty = a.flag("tty")
        cwd = a.string("cwd")
        env = a.strings("env")
        user = a.string("user")
        additionalGids = try a.numbers("additional-gids")
        cap = a.strings("cap")
        noNewPrivs = a.flag("no-new-privs")
        ignorePaused = a.flag("ignore-paused")
        preserveFDs = try a.number("preserve-fds") ?? 0
        command = a.rest
        if process == nil && command.isEmpty {
            throw CommandLineError("exec needs a COMMAND or --process FILE", command: Self.spec.name)
        }
    }

    /// runc's status for a failure of exec itself: 255, so that it cannot be taken for the process's
    /// own exit status (which exec passes on). Usage errors exit 1, as runc's do.
    static let ownFailureStatus: Int32 = 255

    func run() throws {
        do {
            try execute()
        } catch let error as CommandExit {
            throw error
        } catch let error as CommandLineError {
            throw error
        } catch {
            StandardError.write("Error: \(error)\n")
            throw CommandExit(Self.ownFailureStatus)
        }
    }

    private func execute() throws {
        let runtime = OCIContext.runtime()
        var proc: Process
        let target: OCIRuntime.ExecTarget
        if let process {
            let bytes = try FileIO.read(process)
            proc = try JSONDecoder().decode(Process.self, from: Data(bytes))
            target = try runtime.execTarget(id: id)
        } else {
            target = try runtime.execTarget(id: id)
            proc = target.spec.process ?? Process()
            proc.args = command
            proc.terminal = tty
            proc.env = (proc.env ?? []) + env
            if let cwd { proc.cwd = cwd }
            if let user {
                let parts = user.split(separator: ":")
                guard let uid = UInt32(parts[0]), parts.count <= 2 else {
                    throw CommandLineError("--user: expected uid[:gid], got \"\(user)\"", command: Self.spec.name)
                }
                proc.user.uid = uid
                if parts.count == 2 {
                    guard let gid = UInt32(parts[1]) else {
                        throw CommandLineError("--user: bad gid in \"\(user)\"", command: Self.spec.name)
                    }
                    proc.user.gid = gid
                }
            }
            if !additionalGids.isEmpty { proc.user.additionalGids = additionalGids }
            if !cap.isEmpty {
                var caps = proc.capabilities ?? LinuxCapabilities()
                caps.bounding = (caps.bounding ?? []) + cap
                caps.effective = (caps.effective ?? []) + cap
                caps.permitted = (caps.permitted ?? []) + cap
                proc.capabilities = caps
            }
            if noNewPrivs { proc.noNewPrivileges = true }
        }
        var options = OCIRuntime.ExecOptions()
        options.detach = detach
        options.pidFile = pidFile
        options.consoleSocket = consoleSocket
        options.preserveFDs = preserveFDs
        options.ignorePaused = ignorePaused
        if let status = try runtime.exec(target, process: proc, options: options), status.shellStatus != 0 {
            throw CommandExit(status.shellStatus)
        }
    }
}
