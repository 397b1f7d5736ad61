import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What an adopted start (`AdoptedStart`) makes for the monitor it is about to become, so that it can
/// report the start before the monitor's exec: the endpoints a caller's next command talks to, made in
/// the container's directory (the current one), and the report itself. skiff-monitor takes the
/// endpoints at these fds (`-L`, `-C`) instead of making its own.
enum MonitorHandover {
    static let listenerFD: Int32 = 7
    static let ctlFD: Int32 = 8

    /// attach.sock, listening (the monitor's backlog); -1 if it cannot be made (the monitor then tries).
    static func attachListener() -> Int32 {
        unlink("attach.sock")
        return UnixSocketAddress.listen(at: "attach.sock", backlog: 16)
    }

    /// `ctl`, the FIFO a terminal's attach clients write window sizes to (conmon's), open for reading
    /// and writing so that it never reads end-of-file; -1 if it cannot be made (the monitor then tries).
    static func resizeFIFO() -> Int32 {
        unlink("ctl")
        guard mkfifo("ctl", 0o600) == 0 else { return -1 }
        return open("ctl", O_RDWR | O_NONBLOCK | O_CLOEXEC)
    }

    /// The monitor's own words for a start: "ok PID [WATCH]".
    static func report(started pid: Int32, watch: String?, to readyFD: Int32) {
        let bytes = Array(("ok \(pid)" + (watch.map { " " + $0 } ?? "") + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(readyFD, $0.baseAddress, $0.count) }
    }
}
