import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// The caller's terminal window and its changes (SIGWINCH, as a descriptor to poll with others), for a
/// client attached to a container's terminal that it does not hold itself: it tells each size to the
/// container's monitor. skiff's main blocks SIGWINCH in every thread, so it waits here until taken.
public final class WindowSizeWatch: @unchecked Sendable {
    /// The signalfd, readable after the window changed size.
    public let fd: Int32
    private let terminal: Int32

    /// Watch the window of the terminal `terminal` (stdin by default); nil when it is no terminal.
    public init?(terminal: Int32 = STDIN_FILENO) {
        guard isatty(terminal) == 1 else { return nil }
        fd = csys_window_signalfd()
        if fd < 0 { return nil }
        self.terminal = terminal
    }

    /// Take the pending change, if any.
    public func take() { while csys_read_signal(fd) > 0 {} }

    /// The window's size now, nil when unknown (a size of 0 × 0 is no size).
    public var size: (rows: UInt16, columns: UInt16)? { Self.size(of: terminal) }

    /// The size of the terminal `fd`'s window; nil when it is no terminal or has no size.
    public static func size(of fd: Int32) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard csys_window_size(fd, &rows, &columns) == 0, rows > 0, columns > 0 else { return nil }
        return (rows, columns)
    }

    deinit { close(fd) }
}
