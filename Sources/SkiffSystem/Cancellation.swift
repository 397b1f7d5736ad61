import CSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The running command's cancellation: set once, by the first SIGINT or SIGTERM a `TerminationWatch`
/// takes (or by `cancel`), never cleared. Long work polls `isCancelled` (or `check()`) between units
/// of work and fails; blocking waits add `wakeFD` to their poll set (it turns readable on cancel), and
/// a transfer aborts from its progress callback. Every failure path already removes what it made
/// (temporary files and directories, step containers), so a cancelled command leaves nothing behind.
public enum Cancellation {
    private static let cancelledBy = Atomic<Int32>(0)

    /// Written to once on cancel and never read: its read end stays readable from then on.
    private static let wakePipe: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        if csys_pipe(&fds, 1) != 0 { return (-1, -1) }
        return (fds[0], fds[1])
    }()

    /// True once the command is cancelled.
    public static var isCancelled: Bool { cancelledBy.load(ordering: .acquiring) != 0 }

    /// The signal that cancelled the command (0: not cancelled; -1: cancelled without a signal).
    public static var signal: Int32 { cancelledBy.load(ordering: .acquiring) }

    /// A descriptor that becomes readable (POLLIN) when the command is cancelled: poll it beside a
    /// descriptor a blocking wait is on. Never read it.
    public static var wakeFD: Int32 { wakePipe.read }

    /// Cancel the command (the first call wins; later ones change nothing).
    public static func cancel(signal: Int32 = -1) {
        let fd = wakePipe.write
        guard
            cancelledBy.compareExchange(
                expected: 0, desired: signal == 0 ? -1 : signal, ordering: .acquiringAndReleasing
            ).exchanged
        else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    /// Throw `SystemError.cancelled` once the command is cancelled.
    public static func check() throws(SystemError) {
        if isCancelled { throw .cancelled }
    }
}

extension SystemError {
    /// The error long work throws when the command was cancelled (ECANCELED).
    public static var cancelled: SystemError { SystemError("canceled", errno: ECANCELED) }

    public var isCancellation: Bool { errno == ECANCELED }
}
