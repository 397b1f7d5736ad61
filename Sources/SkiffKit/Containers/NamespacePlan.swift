import SkiffOCI

/// What the namespace modes (`--pid`, `--ipc`, `--uts`, `--cgroupns`) change in a container's spec, as
/// moby's WithNamespaces and setupIpcDirs do. Pure: the host's facts and the joined containers' paths
/// come in as values.
///
/// At create the host modes drop their namespace from the spec, and `/dev/shm` follows the IPC mode.
/// A container joined by `container:NAME` is looked up at every start (`Engine.joinNamespaces`), since
/// its process, and so its namespace, is a new one after each of its restarts.
package enum NamespacePlan {
    /// The host's /dev/shm, which `--ipc host` binds.
    package static let hostShm = "/dev/shm"
    /// The annotation that keeps a shareable container's /dev/shm tmpfs options ("mode=1777,size=…"),
    /// for the tmpfs mounted on the host at each start.
    package static let shmTmpfsAnnotation = "org.skiff.shm.tmpfs"

    /// Apply the modes at create. `unifiedCgroups`: the host has cgroup v2 alone (the cgroup namespace
    /// default is private there, host on v1 and hybrid hosts, as with Docker). `shmDirectory`: where a
    /// shareable container's /dev/shm is mounted on the host, so that joiners can bind it (a mount
    /// in another mount namespace cannot be bound), as Docker keeps it under the container's directory.
    package static func apply(
        _ modes: NamespaceModes, unifiedCgroups: Bool, shmDirectory: String, to spec: inout Spec
    ) {
        var namespaces = spec.linux?.namespaces ?? []
        func drop(_ type: String) { namespaces.removeAll { $0.type == type } }
        func keep(_ type: String) {
            if !namespaces.contains(where: { $0.type == type }) { namespaces.append(LinuxNamespace(type: type)) }
        }

        if modes.pid == .host { drop("pid") }
        if modes.uts == .host {
            drop("uts")
            spec.hostname = nil
        }
        switch modes.ipc {
        case .private: break
        case .shareable:
            let tmpfs = spec.mounts?.first { $0.destination == "/dev/shm" && $0.type == "tmpfs" }
            let data = (tmpfs?.options ?? ["mode=1777", "size=65536k"]).filter { $0.contains("=") }
            spec.annotations = (spec.annotations ?? [:]).merging([shmTmpfsAnnotation: data.joined(separator: ",")]) {
                $1
            }
            setShm(&spec, source: shmDirectory)
        case .host:
            drop("ipc")
            setShm(&spec, source: hostShm)
        case .none, .container:
            // container: gets the donor's /dev/shm at start (`join`); none has no /dev/shm at all.
            setShm(&spec, source: nil)
        }
        switch modes.cgroupns ?? .default(unifiedOnly: unifiedCgroups) {
        case .private: keep("cgroup")
        case .host: drop("cgroup")
        }
        if spec.linux == nil { spec.linux = Linux() }
        spec.linux?.namespaces = namespaces
    }

    /// The namespaces a starting container joins: paths under /proc of the containers' processes.
    package struct Join: Sendable, Equatable {
        /// The PID namespace to join (`/proc/PID/ns/pid`), for `--pid container:`.
        package var pidNamespace: String?
        /// The IPC namespace to join (`/proc/PID/ns/ipc`), for `--ipc container:`.
        package var ipcNamespace: String?
        /// The donor's /dev/shm, bound on the container's (nil: the donor has none).
        package var shmSource: String?

        /// Nothing to join.
        package init(pidNamespace: String? = nil, ipcNamespace: String? = nil, shmSource: String? = nil) {
            self.pidNamespace = pidNamespace
            self.ipcNamespace = ipcNamespace
            self.shmSource = shmSource
        }
    }

    /// Point the spec at the namespaces to join (at every start: the donors' processes change).
    package static func join(_ join: Join, to spec: inout Spec) {
        var namespaces = spec.linux?.namespaces ?? []
        func set(_ type: String, _ path: String?) {
            guard let path else { return }
            namespaces.removeAll { $0.type == type }
            namespaces.append(LinuxNamespace(type: type, path: path))
        }
        set("pid", join.pidNamespace)
        set("ipc", join.ipcNamespace)
        if join.ipcNamespace != nil { setShm(&spec, source: join.shmSource) }
        if spec.linux == nil { spec.linux = Linux() }
        spec.linux?.namespaces = namespaces
    }

    /// What a donor's /dev/shm is bound from (host's, a shareable container's host-side tmpfs, or
    /// its own donor's); nil when it has a private one or none, which cannot be shared.
    package static func sharedShm(of donor: Spec) -> String? {
        guard let m = donor.mounts?.first(where: { $0.destination == "/dev/shm" }), m.type == "bind" else { return nil }
        return m.source
    }

    /// Replace /dev/shm: a bind of `source`, or no mount at all.
    static func setShm(_ spec: inout Spec, source: String?) {
        var mounts = spec.mounts ?? []
        let at = mounts.firstIndex { $0.destination == "/dev/shm" }
        mounts.removeAll { $0.destination == "/dev/shm" }
        if let source {
            let shm = Mount(destination: "/dev/shm", type: "bind", source: source, options: ["rbind", "rprivate"])
            mounts.insert(shm, at: min(at ?? mounts.count, mounts.count))
        }
        spec.mounts = mounts
    }
}
