import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The execs running in a container, as Docker's inspect lists them (ExecIDs): one line per exec,
/// `<exec ID> <host pid> <start time>`, in the container's `running-execs`. Added once the process
/// runs, taken out when it ends (by `skiff exec` for one it waits for, by `container-internal exec-died`
/// for a detached one); a line whose process is gone (its `skiff exec` was killed) is not listed, and
/// is dropped at the next change.
///
/// One file rewritten in place under its lock, not a file per exec: an exec then makes no inode, and on
/// a filesystem that skips recently freed inodes (ext4 without a journal) a file made and removed per
/// exec cost half a millisecond of each `skiff exec` once a few dozen had run.
extension Engine {
    func runningExecsFile(_ containerID: String) -> String { containers.directory(of: containerID) + "/running-execs" }

    func recordExecStarted(containerID: String, execID: String, pid: Int32) {
        guard let start = ProcessInfo.startTime(pid: pid) else { return }
        changeRunningExecs(containerID) { $0.append(RunningExec(id: execID, pid: pid, startTime: start)) }
    }

    func recordExecEnded(containerID: String, execID: String) {
        changeRunningExecs(containerID) { $0.removeAll { $0.id == execID } }
    }

    /// The IDs of the container's execs whose process runs, oldest first; nil when none (Docker's null).
    package func runningExecIDs(_ containerID: String) -> [String]? {
        let path = runningExecsFile(containerID)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        while flock(fd, LOCK_SH) != 0 && errno == EINTR {}
        let live = RunningExec.parse(Self.readAll(fd)).filter(\.isRunning)
        return live.isEmpty ? nil : live.sorted { ($0.startTime, $0.id) < ($1.startTime, $1.id) }.map(\.id)
    }

    private func changeRunningExecs(_ containerID: String, _ change: (inout [RunningExec]) -> Void) {
        let path = runningExecsFile(containerID)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        var execs = RunningExec.parse(Self.readAll(fd)).filter(\.isRunning)
        change(&execs)
        let text = execs.map { "\($0.id) \($0.pid) \($0.startTime)\n" }.concatenated(separator: "")
        // Written over from the start, then cut to its length, and never to zero (an empty list is a
        // blank line): ext4 writes back at close a file truncated to zero (auto_da_alloc), 0.1 ms of
        // CPU per exec in a perf record of 100.
        let bytes = Array((text.isEmpty ? "\n" : text).utf8)
        guard lseek(fd, 0, SEEK_SET) == 0 else { return }
        try? FileIO.writeAll(fd: fd, bytes: bytes, path: path)
        _ = ftruncate(fd, off_t(bytes.count))
    }

    private static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        try? FileIO.readBlocks(fd: fd, path: "running-execs", blockSize: 4096) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One line of a container's `running-execs`.
struct RunningExec: Equatable {
    var id: String
    var pid: Int32
    var startTime: UInt64

    var isRunning: Bool { ProcessInfo.isRunning(pid: pid, startTime: startTime) }

    static func parse(_ text: String) -> [RunningExec] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, let pid = Int32(words[1]), let start = UInt64(words[2]) else { return nil }
            return RunningExec(id: String(words[0]), pid: pid, startTime: start)
        }
    }
}
