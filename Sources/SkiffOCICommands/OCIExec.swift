import ArgumentParser
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

struct OCIExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a process in a running container.")

    @Option(name: [.short, .long], help: "A process.json (the spec's process object) instead of COMMAND.")
    var process: String?
    @Flag(name: [.short, .long], help: "Return once the process has started.") var detach = false
    @Option(name: .customLong("pid-file"), help: "Write the process's pid to this file.") var pidFile: String?
    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the terminal's master fd.")
    var consoleSocket: String?
    @Flag(name: [.short, .long], help: "Allocate a terminal.") var tty = false
    @Option(name: .long, help: "Working directory inside the container.") var cwd: String?
    @Option(name: [.short, .long], help: "Set an environment variable (NAME=value).") var env: [String] = []
    @Option(name: [.short, .long], help: "uid[:gid] to run as.") var user: String?
    @Option(name: .customLong("additional-gids"), help: "Extra group ids.") var additionalGids: [UInt32] = []
    @Option(name: [.customShort("c"), .long], help: "Add a capability (e.g. CAP_NET_ADMIN).") var cap: [String] = []
    @Flag(name: .customLong("no-new-privs"), help: "Set no_new_privs.") var noNewPrivs = false
    @Flag(
        name: .customLong("ignore-paused"),
        help: "Exec into a paused container too: the process runs once the container is resumed.")
    var ignorePaused = false
    @Option(name: .customLong("preserve-fds"), help: "Pass this many extra fds to the process.") var preserveFDs:
        Int32 = 0
    @Argument(help: "The container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.") var command: [String] = []

    /// runc's status for a failure of exec itself: 255, so that it cannot be taken for the process's
    /// own exit status (which exec passes on). Usage errors keep ArgumentParser's status.
    static let ownFailureStatus: Int32 = 255

    func run() throws {
        do {
            try execute()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            let line = Array("Error: \(error)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode(Self.ownFailureStatus)
        }
    }

    private func execute() throws {
        let runtime = OCIContext.runtime()
        var proc: Process
        var spec: Spec?
        if let process {
            let bytes = try FileIO.read(process)
            proc = try JSONDecoder().decode(Process.self, from: Data(bytes))
        } else {
            guard !command.isEmpty else { throw ValidationError("exec needs a COMMAND or --process FILE") }
            spec = try runtime.spec(of: id)
            proc = spec?.process ?? Process()
            proc.args = command.first == "--" ? Array(command.dropFirst()) : command
            proc.terminal = tty
            proc.env = (proc.env ?? []) + env
            if let cwd { proc.cwd = cwd }
            if let user {
                let parts = user.split(separator: ":")
                guard let uid = UInt32(parts[0]), parts.count <= 2 else {
                    throw ValidationError("--user: expected uid[:gid], got \"\(user)\"")
                }
                proc.user.uid = uid
                if parts.count == 2 {
                    guard let gid = UInt32(parts[1]) else { throw ValidationError("--user: bad gid in \"\(user)\"") }
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
        if let status = try runtime.exec(id: id, process: proc, options: options, spec: spec), status.shellStatus != 0 {
            throw ExitCode(status.shellStatus)
        }
    }
}
