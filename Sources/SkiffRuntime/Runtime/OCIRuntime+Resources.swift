import SkiffOCI

/// pause, resume and update: a live container's cgroup (runc's commands of the same names).
extension OCIRuntime {
    /// Freeze every process of a created or running container (status "paused").
    public func pause(id: String) throws(RuntimeError) {
        let (record, status) = try loadWithStatus(id)
        guard status == .running || status == .created else {
            throw .wrongState(id: id, status: status.rawValue, wanted: "running or created")
        }
        let manager = try cgroup(of: record)
        do { try manager.setFrozen(true) } catch { throw .cgroup(error) }
    }

    /// Thaw a paused container.
    public func resume(id: String) throws(RuntimeError) {
        let (record, status) = try loadWithStatus(id)
        guard status == .paused else { throw .wrongState(id: id, status: status.rawValue, wanted: "paused") }
        let manager = try cgroup(of: record)
        do { try manager.setFrozen(false) } catch { throw .cgroup(error) }
    }

    /// New limits for a container that has not stopped.
    public func update(id: String, resources: LinuxResources) throws(RuntimeError) {
        let (record, status) = try loadWithStatus(id)
        guard status != .stopped else { throw .wrongState(id: id, status: status.rawValue, wanted: "not stopped") }
        let manager = try cgroup(of: record)
        do { try manager.update(resources) } catch { throw .cgroup(error) }
    }

    func loadWithStatus(_ id: String) throws(RuntimeError) -> (ContainerRecord, State.Status) {
        let record = try load(id: id)
        return (record, status(of: record))
    }

    func cgroup(of record: ContainerRecord) throws(RuntimeError) -> CgroupManager {
        guard let paths = record.cgroup else {
            throw .cgroup(.invalidPath(path: "", reason: "container \"\(record.id)\" has no cgroup recorded"))
        }
        do { return try CgroupManager(statePaths: paths, logger: logger) } catch { throw .cgroup(error) }
    }
}

extension OCIRuntime {
    /// The container's counters now (runc events --stats); refused once it has stopped.
    public func stats(id: String) throws(RuntimeError) -> CgroupStats {
        let (record, status) = try loadWithStatus(id)
        guard status != .stopped else { throw .wrongState(id: id, status: status.rawValue, wanted: "not stopped") }
        return try cgroup(of: record).stats()
    }

    /// OOM kills counted in the container's cgroup so far, nil once it has stopped.
    public func oomKills(id: String) -> UInt64? {
        guard let (record, status) = try? loadWithStatus(id), status != .stopped,
            let manager = try? cgroup(of: record)
        else { return nil }
        return manager.oomKills()
    }

    /// The container's OOM counter file while its cgroup exists, stopped or not: what its exit is
    /// recorded with before `delete` removes the cgroup. nil without a record, a cgroup or the file.
    public func oomReport(id: String) -> CgroupOOMReport? {
        guard let record = try? load(id: id), let manager = try? cgroup(of: record) else { return nil }
        return manager.oomReport()
    }
}
