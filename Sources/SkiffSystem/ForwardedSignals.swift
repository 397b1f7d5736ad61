import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// The signals a foreground process started by skiff is sent when skiff gets them (SIGINT, SIGTERM,
/// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2), as a descriptor to poll with others. skiff's main blocks them in
/// every thread, so they wait here until taken.
public final class ForwardedSignals: @unchecked Sendable {
    /// The signalfd, readable while a signal is pending.
    public let fd: Int32

    public init() throws(SystemError) {
        fd = csys_forwarded_signalfd()
        if fd < 0 { throw SystemError("signalfd") }
    }

    /// The signal pending, if any.
    public func take() -> Int32? {
        let sig = csys_read_signal(fd)
        return sig > 0 ? sig : nil
    }

    deinit { close(fd) }
}
