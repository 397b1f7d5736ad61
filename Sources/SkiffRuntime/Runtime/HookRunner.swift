import CSkiff
import SkiffOCI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The OCI hooks the runtime runs in its own namespaces (prestart, createRuntime, poststart, poststop),
/// as runtime-spec config.md has them: `path` exec'd with `args` as its whole argv and `env` as its
/// whole environment (the runtime's when absent), the container's state JSON on stdin, killed after
/// `timeout` seconds. createContainer and startContainer run in the container (ChildHooks).
public enum HookRunner {
    public enum Kind: String, Sendable {
        case prestart, createRuntime, createContainer, startContainer, poststart, poststop
    }

    /// A hook that failed: which, and how (exit status, signal, timeout; with the start of its output).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var kind: Kind
        public var path: String
        public var reason: String
        public var description: String { "\(kind.rawValue) hook \(path): \(reason)" }
    }

    /// Run `hooks` in order; stop at the first that fails.
    public static func run(_ hooks: [Hook], kind: Kind, state: State) throws(Failure) {
        guard !hooks.isEmpty else { return }
        let json = (try? JSONEncoder().encode(state)).map { Array($0) } ?? []
        for hook in hooks {
            if let reason = runOne(hook, input: json) { throw Failure(kind: kind, path: hook.path, reason: reason) }
        }
    }

    /// Run every hook in order whatever the ones before did, and return the failures: poststart and
    /// poststop, where a failing hook is a warning and "the remaining hooks and lifecycle continue as if
    /// the hook had succeeded" (runtime-spec config.md).
    public static func runEach(_ hooks: [Hook], kind: Kind, state: State) -> [Failure] {
        guard !hooks.isEmpty else { return [] }
        let json = (try? JSONEncoder().encode(state)).map { Array($0) } ?? []
        return hooks.compactMap { hook in
            runOne(hook, input: json).map { Failure(kind: kind, path: hook.path, reason: $0) }
        }
    }

    /// Run one hook; nil when it exited 0, else why it failed.
    static func runOne(_ hook: Hook, input: [UInt8]) -> String? {
        var stdinPair: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0 else {
            return SystemError("socketpair").description
        }
        defer { stdinPair.filter { $0 >= 0 }.forEach { close($0) } }
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &output) == 0 else {
            return SystemError("socketpair").description
        }
        defer { output.filter { $0 >= 0 }.forEach { close($0) } }

        let argv = (hook.args ?? []).isEmpty ? [hook.path] : hook.args!
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(
                argv, executable: hook.path, environment: hook.env, stdin: .fd(stdinPair[1]),
                stdout: .fd(output[1]), stderr: .fd(output[1]))
        } catch {
            return "cannot execute: \(errnoText(error.errno))"
        }
        close(stdinPair[1]); stdinPair[1] = -1
        close(output[1]); output[1] = -1
        // The state is small; a hook that does not read it gets EPIPE on our side, not a SIGPIPE.
        _ = input.withUnsafeBytes { send(stdinPair[0], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(stdinPair[0]); stdinPair[0] = -1

        let pidfd = cskiff_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        let deadline = (hook.timeout ?? 0) > 0 ? monotonicMilliseconds() + Int64(hook.timeout!) * 1000 : nil
        var kept: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var fds = [
            pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: output[0], events: Int16(POLLIN), revents: 0),
        ]
        var timedOut = false
        while pidfd >= 0 {
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - monotonicMilliseconds()
                if left <= 0 { timedOut = true; break }
                wait = Int32(clamping: left)
            }
            let n = poll(&fds, nfds_t(fds[1].fd >= 0 ? 2 : 1), wait)
            if n < 0 && errno != EINTR { break }
            if n <= 0 { continue }
            if fds[1].fd >= 0 && fds[1].revents != 0 {
                let r = read(output[0], &buffer, buffer.count)
                if r > 0 {
                    if kept.count < 4096 { kept += buffer[0..<r] }
                } else if r == 0 || errno != EINTR {
                    fds[1].fd = -1
                }
            }
            if fds[0].revents & Int16(POLLIN) != 0 { break }
        }
        if timedOut { kill(pid, SIGKILL) }
        let status: Subprocess.Status
        do { status = try Subprocess.wait(pid) } catch { return error.description }
        // What it wrote before it exited; its own children may hold the pipe open, so no wait for EOF.
        if fds[1].fd >= 0 {
            _ = fcntl(output[0], F_SETFL, O_NONBLOCK)
            while kept.count < 4096 {
                let r = read(output[0], &buffer, buffer.count)
                if r <= 0 { break }
                kept += buffer[0..<r]
            }
        }
        if !timedOut && status.signal == nil && status.exitCode == 0 { return nil }
        var reason = timedOut ? "timed out after \(hook.timeout!)s (killed)" : status.description
        // The signal's meaning too, as runc reports it ("bad system call" for a seccomp kill).
        if !timedOut, let signal = status.signal, let name = strsignal(signal) {
            reason += " (\(String(cString: name).lowercased()))"
        }
        let text = String(decoding: kept.prefix(400), as: UTF8.self)
            .split(whereSeparator: \.isNewline).map { $0.drop { $0 == " " } }.filter { !$0.isEmpty }.joined(
                separator: " ")
        if !text.isEmpty { reason += ": " + text }
        return reason
    }

    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
