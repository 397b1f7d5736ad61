import Logging
import SkiffOCI

/// A spec turned into a LaunchConfig, plus what the parent must do around the spawn.
public struct PlannedLaunch: Sendable, Equatable {
    public var config: LaunchConfig
    /// Written by the parent to /proc/PID/{uid,gid}_map when the container gets a new user namespace.
    public var uidMappings: [LinuxIDMapping] = []
    public var gidMappings: [LinuxIDMapping] = []

    public init(config: LaunchConfig, uidMappings: [LinuxIDMapping] = [], gidMappings: [LinuxIDMapping] = []) {
        self.config = config
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }
}

/// The policy step: an OCI spec and the host facts it depends on → plain data for the C shim. Pure:
/// it reads nothing from the host (`HostFacts.current` does that, and `NamespaceFiles` opens the joins).
/// The seccomp compiler may use its on-disk cache; without a cache directory it only computes.
public struct LaunchPlanner {
    public var bundle: String
    public var seccomp: SeccompCompiler
    public var logger: Logger

    public init(bundle: String, seccomp: SeccompCompiler, logger: Logger) {
        self.bundle = bundle
        self.seccomp = seccomp
        self.logger = logger
    }

    public func plan(_ spec: Spec, facts: HostFacts) throws(RuntimeError) -> PlannedLaunch {
        var planned = PlannedLaunch(config: LaunchConfig())
        try planNamespaces(spec, into: &planned)
        try planContainer(spec, facts: facts, into: &planned)
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
                planned.config.joins.append(.init(path: path, kind: kind))
            } else if kind == .cgroup {
                planned.config.unshareCgroup = true
            } else {
                planned.config.cloneFlags |= kind.cloneFlag
            }
        }
        // A new network namespace starts with lo down; every engine brings it up (Docker, Podman via CNI).
        planned.config.loopbackUp = planned.config.cloneFlags & NamespaceKind.network.cloneFlag != 0

        // Without a mount namespace runc mounts under the rootfs in the host's namespace and chroots.
        planned.config.hostMountNamespace = !seen.contains("mount")
        if spec.hostname != nil && !seen.contains("uts") {
            throw .spec(.invalid(field: "hostname", reason: "setting a hostname needs a uts namespace"))
        }
        if planned.config.cloneFlags & NamespaceKind.user.cloneFlag != 0 {
            planned.uidMappings = spec.linux?.uidMappings ?? []
            planned.gidMappings = spec.linux?.gidMappings ?? []
            if planned.uidMappings.isEmpty || planned.gidMappings.isEmpty {
                throw .spec(
                    .invalid(
                        field: "linux.uidMappings", reason: "a new user namespace needs uidMappings and gidMappings"))
            }
        }
    }

    /// What only a mount namespace of its own can give: refused, as runc does, rather than done to the host.
    private static func checkHostMountNamespace(_ config: LaunchConfig) throws(RuntimeError) {
        if !config.maskedPaths.isEmpty || !config.readonlyPaths.isEmpty {
            throw .spec(
                .invalid(
                    field: "linux.maskedPaths",
                    reason: "unable to restrict sys entries (maskedPaths, "
                        + "readonlyPaths) without a private mount namespace"))
        }
        if config.rootReadonly {
            throw .spec(.invalid(field: "root.readonly", reason: "a read-only rootfs needs a private mount namespace"))
        }
        if config.rootfsOverlayOptions != nil {
            throw .spec(.invalid(field: "annotations", reason: "an overlay rootfs needs a private mount namespace"))
        }
        if config.rootfsPropagationAfterPivot != 0 {
            throw .spec(.invalid(field: "linux.rootfsPropagation", reason: "needs a private mount namespace"))
        }
    }

    private func planContainer(_ spec: Spec, facts: HostFacts, into planned: inout PlannedLaunch) throws(RuntimeError) {
        guard let process = spec.process else {
            throw .spec(.invalid(field: "process", reason: "missing (what to run)"))
        }
        let inUserNS =
            planned.config.cloneFlags & NamespaceKind.user.cloneFlag != 0
            || planned.config.joins.contains { $0.kind == .user }
        let rootfs = RootfsPlanner(
            bundle: bundle, facts: facts,
            inUserNamespace: inUserNS, newCgroupNamespace: planned.config.unshareCgroup)
        do {
            try rootfs.apply(spec, to: &planned.config)
            try ProcessPlanner.apply(process, to: &planned.config)
            planned.config.stdioOwner = .forProcess(
                uid: planned.config.uid, gid: planned.config.gid,
                uidMappings: planned.uidMappings, gidMappings: planned.gidMappings)
        } catch {
            throw .spec(error)
        }
        if planned.config.hostMountNamespace { try Self.checkHostMountNamespace(planned.config) }
        planned.config.hostname = spec.hostname
        planned.config.domainname = spec.domainname
        planned.config.sysctls = (spec.linux?.sysctl ?? [:]).sorted { $0.key < $1.key }.map {
            LaunchConfig.Sysctl(path: String($0.key.map { $0 == "." ? "/" : $0 }), value: $0.value)
        }
        // In a user namespace set up by a root parent, setgroups stays allowed; joining one made by
        // someone else may have it denied, and then the groups are left as they are.
        planned.config.setGroups = !planned.config.joins.contains { $0.kind == .user }
        do {
            planned.config.capabilities = try CapabilityMasks(
                process.capabilities, lastCap: facts.lastCap, logger: logger)
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
}
