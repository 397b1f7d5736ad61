import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket made for one RUN (owned and moded as its `type=ssh` mount asks) whose connections
/// are relayed to an ssh agent's socket, as BuildKit forwards the agent: the container never sees the
/// host's socket or its permissions, and the listener is gone when the RUN ends.
final class SSHAgentProxy: @unchecked Sendable {
    let path: String
    private let listener: Int32

    init(path: String, upstream: String, uid: UInt32, gid: UInt32, mode: mode_t) throws(BuildError) {
        self.path = path
        let fd = UnixSocketAddress.listen(at: path)
        guard fd >= 0 else { throw .engine("ssh forwarding: listen on \(path): \(String(cString: strerror(errno)))") }
        chown(path, uid, gid)
        chmod(path, mode)
        listener = fd
        let listening = fd
        Thread.detachNewThread {
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return  // shut down
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                Thread.detachNewThread { Self.relay(client, to: upstream) }
            }
        }
    }

    /// Stop accepting (connections already made finish on their own) and remove the socket.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    /// Copy both ways until either side closes.
    static func relay(_ client: Int32, to upstream: String) {
        defer { close(client) }
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard server >= 0 else { return }
        defer { close(server) }
        guard UnixSocketAddress.with(upstream, { connect(server, $0, $1) }) == 0 else { return }
        var fds = [
            pollfd(fd: client, events: Int16(POLLIN), revents: 0),
            pollfd(fd: server, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue }; return }
            for (from, to) in [(0, 1), (1, 0)] where fds[from].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[from].fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes {
                        send(fds[to].fd, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL))
                    }
                    if w < 0 { if errno == EINTR { continue }; return }
                    sent += w
                }
            }
        }
    }
}

/// The ssh agents one build reaches, by `--ssh` id: a forwarded socket, or an ssh-agent started for
/// the build with the given keys loaded (stopped by `stop`, by its pid).
final class SSHAgents: @unchecked Sendable {
    private let sources: [String: BuildSSHSource]
    private let environment: [String: String]
    private var sockets: [String: String] = [:]
    private var agents: [(pid: pid_t, directory: String)] = []

    init(sources: [BuildSSHSource], environment: [String: String]) {
        var byID: [String: BuildSSHSource] = [:]
        for s in sources { byID[s.id] = s }
        self.sources = byID
        self.environment = environment
    }

    /// The agent socket for `id`, nil when the build was given no such `--ssh`.
    func socket(for id: String) throws(BuildError) -> String? {
        if let known = sockets[id] { return known }
        guard let source = sources[id] else { return nil }
        var paths = source.paths
        if paths.isEmpty {
            guard let sock = environment["SSH_AUTH_SOCK"], !sock.isEmpty else {
                throw .usage(
                    "--ssh \(id): no socket or key given and SSH_AUTH_SOCK is not set (start ssh-agent, or give --ssh \(id)=KEYFILE)"
                )
            }
            paths = [sock]
        }
        var st = stat()
        let path: String
        if paths.count == 1, stat(paths[0], &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK {
            path = paths[0]
        } else {
            path = try startAgent(id: id, keys: paths)
        }
        sockets[id] = path
        return path
    }

    private func startAgent(id: String, keys: [String]) throws(BuildError) -> String {
        let agent = "/usr/bin/ssh-agent", add = "/usr/bin/ssh-add"
        guard FileIO.exists(agent), FileIO.exists(add) else {
            throw .usage(
                "--ssh \(id): loading key files needs ssh-agent and ssh-add (Debian: apt-get install openssh-client), or give an agent's socket"
            )
        }
        for key in keys where !FileIO.exists(key) {
            throw .usage("--ssh \(id): \(key): no such socket or key file")
        }
        let directory: String
        do { directory = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-ssh-agent-") } catch {
            throw .wrap(error)
        }
        let sock = directory + "/agent.sock"
        let pid: pid_t
        do { pid = try Subprocess.spawn([agent, "-D", "-a", sock], stdin: .null, stdout: .null, stderr: .null) } catch {
            FileIO.removeTree(directory)
            throw .wrap(error)
        }
        agents.append((pid, directory))
        var st = stat()
        for _ in 0..<200 where stat(sock, &st) != 0 { usleep(10_000) }
        let env = ["SSH_AUTH_SOCK=" + sock, "PATH=/usr/bin:/bin"]
        for key in keys {
            let out: Subprocess.Output
            do { out = try Subprocess.run([add, key], environment: env) } catch { throw .wrap(error) }
            guard out.status.exitCode == 0 else {
                throw .usage(
                    "--ssh \(id): ssh-add \(key) failed: \(String(decoding: out.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
                )
            }
        }
        return sock
    }

    func stop() {
        for (pid, directory) in agents {
            kill(pid, SIGTERM)
            _ = try? Subprocess.wait(pid)
            FileIO.removeTree(directory)
        }
        agents = []
    }
}
