import SkiffExplain
import SkiffKit
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

/// `skiff container-internal …`: what the monitor (skiff-monitor) runs. Not for people. Table-driven
/// (no ArgumentParser): the monitor starts one for every detached start, exit, healthcheck probe and
/// OOM kill.
enum ContainerInternal {
    static var table: CommandTable {
        CommandTable(
            program: "skiff container-internal", abstract: "Helpers the container monitor runs.",
            commands: [Start.self, Exited.self, Health.self, OOM.self, ExecDied.self, Reap.self],
            takesGlobalFlags: false)
    }

    /// Run `arguments` (the whole command line after the program name); never returns.
    static func run(_ arguments: [String]) -> Never {
        var arguments = arguments
        do {
            try ProcessPrelude.start(&arguments, runsUnsealed: ExecutableSeal.cliCommandRunsUnsealed)
            if arguments.first == "container-internal" { arguments.removeFirst() }
            try table.dispatch(arguments)
            exit(0)
        } catch {
            exit(table.report(error))
        }
    }

    /// Launch the container; report "ok <pid>" or "err <message>" on fd 3.
    struct Start: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "start", "Launch a created container through the runtime and report its pid on fd 3.",
            options: [.flag("restart", help: "A restart by the restart policy.")], operands: [.containerID])
        let id: String
        let restart: Bool

        init(_ a: RuntimeArguments) {
            id = a.operands[0]
            restart = a.flag("restart")
        }

        func run() throws {
            // The monitor reads fd 3 to its end: no tool this helper runs (ip, nft…) may hold it open.
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            let engine = SkiffContext.engine()
            // --explain of the starting command: its events are saved before the answer it waits for.
            let explaining = engine.takeExplanationRequest(id: id)
            if explaining { ExplainRecorder.shared.begin() }
            func handOver() { if explaining { engine.saveExplanation(id: id, ExplainRecorder.shared.end().events) } }
            do {
                let started = try engine.internalStart(id: id, restart: restart)
                handOver()
                // The monitor watches the run's new cgroup for OOM kills (see OOMWatch).
                report(
                    "ok \(started.pid)" + (engine.oomWatch(of: started).map { " " + $0.monitorArgument } ?? "") + "\n")
            } catch {
                handOver()
                report("err \(error)\n")
                throw CommandExit(1)
            }
        }

        func report(_ text: String) {
            var bytes = Array(text.utf8)
            _ = bytes.withUnsafeMutableBytes { write(3, $0.baseAddress, $0.count) }
        }
    }

    /// Record the exit; print "restart <ms>" or "done" for the monitor.
    struct Exited: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "exited", "Record a container's exit; answer \"restart <ms>\" or \"done\".",
            operands: [
                .containerID, RuntimeOperand("code", help: "The exit code."),
                RuntimeOperand("signal", help: "The signal that ended it, or 0."),
                RuntimeOperand("finished-at", help: "When it ended (RFC 3339)."),
            ])
        let id: String
        let code: Int32
        let signal: Int32
        let finishedAt: String

        init(_ a: RuntimeArguments) throws {
            id = a.operands[0]
            guard let code = Int32(a.operands[1]), let signal = Int32(a.operands[2]) else {
                throw CommandLineError("code and signal must be whole numbers", command: Self.spec.name)
            }
            self.code = code
            self.signal = signal
            finishedAt = a.operands[3]
        }

        func run() throws {
            let engine = SkiffContext.engine()
            let answer: String
            do {
                switch try engine.internalExited(id: id, code: code, signal: signal, finishedAt: finishedAt) {
                case .done: answer = "done\n"
                case .restart(let ms): answer = "restart \(ms)\n"
                }
            } catch {
                StandardError.write("Error: \(error)\n")
                answer = "done\n"
            }
            var bytes = Array(answer.utf8)
            _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
        }
    }

    /// A detached exec's process ended (the exec waiter, skiff-monitor -E, saw it): its exec_die.
    struct ExecDied: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "exec-died", "Record a detached exec's exec_die.",
            operands: [
                .containerID, RuntimeOperand("exec-id", help: "The exec's ID."),
                RuntimeOperand("code", help: "The exit code, or -1."),
                RuntimeOperand("signal", help: "The signal that ended it, or 0."),
            ])
        let id: String
        let execID: String
        let code: Int32
        let signal: Int32

        init(_ a: RuntimeArguments) throws {
            id = a.operands[0]
            execID = a.operands[1]
            guard let code = Int32(a.operands[2]), let signal = Int32(a.operands[3]) else {
                throw CommandLineError("code and signal must be whole numbers", command: Self.spec.name)
            }
            self.code = code
            self.signal = signal
        }

        func run() throws {
            SkiffContext.engine().recordExecDied(id: id, execID: execID, code: code, signal: signal)
        }
    }

    /// One healthcheck probe, recorded in the container's State.Health.
    struct Health: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "health", "Run one healthcheck probe; exit 1 when it fails.", operands: [.containerID])
        let id: String

        init(_ a: RuntimeArguments) { id = a.operands[0] }

        func run() throws {
            // The exit status tells the monitor whether the check passed.
            if try !SkiffContext.engine().runHealthProbe(id: id) { throw CommandExit(1) }
        }
    }

    /// The OOM killer killed in the running container's cgroup (the monitor saw its counter grow).
    struct OOM: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "oom", "Record an oom event for each OOM kill not recorded yet.", operands: [.containerID])
        let id: String

        init(_ a: RuntimeArguments) { id = a.operands[0] }

        func run() throws { try SkiffContext.engine().internalOOM(id: id) }
    }

    /// A test session's reaper (skiff-monitor -R): remove everything labelled KEY=VALUE.
    struct Reap: RuntimeCommand {
        static let spec = RuntimeCommandSpec(
            "reap", "Remove everything labelled KEY=VALUE.", operands: [RuntimeOperand("label", help: "KEY=VALUE")])
        let key: String
        let value: String

        init(_ a: RuntimeArguments) throws {
            let parts = a.operands[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CommandLineError("expected KEY=VALUE, got \(a.operands[0])", command: Self.spec.name)
            }
            key = parts[0]
            value = parts[1]
        }

        func run() throws {
            let failures = SkiffContext.engine().removeLabelled(key: key, value: value)
            for f in failures { StandardError.write("reap: \(f)\n") }
            if !failures.isEmpty { throw CommandExit(1) }
        }
    }
}
