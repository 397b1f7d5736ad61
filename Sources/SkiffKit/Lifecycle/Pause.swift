import Foundation
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff pause` / `unpause`: every process of the container frozen by its cgroup's freezer, as runc
/// does it (cgroup v2 `cgroup.freeze`, v1 `freezer.state`). The state lives in the cgroup itself, so
/// a paused container is paused for every reader, and a new cgroup (a restart) starts thawed.
extension Engine {
    public func pause(_ nameOrID: String) throws(KitError) {
        let c = try container(nameOrID)
        guard c.status == .running else { throw .notRunning("container \(c.name) is not running") }
        if isPaused(c) { throw .usage("container \(c.name) is already paused") }
        try setFrozen(c, true)
    }

    public func unpause(_ nameOrID: String) throws(KitError) {
        let c = try container(nameOrID)
        guard c.status == .running, isPaused(c) else { throw .usage("container \(c.name) is not paused") }
        try setFrozen(c, false)
    }

    /// Whether the running container's cgroup is frozen.
    public func isPaused(_ c: Container) -> Bool {
        guard c.status == .running, let f = freezer(c) else { return false }
        guard let text = try? FileIO.readString(f.file) else { return false }
        return f.v2 ? text.trimmingCharacters(in: .whitespacesAndNewlines) == "1" : text.hasPrefix("FROZEN") || text.hasPrefix("FREEZING")
    }

    /// The freezer file: v2 `cgroup.freeze` in the unified directory, else v1 `freezer.state`.
    func freezer(_ c: Container) -> (file: String, events: String, v2: Bool)? {
        guard let cg = try? CgroupManager.forContainer(id: c.id, cgroupsPath: "/skiff/" + c.id, logger: logger) else { return nil }
        let paths = cg.paths
        if let dir = paths[CgroupManager.unifiedKey], FileManager.default.fileExists(atPath: dir + "/cgroup.freeze") {
            return (dir + "/cgroup.freeze", dir + "/cgroup.events", true)
        }
        if let dir = paths["freezer"], FileManager.default.fileExists(atPath: dir + "/freezer.state") {
            return (dir + "/freezer.state", dir + "/freezer.state", false)
        }
        return nil
    }

    /// Write the freezer and wait (up to 5 s) until the kernel reports the new state.
    func setFrozen(_ c: Container, _ frozen: Bool) throws(KitError) {
        guard let f = freezer(c) else {
            throw .unsupported("container \(c.name): no cgroup freezer found (pause needs cgroup v2 or the v1 freezer controller)")
        }
        let value = f.v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED")
        do { try FileIO.write(value, to: f.file) } catch { throw .system(error) }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let text = (try? FileIO.readString(f.events)) ?? ""
            let done = f.v2 ? text.split(separator: "\n").contains("frozen \(frozen ? 1 : 0)") : text.hasPrefix(value)
            if done { return }
            usleep(2_000)
        }
        throw .usage("container \(c.name): the freezer did not \(frozen ? "freeze" : "thaw") its processes within 5 s")
    }
}
