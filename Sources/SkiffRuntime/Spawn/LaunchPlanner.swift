import Logging
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// A spec turned into a LaunchConfig, plus what the parent must do around the spawn.
public struct PlannedLaunch {
    public var config: LaunchConfig
    /// Written by the parent to /proc/PID/{uid,gid}_map when the container gets a new user namespace.
    public var uidMappings: [LinuxIDMapping] = []
    public var gidMappings: [LinuxIDMapping] = []
    /// Namespace files opened for joining; closed once the child is spawned.
    public var openedFDs: [Int32] = []

    public func closeFDs() {
        for fd in openedFDs { close(fd) }
    }
}

/// The policy step: an OCI spec (plus the host facts it depends on) → plain data for the C shim.
public struct LaunchPlanner {
    public var bundle: String
    public var cgroup: CgroupManager?
    public var seccomp: SeccompCompiler
    public var logger: Logger

    public init(bundle: String, cgroup: CgroupManager?, seccomp: SeccompCompiler, logger: Logger) {
        self.bundle = bundle
        self.cgroup = cgroup
        self.seccomp = seccomp
        self.logger = logger
    }

    public func plan(_ spec: Spec) throws(RuntimeError) -> PlannedLaunch {
        var planned = PlannedLaunch(config: LaunchConfig())
        do {
            try planNamespaces(spec, into: &planned)
            try planContainer(spec, into: &planned)
        } catch {
            planned.closeFDs()
            throw error
        }
        return planned
    }

    private func planNamespaces(_ spec: Spec, into planned: inout PlannedLaunch) throws(RuntimeError) {
        var seen = Set<String>()
        for ns in spec.linux?.namespaces ?? [] {
            let kind: NamespaceKind
            do { kind = try NamespaceKind(specType: ns.type) } catch { throw .spec(error) }
            guard seen.insert(ns.type).inserted else {
                throw .spec(.invalid(field: "linux.namespaces", reason: "namespace \"\(ns.type)\" is listed twice"))
            }
            if let path = ns.path, !path.isEmpty {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 {
                    throw .spec(.invalid(field: "linux.namespaces", reason: "cannot open \(ns.type) namespace \(path): \(errnoText(errno))"))
                }
                planned.openedFDs.append(fd)
                planned.config.joins.append(.init(fd: fd, kind: kind))
            } else if kind == .cgroup {
                planned.config.unshareCgroup = true
            } else {
                planned.config.cloneFlags |= kind.cloneFlag
            }
        }
        // A new network namespace starts with lo down; every engine brings it up (Docker, Podman via CNI).
        planned.config.loopbackUp = planned.config.cloneFlags & NamespaceKind.network.cloneFlag != 0

        guard seen.contains("mount") else {
            throw .spec(.invalid(field: "linux.namespaces", reason: "a mount namespace is required"))
        }
        if spec.hostname != nil && !seen.contains("uts") {
            throw .spec(.invalid(field: "hostname", reason: "setting a hostname needs a uts namespace"))
        }
        if planned.config.cloneFlags & NamespaceKind.user.cloneFlag != 0 {
            planned.uidMappings = spec.linux?.uidMappings ?? []
            planned.gidMappings = spec.linux?.gidMappings ?? []
            if planned.uidMappings.isEmpty || planned.gidMappings.isEmpty {
                throw .spec(.invalid(field: "linux.uidMappings", reason: "a new user namespace needs uidMappings and gidMappings"))
            }
        }
    }

    private func planContainer(_ spec: Spec, into planned: inout PlannedLaunch) throws(RuntimeError) {
        guard let process = spec.process else {
            throw .spec(.invalid(field: "process", reason: "missing (what to run)"))
        }
        let inUserNS = planned.config.cloneFlags & NamespaceKind.user.cloneFlag != 0
            || planned.config.joins.contains { $0.kind == .user }
        let rootfs = RootfsPlanner(bundle: bundle, cgroupMounts: cgroupMountSources(),
                                   inUserNamespace: inUserNS, newCgroupNamespace: planned.config.unshareCgroup)
        do {
            try rootfs.apply(spec, to: &planned.config)
            try ProcessPlanner.apply(process, to: &planned.config)
        } catch {
            throw .spec(error)
        }
        planned.config.hostname = spec.hostname
        planned.config.domainname = spec.domainname
        planned.config.sysctls = (spec.linux?.sysctl ?? [:]).sorted { $0.key < $1.key }.map {
            (path: String($0.key.map { $0 == "." ? "/" : $0 }), value: $0.value)
        }
        // In a user namespace set up by a root parent, setgroups stays allowed; joining one made by
        // someone else may have it denied, and then the groups are left as they are.
        planned.config.setGroups = !planned.config.joins.contains { $0.kind == .user }
        do {
            planned.config.capabilities = try CapabilityMasks.forRunningKernel(process.capabilities, logger: logger)
        } catch {
            throw .security(error.description)
        }
        if let profile = spec.linux?.seccomp {
            do {
                planned.config.seccomp = try seccomp.compile(profile)
            } catch {
                throw .security(error.description)
            }
        }
    }

    /// The hierarchies the container sees at /sys/fs/cgroup, with its own directories in each.
    private func cgroupMountSources() -> [RootfsPlanner.CgroupMountSource] {
        guard let cgroup else { return [] }
        let layout = cgroup.layout
        let paths = cgroup.paths
        if case .v2 = layout, let dir = paths[CgroupManager.unifiedKey] {
            return [.init(name: "", fstype: "cgroup2", options: nil, containerDir: dir)]
        }
        var byMount: [String: [String]] = [:]
        for (controller, mount) in layout.v1Hierarchies where paths[controller] != nil {
            byMount[mount, default: []].append(controller)
        }
        var sources: [RootfsPlanner.CgroupMountSource] = byMount.keys.sorted().map { mount in
            let controllers = byMount[mount]!.sorted()
            let name = mount.split(separator: "/").last.map(String.init) ?? controllers.joined(separator: ",")
            return .init(name: name, fstype: "cgroup", options: controllers.joined(separator: ","),
                         containerDir: paths[controllers[0]]!)
        }
        if let unified = layout.unifiedMount, let dir = paths[CgroupManager.unifiedKey] {
            let name = unified.split(separator: "/").last.map(String.init) ?? "unified"
            sources.append(.init(name: name, fstype: "cgroup2", options: nil, containerDir: dir))
        }
        return sources
    }
}
