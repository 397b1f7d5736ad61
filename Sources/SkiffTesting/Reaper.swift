import Foundation
import SkiffKit
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The session's reaper: `skiff-monitor -R` (see Sources/skiff-monitor/main.c), watching this process
/// through a pidfd. It runs `skiff container-internal reap skiff.testing.session=<id>` once this
/// process is gone, or on SIGTERM while the session's directory still exists.
enum Reaper {
    /// Spawn it and wait for its "ok <pid>" (it has its pidfd of us by then). Returns its pid.
    static func start(root: String, directory: String, label: String) throws(SkiffTestingError) -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .engine("pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(fds[0]) }
        let args = [Engine.monitorPath, "-R", "-s", Engine.skiffPath, "-d", directory, "-p", "\(getpid())", label]
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = root
        let pid: pid_t
        do {
            defer { close(fds[1]) }
            pid = try spawn(args, environment: env.map { "\($0.key)=\($0.value)" }, fd3: fds[1])
        }
        // Its first process forks the reaper and exits at once.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        var report: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 256)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            report += buf[0..<n]
        }
        let text = String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("ok "), let reaper = Int32(text.dropFirst(3)) else {
            throw .engine("the session's reaper (\(Engine.monitorPath) -R) did not start: \(text.isEmpty ? "no report" : text)")
        }
        return reaper
    }

    /// Stop it after the session cleaned up itself (it exits without reaping: the directory is gone),
    /// and wait until it has (a second at most), so no process of the session outlives it.
    static func stop(pid: Int32) {
        guard let process = PidFD(pid: pid) else { return }
        _ = process.signal(SIGTERM)
        _ = process.waitForExit(timeout: 1)
    }

    private static func spawn(_ args: [String], environment: [String], fd3: Int32) throws(SkiffTestingError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_adddup2(&actions, fd3, 3)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Not in the test run's process group: a ^C to `swift test` must not stop the cleanup.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, &attr, &argv, &envp)
        guard rc == 0 else { throw .engine("cannot run \(args[0]): \(String(cString: strerror(rc)))") }
        return pid
    }
}
