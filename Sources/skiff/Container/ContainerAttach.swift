import ArgumentParser
import SkiffKit
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

struct ContainerAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Attach to a running container's output (and input); Ctrl-P Ctrl-Q detaches.")
    @Flag(name: .customLong("no-stdin"), help: "Do not send input.") var noStdin = false
    @Argument(help: "The container.") var container: String

    func run() throws {
        let engine = SkiffContext.engine()
        let c = try engine.container(container)
        guard c.status == .running else { throw KitError.notRunning(c.name) }
        let fd = try engine.attach(c)
        let code = try AttachSession.run(
            engine: engine, container: c, fd: fd, stdin: !noStdin && (c.openStdin == true || c.tty == true))
        throw ExitCode(code)
    }
}

/// The client side of the monitor's attach socket: frames (`AttachFrameDecoder`) to stdout/stderr; our stdin to the socket. With a terminal: raw mode, and Ctrl-P
/// Ctrl-Q detaches. Returns the container's exit code once it stops (or 0 after a detach).
enum AttachSession {
    static func run(
        engine: Engine, container: Container, fd: Int32, stdin sendInput: Bool, streams: AttachStreams = AttachStreams()
    ) throws -> Int32 {
        defer { close(fd) }
        let tty = container.tty == true
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
        var lastWasCtrlP = false
        var buf = [UInt8](repeating: 0, count: 32768)
        var detached = false
        loop: while true {
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stdinOpen ? STDIN_FILENO : -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue }; break }
            if fds[0].revents != 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                for frame in frames.feed(buf[0..<n]) {
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
                    // Docker's detach keys: Ctrl-P Ctrl-Q.
                    for (i, b) in data.enumerated() {
                        if lastWasCtrlP && b == 0x11 { data = Array(data[..<max(0, i - 1)]); detached = true; break }
                        lastWasCtrlP = b == 0x10
                    }
                }
                try? FileIO.writeAll(fd: fd, bytes: data)
                if detached { break loop }
            }
        }
        if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved); raw = false }
        if detached {
            FileHandleStderr.write("\r\nread escape sequence\r\n")
            return 0
        }
        return try engine.wait(container.id)
    }
}
