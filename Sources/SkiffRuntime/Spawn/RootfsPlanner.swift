import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// `root`, `mounts` and `linux.devices` of a spec → the filesystem part of a LaunchConfig. Reads
/// nothing: what it needs of the host is in `facts`.
struct RootfsPlanner {
    var bundle: String
    var facts: HostFacts
    var inUserNamespace: Bool
    var newCgroupNamespace: Bool

    /// Where the host's cgroup hierarchies are, to give the container its `cgroup` mount.
    var cgroupMounts: [CgroupMountSource] {
        CgroupMountSource.sources(layout: facts.cgroupLayout, paths: facts.cgroupPaths)
    }

    /// The host paths `apply` asks `facts` about: the rootfs and the bind sources, made absolute.
    static func hostPaths(of spec: Spec, bundle: String) -> [String] {
        var paths: [String] = []
        if let root = spec.root, !root.path.isEmpty { paths.append(absolute(root.path, bundle: bundle)) }
        for mount in spec.mounts ?? [] where mount.type != "cgroup" && mount.type != "cgroup2" {
            guard MountOptions(mount.options ?? []).isBind || mount.type == "bind",
                let source = mount.source, !source.isEmpty
            else { continue }
            paths.append(absolute(source, bundle: bundle))
        }
        return paths
    }

    static func absolute(_ path: String, bundle: String) -> String {
        path.hasPrefix("/") ? path : bundle + "/" + path
    }

    static let defaultDevices: [(String, UInt32, UInt32)] = [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ]

    func apply(_ spec: Spec, to config: inout LaunchConfig) throws(SpecError) {
        guard let root = spec.root, !root.path.isEmpty else {
            throw SpecError.invalid(field: "root.path", reason: "missing (the container's root filesystem)")
        }
        let rootfs = Self.absolute(root.path, bundle: bundle)
        guard facts.kind(of: rootfs) == .directory else {
            throw SpecError.invalid(field: "root.path", reason: "rootfs \(rootfs) does not exist or is not a directory")
        }
        config.rootfs = rootfs
        if let options = spec.annotations?[SkiffAnnotations.rootfsOverlay] {
            guard options.split(separator: ",").contains(where: { $0.hasPrefix("lowerdir=") }) else {
                throw SpecError.invalid(
                    field: "annotations[\"\(SkiffAnnotations.rootfsOverlay)\"]",
                    reason: "expected overlay options with lowerdir=…, got \"\(options)\"")
            }
            config.rootfsOverlayOptions = options
            config.rootfsOverlayDirectory = spec.annotations?[SkiffAnnotations.rootfsOverlayDirectory]
        }
        config.rootReadonly = root.readonly ?? false
        config.rootfsPropagation = try MountOptions.rootPropagation(spec.linux?.rootfsPropagation)
        config.rootfsPropagationAfterPivot = try MountOptions.rootPropagationAfterPivot(spec.linux?.rootfsPropagation)

        for (index, mount) in (spec.mounts ?? []).enumerated() {
            config.mounts += try plan(mount, field: "mounts[\(index)]")
        }

        var devices: [LaunchConfig.Device] = []
        for (index, device) in (spec.linux?.devices ?? []).enumerated() {
            devices.append(try plan(device, field: "linux.devices[\(index)]"))
        }
        for (path, major, minor) in Self.defaultDevices where !devices.contains(where: { $0.path == path }) {
            devices.append(
                LaunchConfig.Device(
                    path: path, mode: S_IFCHR | 0o666, major: major, minor: minor,
                    bindFromHost: inUserNamespace))
        }
        // A /dev bound from elsewhere (the host's, say, often read-only) is taken as it is: no nodes and no
        // links are made in it, as runc does (its needsSetupDev).
        let devIsBound = config.mounts.contains { $0.target == "/dev" && $0.flags & UInt(MS_BIND) != 0 }
        config.devices = devIsBound ? [] : devices

        let destinations = Set(config.mounts.map(\.target))
        if destinations.contains("/dev") && !devIsBound {
            config.symlinks = [
                .init(target: "/proc/self/fd", link: "/dev/fd"),
                .init(target: "/proc/self/fd/0", link: "/dev/stdin"),
                .init(target: "/proc/self/fd/1", link: "/dev/stdout"),
                .init(target: "/proc/self/fd/2", link: "/dev/stderr"),
            ]
            if facts.hasProcKcore { config.symlinks.append(.init(target: "/proc/kcore", link: "/dev/core")) }
        }
        if destinations.contains("/dev/pts") && !devIsBound {
            config.symlinks.append(.init(target: "pts/ptmx", link: "/dev/ptmx"))
        }
        config.maskedPaths = spec.linux?.maskedPaths ?? []
        config.readonlyPaths = spec.linux?.readonlyPaths ?? []
    }

    private func plan(_ mount: SkiffOCI.Mount, field: String) throws(SpecError) -> [LaunchConfig.Mount] {
        guard mount.destination.hasPrefix("/") else {
            throw SpecError.invalid(
                field: "\(field).destination", reason: "\"\(mount.destination)\" is not an absolute path")
        }
        if mount.destination.split(separator: "/").contains("..") {
            throw SpecError.invalid(field: "\(field).destination", reason: "\"\(mount.destination)\" contains \"..\"")
        }
        let options = MountOptions(mount.options ?? [])
        if mount.type == "cgroup" || mount.type == "cgroup2" {
            return cgroupMounts(at: mount.destination, options: options)
        }
        if options.isBind || mount.type == "bind" {
            guard let relative = mount.source, !relative.isEmpty else {
                throw SpecError.invalid(field: "\(field).source", reason: "a bind mount needs a source")
            }
            let source = Self.absolute(relative, bundle: bundle)
            let kind = facts.kind(of: source)
            if case .missing(let err) = kind {
                throw SpecError.invalid(
                    field: "\(field).source",
                    reason: "bind source \(source) for \(mount.destination): \(errnoText(err))")
            }
            let flags = options.flags | UInt(MS_BIND)
            return [
                LaunchConfig.Mount(
                    source: source, target: mount.destination, fstype: nil, data: nil,
                    flags: flags & UInt(MS_BIND | MS_REC),
                    bindRemountFlags: options.bindRemountFlags, propagation: options.propagation,
                    targetKind: kind == .directory ? .directory : .file,
                    recursiveAttrSet: options.recursiveAttrSet, recursiveAttrClear: options.recursiveAttrClear)
            ]
        }
        guard let type = mount.type, !type.isEmpty else {
            throw SpecError.invalid(field: "\(field).type", reason: "missing filesystem type for \(mount.destination)")
        }
        // A read-only tmpfs (say /dev) is written into by the runtime after it is mounted (pts, mqueue,
        // device nodes, nested mounts): mount it rw and make it read-only last, as runc does.
        let readonlyLast =
            options.flags & UInt(MS_RDONLY) != 0 && options.flags & UInt(MS_REMOUNT) == 0
            && (type == "tmpfs" || mount.destination == "/dev")
        return [
            LaunchConfig.Mount(
                source: mount.source ?? type, target: mount.destination, fstype: type, data: options.dataString,
                flags: readonlyLast ? options.flags & ~UInt(MS_RDONLY) : options.flags,
                propagation: options.propagation,
                targetKind: options.flags & UInt(MS_REMOUNT) != 0 ? .none : .directory,
                recursiveAttrSet: options.recursiveAttrSet, recursiveAttrClear: options.recursiveAttrClear,
                readonlyLast: readonlyLast)
        ]
    }

    /// A `cgroup` mount: in a cgroup namespace each hierarchy is mounted fresh (the kernel shows the
    /// namespace's view); without one the container's own directories are bound, never the host's tree.
    /// Read-only unless the spec says "rw".
    private func cgroupMounts(at destination: String, options: MountOptions) -> [LaunchConfig.Mount] {
        let flags = options.flags & ~UInt(MS_BIND | MS_REC)
        if let unified = cgroupMounts.first, cgroupMounts.count == 1, unified.fstype == "cgroup2" {
            if newCgroupNamespace {
                return [
                    LaunchConfig.Mount(
                        source: "cgroup2", target: destination, fstype: "cgroup2", data: nil, flags: flags)
                ]
            }
            return [
                LaunchConfig.Mount(
                    source: unified.containerDir, target: destination, fstype: nil, data: nil,
                    flags: UInt(MS_BIND | MS_REC), bindRemountFlags: flags)
            ]
        }
        var mounts = [
            LaunchConfig.Mount(
                source: "tmpfs", target: destination, fstype: "tmpfs", data: "mode=755",
                flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC))
        ]
        for hierarchy in cgroupMounts {
            let target = destination + "/" + hierarchy.name
            if newCgroupNamespace {
                mounts.append(
                    LaunchConfig.Mount(
                        source: "cgroup", target: target, fstype: hierarchy.fstype,
                        data: hierarchy.options, flags: flags))
            } else {
                mounts.append(
                    LaunchConfig.Mount(
                        source: hierarchy.containerDir, target: target, fstype: nil, data: nil,
                        flags: UInt(MS_BIND | MS_REC), bindRemountFlags: flags))
            }
        }
        if flags & UInt(MS_RDONLY) != 0 {
            mounts.append(
                LaunchConfig.Mount(
                    source: nil, target: destination, fstype: nil, data: nil,
                    flags: UInt(MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
                    targetKind: .none))
        }
        return mounts
    }

    private func plan(_ device: LinuxDevice, field: String) throws(SpecError) -> LaunchConfig.Device {
        guard device.path.hasPrefix("/dev/") else {
            throw SpecError.invalid(field: "\(field).path", reason: "\"\(device.path)\" is not under /dev")
        }
        let type: UInt32
        switch device.type {
        case "c", "u": type = S_IFCHR
        case "b": type = S_IFBLK
        case "p": type = S_IFIFO
        default:
            throw SpecError.invalid(
                field: "\(field).type", reason: "unknown device type \"\(device.type)\" (c, b, u or p)")
        }
        if type != S_IFIFO && (device.major == nil || device.minor == nil) {
            throw SpecError.invalid(field: field, reason: "device \(device.path) needs major and minor numbers")
        }
        return LaunchConfig.Device(
            path: device.path, mode: type | ((device.fileMode ?? 0o666) & 0o7777),
            major: UInt32(device.major ?? 0), minor: UInt32(device.minor ?? 0),
            uid: device.uid ?? 0, gid: device.gid ?? 0,
            // A FIFO is no device: mknod makes one in a user namespace too, and the host
            // has no node of that name to bind.
            bindFromHost: inUserNamespace && type != S_IFIFO)
    }
}
