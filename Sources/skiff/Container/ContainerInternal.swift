import ArgumentParser
import SkiffExplain
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// `skiff container-internal …`: what the monitor (skiff-monitor) runs. Not for people.
struct ContainerInternal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container-internal", abstract: "Helpers the container monitor runs.", shouldDisplay: false,
        subcommands: [Start.self, Exited.self, Health.self, Reap.self])

    /// Launch the container; report "ok <pid>" or "err <message>" on fd 3.
    struct Start: ParsableCommand {
        // Named explicitly: ArgumentParser derives a missing name by demangling the type, ~0.5 ms per
        // command line (the whole tree is walked on every parse).
        static let configuration = CommandConfiguration(commandName: "start")
        @Argument var id: String
        @Flag var restart = false

        func run() throws {
            // The monitor reads fd 3 to its end: no tool this helper runs (ip, nft…) may hold it open.
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            let engine = SkiffContext.engine()
            // --explain of the starting command: its events are saved before the answer it waits for.
            let explaining = engine.takeExplanationRequest(id: id)
            if explaining { ExplainRecorder.shared.begin() }
            func handOver() { if explaining { engine.saveExplanation(id: id, ExplainRecorder.shared.end().events) } }
            do {
                let pid = try engine.internalStart(id: id, restart: restart)
                handOver()
                report("ok \(pid)\n")
            } catch {
                handOver()
                report("err \(error)\n")
                throw ExitCode(1)
            }
        }

        func report(_ text: String) {
            var bytes = Array(text.utf8)
            _ = bytes.withUnsafeMutableBytes { write(3, $0.baseAddress, $0.count) }
        }
    }

    /// Record the exit; print "restart <ms>" or "done" for the monitor.
    struct Exited: ParsableCommand {
        // Named explicitly: ArgumentParser derives a missing name by demangling the type, ~0.5 ms per
        // command line (the whole tree is walked on every parse).
        static let configuration = CommandConfiguration(commandName: "exited")
        @Argument var id: String
        @Argument var code: Int32
        @Argument var signal: Int32
        @Argument var finishedAt: String

        func run() throws {
            let engine = SkiffContext.engine()
            let answer: String
            do {
                switch try engine.internalExited(id: id, code: code, signal: signal, finishedAt: finishedAt) {
                case .done: answer = "done\n"
                case .restart(let ms): answer = "restart \(ms)\n"
                }
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                answer = "done\n"
            }
            var bytes = Array(answer.utf8)
            _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
        }
    }

    /// One healthcheck probe, recorded in the container's State.Health.
    struct Health: ParsableCommand {
        // Named explicitly: ArgumentParser derives a missing name by demangling the type, ~0.5 ms per
        // command line (the whole tree is walked on every parse).
        static let configuration = CommandConfiguration(commandName: "health")
        @Argument var id: String

        func run() throws {
            // The exit status tells the monitor whether the check passed.
            if try !SkiffContext.engine().runHealthProbe(id: id) { throw ExitCode(1) }
        }
    }

    /// A test session's reaper (skiff-monitor -R): remove everything labelled KEY=VALUE.
    struct Reap: ParsableCommand {
        // Named explicitly: ArgumentParser derives a missing name by demangling the type, ~0.5 ms per
        // command line (the whole tree is walked on every parse).
        static let configuration = CommandConfiguration(commandName: "reap")
        @Argument var label: String

        func run() throws {
            let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("reap: expected KEY=VALUE, got \(label)")
            }
            let failures = SkiffContext.engine().removeLabelled(key: parts[0], value: parts[1])
            for f in failures { FileHandleStderr.write("reap: \(f)\n") }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
