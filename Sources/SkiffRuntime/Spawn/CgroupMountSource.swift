/// One cgroup hierarchy as the container should see it: the filesystem type and options to mount
/// in a cgroup namespace, or the container's own directory to bind without one.
struct CgroupMountSource: Sendable, Equatable {
    var name: String  // the directory under /sys/fs/cgroup ("" for a v2 unified root)
    var fstype: String  // "cgroup" or "cgroup2"
    var options: String?  // v1 controllers, e.g. "memory" or "cpu,cpuacct"
    var containerDir: String  // the container's cgroup directory in this hierarchy on the host

    /// The hierarchies the container sees at /sys/fs/cgroup, with its own directories in each
    /// (`paths` as `CgroupManager.paths`: controller → directory, the cgroup2 one under "unified").
    static func sources(layout: CgroupLayout?, paths: [String: String]) -> [CgroupMountSource] {
        guard let layout else { return [] }
        if case .v2 = layout, let dir = paths[CgroupManager.unifiedKey] {
            return [.init(name: "", fstype: "cgroup2", options: nil, containerDir: dir)]
        }
        var byMount: [String: [String]] = [:]
        for (controller, mount) in layout.v1Hierarchies where paths[controller] != nil {
            byMount[mount, default: []].append(controller)
        }
        var sources: [CgroupMountSource] = byMount.keys.sorted().map { mount in
            let controllers = byMount[mount]!.sorted()
            let name = mount.split(separator: "/").last.map(String.init) ?? controllers.joined(separator: ",")
            return .init(
                name: name, fstype: "cgroup", options: controllers.joined(separator: ","),
                containerDir: paths[controllers[0]]!)
        }
        if let unified = layout.unifiedMount, let dir = paths[CgroupManager.unifiedKey] {
            let name = unified.split(separator: "/").last.map(String.init) ?? "unified"
            sources.append(.init(name: name, fstype: "cgroup2", options: nil, containerDir: dir))
        }
        return sources
    }
}
