import ArgumentParser
import SkiffKit
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

struct ContainerAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Attach to a running container's output (and input); Ctrl-P Ctrl-Q detaches.")
    @Flag(name: .customLong("no-stdin"), help: "Do not send input.") var noStdin = false
    @Option(name: .customLong("sig-proxy"), help: "Proxy received signals to the process (non-TTY).")
    var sigProxy = true
    @Option(name: .customLong("detach-keys"), help: "The key sequence that detaches (default ctrl-p,ctrl-q).")
    var detachKeys: String?
    @Argument(help: "The container.") var container: String

    func run() throws {
        let keys = try detachKeys.map { try DetachKeys(parsing: $0) } ?? DetachKeys.configured()
        let engine = SkiffContext.engine()
        let c = try engine.container(container)
        guard c.status == .running else { throw KitError.notRunning(c.name) }
        let fd = try engine.attach(c)
        let code = try AttachSession.run(
            engine: engine, container: c, fd: fd, stdin: !noStdin && (c.openStdin == true || c.tty == true),
            detachKeys: keys, sigProxy: sigProxy, detachIsError: true)
        throw ExitCode(code)
    }
}

/// The client side of the monitor's attach socket: frames (`AttachFrameDecoder`) to stdout/stderr; our stdin to the socket. With a terminal: raw mode, and the
/// detach keys (Ctrl-P Ctrl-Q) detach. Without one, SIGINT and SIGTERM go to the container (`sigProxy`, Docker's
/// --sig-proxy); otherwise they end the attach and leave the container running. Returns the container's exit
/// code once it stops (after a detach: 1 for `attach`, as Docker's, else 0; 128+N after signal N ended the attach).
enum AttachSession {
    static func run(
        engine: Engine, container: Container, fd: Int32, stdin sendInput: Bool,
        streams: AttachStreams = AttachStreams(),
        detachKeys: DetachKeys = .standard, sigProxy: Bool = true, detachIsError: Bool = false
    ) throws -> Int32 {
        defer { close(fd) }
        // SIGINT and SIGTERM are blocked in every thread (main): take them here.
        let signals = try? TerminationSignals()
        var keys = detachKeys
        let tty = container.tty == true
        // The container's terminal follows our window, from now on.
        let window = tty ? WindowSizeWatch() : nil
        func tellWindowSize() {
            if let size = window?.size { engine.resizeTerminal(container, rows: size.rows, columns: size.columns) }
        }
        tellWindowSize()
        var saved = termios()
        var raw = false
        if tty && sendInput && isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0 {
            var t = saved
            cfmakeraw(&t)
            raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0
        }
        defer { if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) } }
        var stdinOpen = sendInput
        var frames = AttachFrameDecoder()
        var buf = [UInt8](repeating: 0, count: 32768)
        var detached = false
        var endedBy: Int32 = 0
        var exitStatus: Int32?
        loop: while true {
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stdinOpen ? STDIN_FILENO : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals?.fd ?? -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: window?.fd ?? -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 4, -1) < 0 { if errno == EINTR { continue }; break }
            if fds[3].revents != 0 {
                window?.take()
                tellWindowSize()
            }
            if fds[2].revents != 0 {
                if let sig = signals?.take() {
                    if sigProxy && !tty {
                        try? engine.kill(container.id, signal: "\(sig)")
                    } else {
                        endedBy = sig
                        break loop
                    }
                }
            }
            if fds[0].revents != 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                for frame in frames.feed(buf[0..<n]) {
                    if frame.stream == .exit {
                        exitStatus = frame.exitStatus
                        continue
                    }
                    if !(frame.stream == .stderr ? streams.stderr : streams.stdout) { continue }
                    try? FileIO.writeAll(fd: frame.stream == .stderr ? STDERR_FILENO : STDOUT_FILENO, bytes: frame.data)
                }
            }
            if stdinOpen && fds[1].revents != 0 {
                let n = read(STDIN_FILENO, &buf, buf.count)
                if n <= 0 {
                    stdinOpen = false
                    shutdown(fd, Int32(SHUT_WR))
                    continue
                }
                var data = Array(buf[0..<n])
                if tty {
                    // Docker's detach keys (the daemon looks for them only on a terminal).
                    (data, detached) = keys.feed(data)
                }
                try? FileIO.writeAll(fd: fd, bytes: data)
                if detached { break loop }
            }
        }
        if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved); raw = false }
        if detached {
            // Docker's attach ends with the "read escape sequence" error (1); run and start end quietly.
            if detachIsError {
                FileHandleStderr.write("\r\nread escape sequence\r\n")
                return 1
            }
            FileHandleStderr.write("\r\n")
            return 0
        }
        if endedBy != 0 { return 128 + endedBy }
        // The monitor's last frame says how it ended; a --rm container's record may be gone already.
        if let exitStatus { return exitStatus }
        return try engine.wait(container.id)
    }
}
