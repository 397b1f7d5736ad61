import SkiffRuntime

/// `skiff pause` / `unpause` (and compose's): the runtime's pause and resume, which freeze every
/// process of the container with its cgroup's freezer, as runc does. The state lives in the cgroup, so
/// a container paused by `skiff-oci pause` is paused here too, and a new run (a restart) starts thawed.
extension Engine {
    /// `pause`: freeze every process of the running container (its cgroup's freezer).
    public func pause(_ nameOrID: String) throws(KitError) {
        let c = try container(nameOrID)
        guard c.status == .running else { throw .notRunning("container \(c.name) is not running") }
        if isPaused(c) { throw .usage("container \(c.name) is already paused") }
        do { try runtime.pause(id: c.id) } catch { throw .runtime(error) }
        events.record(container: c, "pause")
    }

    /// `unpause`: thaw a paused container.
    public func unpause(_ nameOrID: String) throws(KitError) {
        let c = try container(nameOrID)
        guard c.status == .running, isPaused(c) else { throw .usage("container \(c.name) is not paused") }
        do { try runtime.resume(id: c.id) } catch { throw .runtime(error) }
        events.record(container: c, "unpause")
    }

    /// Whether the running container is frozen (the runtime's "paused").
    package func isPaused(_ c: Container) -> Bool {
        guard c.status == .running else { return false }
        return (try? runtime.state(id: c.id))?.status == .paused
    }
}
