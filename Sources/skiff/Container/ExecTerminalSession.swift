import SkiffKit
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `exec -t` in the foreground: the client of the terminal its exec waiter holds (`HeldTerminal`). Our
/// stdin goes to the terminal (with -i, in raw mode), what the process prints to our stdout, our window's
/// size to the terminal; SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the process. The
/// detach keys leave it running: Docker's "read escape sequence" error (1), and the waiter records its
/// exec_die when it ends. Otherwise returns the process's exit status once the waiter says it ended, with
/// its exec_die recorded.
enum ExecTerminalSession {
    static func run(_ held: HeldTerminal, engine: Engine, input: Bool, detachKeys: DetachKeys) -> Int32 {
        defer { held.close() }
        let signals = try? ForwardedSignals()
        let window = WindowSizeWatch()
        let process = PidFD(pid: held.pid)
        func followWindow() {
            guard let size = window?.size else { return }
            var ws = winsize(ws_row: size.rows, ws_col: size.columns, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(held.master, UInt(TIOCSWINSZ), &ws)
        }
        followWindow()
        var saved = termios()
        var raw = false
        if input && isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0 {
            var t = saved
            cfmakeraw(&t)
            raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0
        }
        defer { if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) } }
        var keys = detachKeys
        var stdinOpen = input
        var masterOpen = true
        var buf = [UInt8](repeating: 0, count: 32768)
        func copyOutput() -> Bool {
            let n = read(held.master, &buf, buf.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { return true }
            // EIO once nothing holds the terminal's other side.
            if n <= 0 { return false }
            try? FileIO.writeAll(fd: STDOUT_FILENO, bytes: Array(buf[0..<n]))
            return true
        }
        var detached = false
        while true {
            var fds = [
                pollfd(fd: held.channel, events: Int16(POLLIN), revents: 0),
                pollfd(fd: masterOpen ? held.master : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stdinOpen ? STDIN_FILENO : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals?.fd ?? -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: window?.fd ?? -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 5, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[4].revents != 0 {
                window?.take()
                followWindow()
            }
            if fds[3].revents != 0, let sig = signals?.take() { process?.signal(sig) }
            if fds[1].revents != 0 { masterOpen = copyOutput() }
            if fds[2].revents != 0 {
                let n = read(STDIN_FILENO, &buf, buf.count)
                if n <= 0 {
                    if n == 0 || (errno != EINTR && errno != EAGAIN) { stdinOpen = false }
                } else {
                    let (forward, detach) = keys.feed(Array(buf[0..<n]))
                    try? FileIO.writeAll(fd: held.master, bytes: forward)
                    if detach {
                        detached = true
                        break
                    }
                }
            }
            // The waiter says the process ended (or is gone itself).
            if fds[0].revents != 0 { break }
        }
        if detached {
            if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
            raw = false
            FileHandleStderr.write("\r\nread escape sequence\r\n")
            return 1
        }
        guard let (code, signal) = held.readExit() else {
            if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
            raw = false
            FileHandleStderr.write("Error: the exec waiter (\(Engine.monitorPath) -E) ended without the exit status\n")
            return 125
        }
        // What the process printed last, before its exit is reported.
        while masterOpen {
            var p = pollfd(fd: held.master, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 0) <= 0 { break }
            masterOpen = copyOutput()
        }
        held.recordExit(in: engine, code: code, signal: signal)
        return code >= 0 ? code : 128 + signal
    }
}
