import CSkiff

#if canImport(Glibc)
import Glibc
#endif

/// A handle on a process that stays with it: signals and waits through it never reach a process that
/// later got the same pid (pidfd_open(2)).
public final class PidFD {
    public let fd: Int32

    /// nil when there is no process `pid` (or pidfds are not supported).
    public init?(pid: Int32) {
        fd = cskiff_pidfd_open(pid)
        if fd < 0 { return nil }
    }

    deinit { close(fd) }

    /// Send `signal` to the process. False with errno set when it could not be sent.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        cskiff_pidfd_signal(fd, signal) == 0
    }

    /// Wait up to `timeout` seconds for the process to exit. True when it has (or the wait failed, which
    /// a live process does not cause); false when the time ran out.
    public func waitForExit(timeout: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Self.monotonicSeconds() + timeout
        var left = timeout
        while true {
            // poll takes Int32 milliseconds (about 24 days); a longer timeout waits in rounds.
            let r = poll(&p, 1, Int32(min(max(1, left * 1000), Double(Int32.max))))
            if r > 0 { return true }
            if r < 0 && errno != EINTR { return true }
            left = deadline - Self.monotonicSeconds()
            if left <= 0 { return false }
        }
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
