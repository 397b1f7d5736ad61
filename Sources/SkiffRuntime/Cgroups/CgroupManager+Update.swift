import SkiffOCI

// `update`: new limits for a live container (runc update), on every layout.
extension CgroupManager {
    /// Write the limits `r` sets into the container's existing cgroup. As with runc, devices are not
    /// changed and a pids limit of 0 means "leave it"; memory and swap are written in the order the
    /// kernel accepts from the limits the cgroup has now.
    public func update(_ resources: LinuxResources) throws(CgroupError) {
        var r = resources
        r.devices = nil
        if r.pids?.limit == 0 { r.pids = nil }
        try validate(r)
        logger.debug("update cgroup", metadata: ["path": "\(path)", "layout": "\(layout.name)"])
        switch layout {
        case .v1(let hierarchies):
            try applyV1(r, hierarchies: hierarchies)
        case .hybrid(let hierarchies, let unified):
            try applyV1(r, hierarchies: hierarchies)
            try writeUnified(r.unified, dir: leaf(in: unified))
        case .v2(let root):
            try applyV2(r, dir: leaf(in: root))
        }
    }
}
