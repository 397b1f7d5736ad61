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
        do {
            defer { close(fds[1]) }
            try Engine.spawnMonitor(args, readyFD: fds[1], stateRoot: root)
        } catch {
            throw .engine("\(error)")
        }
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
            throw .engine(
                "the session's reaper (\(Engine.monitorPath) -R) did not start: \(text.isEmpty ? "no report" : text)")
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
}
