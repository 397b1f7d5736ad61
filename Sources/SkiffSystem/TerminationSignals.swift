import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM as a descriptor to poll with others (an attach forwards them to the container, or
/// ends on them). skiff's main blocks both in every thread, so they wait here until taken.
public final class TerminationSignals: @unchecked Sendable {
    /// The signalfd, readable while a signal is pending.
    public let fd: Int32

    public init() throws(SystemError) {
        fd = csys_termination_signalfd()
        if fd < 0 { throw SystemError("signalfd") }
    }

    /// The signal pending, if any.
    public func take() -> Int32? {
        let sig = csys_read_signal(fd)
        return sig > 0 ? sig : nil
    }

    deinit { close(fd) }
}
