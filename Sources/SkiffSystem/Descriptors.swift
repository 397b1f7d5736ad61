import CSystem

/// Descriptors the Glibc module does not make: close-on-exec sweeps, eventfds, non-blocking pipes.
public enum Descriptors {
    /// Every descriptor from `first` on closes at this process's next execve.
    public static func closeOnExec(from first: Int32) {
        _ = csys_cloexec_from(UInt32(first))
    }

    /// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), or -1 with errno.
    public static func eventFD() -> Int32 { csys_eventfd() }

    /// A close-on-exec pipe (read end, write end), its ends non-blocking with `nonBlocking`; nil with errno.
    public static func pipe(nonBlocking: Bool) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard csys_pipe(&fds, nonBlocking ? 1 : 0) == 0 else { return nil }
        return (fds[0], fds[1])
    }
}
