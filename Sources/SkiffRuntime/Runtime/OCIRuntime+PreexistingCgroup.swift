import Logging

extension OCIRuntime {
    /// A `linux.cgroupsPath` may name a cgroup that already exists (a pod's, or one a caller made).
    /// runc refuses a frozen one, since the container's init would freeze the moment it joins and
    /// `create` would never return, and warns when processes are already in it. Checked before
    /// anything is made, so that a refusal leaves the caller's cgroup as it was.
    static func checkPreexisting(_ cgroup: CgroupManager, logger: Logger) throws(RuntimeError) {
        if cgroup.isFrozen { throw .cgroupFrozen(path: cgroup.path) }
        let pids = (try? cgroup.processes()) ?? []
        if !pids.isEmpty {
            logger.warning(
                "container's cgroup is not empty: \(pids.count) process(es) found",
                metadata: ["path": "\(cgroup.path)"])
        }
    }
}
