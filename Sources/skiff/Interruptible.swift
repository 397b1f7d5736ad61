import ArgumentParser
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Long work that Ctrl-C or SIGTERM cancels (build, pull, load, import, compose up/build/pull/run).
///
/// The first signal cancels (`Cancellation`): transfers abort, tar loops stop, a build's step container
/// is killed, and the work fails through its own error paths, which remove what it had begun (partial
/// blobs, unpack directories, staging areas, step containers with their mounts, cgroups and network).
/// The command then prints "canceled" and exits with the status below. A second signal exits at once,
/// as a second Ctrl-C does in Docker and Podman.
enum Interruptible {
    /// The exit status of a cancelled command.
    enum Status {
        /// Docker's CLI (cmd/docker: a command ended by a signal): 128 + the signal, so 130 for
        /// SIGINT and 143 for SIGTERM.
        case signal
        /// Docker Compose: 130 for either signal.
        case compose

        func code(for signal: Int32) -> Int32 {
            switch self {
            case .signal: return signal > 0 ? 128 + signal : 130
            case .compose: return 130
            }
        }
    }

    /// Run `body` with SIGINT and SIGTERM cancelling it. Once it was cancelled, whatever it returned or
    /// threw, the command ends with `status`'s code. The watch is stopped before this returns, so an
    /// attached container run after it takes the signals itself (and forwards them).
    static func run<T>(_ status: Status = .signal, _ body: () throws -> T) throws -> T {
        let watch = try? TerminationWatch { sig in
            FileHandleStderr.write("\n")
            _exit(status.code(for: sig))
        }
        let result = Result { try body() }
        watch?.stop()
        if Cancellation.isCancelled {
            FileHandleStderr.write("canceled\n")
            throw ExitCode(status.code(for: Cancellation.signal))
        }
        return try result.get()
    }
}
