#if canImport(Glibc)
import Glibc
#endif

/// Helper programs (tar, credential helpers): spawn with an argv, an environment and stdio, wait, or
/// run to completion with the output captured. Every child gets `SpawnAttributes` (default signal
/// dispositions, an empty mask). Not for containers (CSkiff's clone path) or the monitor.
public enum Subprocess {
    /// Where a child's stdin, stdout or stderr goes.
    public enum Stdio: Sendable {
        case inherit
        case null
        case fd(Int32)
    }

    /// How a child ended.
    public struct Status: Sendable, Equatable, CustomStringConvertible {
        /// The raw wait status, as waitpid gives it.
        public var raw: Int32
        public var signal: Int32? { raw & 0x7f == 0 ? nil : raw & 0x7f }
        public var exitCode: Int32 { signal == nil ? (raw >> 8) & 0xff : 128 + raw & 0x7f }
        public var description: String { signal.map { "killed by signal \($0)" } ?? "exit status \(exitCode)" }
    }

    /// A finished child's status and what it wrote.
    public struct Output: Sendable {
        public var status: Status
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Start `argv[0]` (a path; or `executable`, when argv[0] is only the name the program sees) with
    /// `argv`; `environment` nil inherits ours. Returns its pid.
    public static func spawn(
        _ argv: [String], executable: String? = nil, environment: [String]? = nil,
        stdin: Stdio = .inherit, stdout: Stdio = .inherit,
        stderr: Stdio = .inherit
    ) throws(SystemError) -> pid_t {
        let path = executable ?? argv[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stdio) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stdio {
            case .inherit: break
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .fd(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        let attributes = SpawnAttributes()
        let cargv = argv.map { strdup($0) } + [nil]
        defer { cargv.forEach { free($0) } }
        let cenv = environment.map { $0.map { strdup($0) } + [nil] }
        defer { cenv?.forEach { free($0) } }
        var pid: pid_t = 0
        let rc: Int32
        if var cenv {
            rc = posix_spawn(&pid, path, &actions, &attributes.attr, cargv, &cenv)
        } else {
            rc = posix_spawn(&pid, path, &actions, &attributes.attr, cargv, environ)
        }
        if rc != 0 { throw SystemError("run", path: path, errno: rc) }
        return pid
    }

    /// Wait for a child (retrying EINTR).
    public static func wait(_ pid: pid_t) throws(SystemError) -> Status {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw SystemError("waitpid") }
        }
        return Status(raw: status)
    }

    /// Run `argv` with `input` on stdin, collecting stdout and stderr. The three are Unix socket pairs,
    /// made close-on-exec atomically (a child spawned by another thread meanwhile cannot inherit our ends
    /// and hold them open); one poll loop feeds stdin and drains stdout and stderr together, so no side
    /// waits on another, and `send(MSG_NOSIGNAL)` makes a child that does not read its stdin an EPIPE,
    /// not a SIGPIPE.
    public static func run(_ argv: [String], input: [UInt8] = [], environment: [String]? = nil) throws(SystemError)
        -> Output
    {
        var pairs: [[Int32]] = []
        defer { for pair in pairs { for fd in pair where fd >= 0 { close(fd) } } }
        for _ in 0..<3 {
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                throw SystemError("socketpair")
            }
            pairs.append(pair)
        }
        let spawned: Result<pid_t, SystemError>
        do throws(SystemError) {
            spawned = .success(
                try spawn(
                    argv, environment: environment, stdin: .fd(pairs[0][1]),
                    stdout: .fd(pairs[1][1]), stderr: .fd(pairs[2][1])))
        } catch { spawned = .failure(error) }
        for i in pairs.indices {
            close(pairs[i][1])
            pairs[i][1] = -1
        }
        let pid = try spawned.get()

        // From here on the fds are the poll set's: -1 once done (poll skips negative fds).
        var fds = pairs.enumerated().map { i, pair in
            pollfd(fd: pair[0], events: Int16(i == 0 ? POLLOUT : POLLIN), revents: 0)
        }
        pairs = []
        func finish(_ i: Int) {
            close(fds[i].fd)
            fds[i].fd = -1
        }
        if input.isEmpty { finish(0) }
        var written = 0
        var output: [[UInt8]] = [[], [], []]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                let e = SystemError("poll")
                for i in fds.indices where fds[i].fd >= 0 { finish(i) }
                kill(pid, SIGKILL)
                _ = try? wait(pid)
                throw e
            }
            if fds[0].fd >= 0 && fds[0].revents != 0 {
                let n = input[written...].withUnsafeBytes {
                    send(fds[0].fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if n > 0 { written += n }
                // Everything sent, or the child will not take it (EPIPE…): its stdin ends here.
                if written == input.count || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
                    finish(0)
                }
            }
            for i in 1...2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, &buffer, buffer.count)
                if n > 0 {
                    output[i] += buffer[0..<n]
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    finish(i)
                }
            }
        }
        return Output(status: try wait(pid), stdout: output[1], stderr: output[2])
    }
}
