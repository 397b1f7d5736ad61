import CSkiff
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// A container's terminal, as runc makes it: the child opens /dev/ptmx inside the container (so the
/// process's terminal is /dev/pts/N of the container's own devpts, and `tty` can name it) and sends
/// the master back over a socket pair made here. `child` goes into `LaunchConfig.terminalSocket`;
/// after the child has reported (ready or exec), `receiveMaster` has the master.
struct Terminal {
    private(set) var parent: Int32 = -1
    private(set) var child: Int32 = -1

    init() throws(RuntimeError) {
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 {
            throw .system(SystemError("socketpair for the terminal"))
        }
        parent = fds[0]
        child = fds[1]
    }

    /// Close our copy of the child's end, once the child has it: a child that dies before sending
    /// then reads as end-of-file, not a wait.
    mutating func childStarted() {
        if child >= 0 { Glibc.close(child) }
        child = -1
    }

    /// The size for a terminal: the spec's `consoleSize`, else, for a process run in the foreground, the
    /// caller's own terminal (stdin), as the attached loop keeps it afterwards.
    static func size(_ asked: ConsoleSize?, foreground: Bool) -> LaunchConfig.TerminalSize {
        if let asked { return .init(rows: UInt16(clamping: asked.height), columns: UInt16(clamping: asked.width)) }
        var ws = winsize()
        guard foreground, ioctl(STDIN_FILENO, UInt(TIOCGWINSZ), &ws) == 0 else { return .init() }
        return .init(rows: ws.ws_row, columns: ws.ws_col)
    }

    /// The master the child sent (already sized by the child).
    mutating func receiveMaster() throws(RuntimeError) -> Int32 {
        childStarted()
        let fd = cskiff_recv_fd(parent)
        if fd < 0 {
            if errno == 0 { throw .spawn(.childDied("it exited before sending its terminal")) }
            throw .system(SystemError("receive the container's terminal"))
        }
        return fd
    }

    mutating func close() {
        childStarted()
        if parent >= 0 { Glibc.close(parent) }
        parent = -1
    }
}
