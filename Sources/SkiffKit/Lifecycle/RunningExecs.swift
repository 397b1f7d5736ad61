import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The execs running in a container, as Docker's inspect lists them (ExecIDs): one file per exec,
/// `containers/<id>/execs/<exec ID>`, holding its host pid and start time. Written once the process runs,
/// removed when it ends (by `skiff exec` for one it waits for, by `container-internal exec-died` for a
/// detached one); a file whose process is gone (its `skiff exec` was killed) is not listed.
extension Engine {
    func execsDirectory(_ containerID: String) -> String { containers.directory(of: containerID) + "/execs" }

    func recordExecStarted(containerID: String, execID: String, pid: Int32) {
        guard let start = ProcessInfo.startTime(pid: pid) else { return }
        let dir = execsDirectory(containerID)
        _ = mkdir(dir, 0o700)
        try? FileIO.create(dir + "/" + execID, contents: Array("\(pid) \(start)\n".utf8))
    }

    func recordExecEnded(containerID: String, execID: String) {
        guard !execID.isEmpty, execID.allSatisfy(\.isHexDigit) else { return }
        unlink(execsDirectory(containerID) + "/" + execID)
    }

    /// The IDs of the container's execs whose process runs, oldest first; nil when none (Docker's null).
    package func runningExecIDs(_ containerID: String) -> [String]? {
        let dir = execsDirectory(containerID)
        var live: [(start: UInt64, id: String)] = []
        for name in FileIO.visibleEntries(dir) {
            guard let text = try? FileIO.readString(dir + "/" + name) else { continue }
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard words.count == 2, let pid = Int32(words[0]), let start = UInt64(words[1]),
                ProcessInfo.isRunning(pid: pid, startTime: start)
            else { continue }
            live.append((start, name))
        }
        return live.isEmpty ? nil : live.sorted { ($0.start, $0.id) < ($1.start, $1.id) }.map(\.id)
    }
}
