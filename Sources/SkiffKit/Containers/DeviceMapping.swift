import SkiffOCI

/// A host device given to a container: `--device HOST[:CONTAINER][:PERMISSIONS]`, compose `devices:`.
/// Docker's rules (opts.ParseDevice): one part is the same path on both sides; of two parts the second
/// is permissions when it is made of r, w and m, else the container path; permissions default to rwm.
public struct DeviceMapping: Sendable, Equatable, Codable {
    /// The device node (or directory of them) on the host.
    public var hostPath: String
    /// Where it appears in the container.
    public var containerPath: String
    /// The cgroup access given: r (read), w (write), m (mknod), in any combination.
    public var permissions: String

    /// A mapping as given, without parsing.
    public init(hostPath: String, containerPath: String, permissions: String = "rwm") {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.permissions = permissions
    }

    /// `origin` names the flag or compose path in errors.
    public init(parsing text: String, origin: String) throws(KitError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> KitError { .usage("\(origin) \(text): \(why)") }
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw bad("expected HOST_PATH[:CONTAINER_PATH][:PERMISSIONS], e.g. /dev/snd:/dev/snd:rw")
        }
        hostPath = parts[0]
        containerPath = parts[0]
        permissions = "rwm"
        if parts.count == 2 {
            if Self.isPermissions(parts[1]) { permissions = parts[1] } else { containerPath = parts[1] }
        } else if parts.count == 3 {
            containerPath = parts[1]
            guard Self.isPermissions(parts[2]) else {
                throw bad("invalid permissions \"\(parts[2])\" (a combination of r, w and m)")
            }
            permissions = parts[2]
        }
        guard hostPath.hasPrefix("/") else { throw bad("the host path must be absolute") }
        guard containerPath.hasPrefix("/") else { throw bad("the container path must be absolute") }
        containerPath = InRootPath.clean(containerPath)
        guard containerPath != "/" else { throw bad("the container path cannot be /") }
    }

    /// r, w and m, each at most once (Docker's ValidDeviceMode).
    static func isPermissions(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 3 && Set(text).count == text.count && text.allSatisfy { "rwm".contains($0) }
    }
}

/// A device node on the host, as stat(2) saw it.
public struct HostDeviceNode: Sendable, Equatable {
    /// Character or block device, by the letter the device cgroup and `linux.devices` use.
    public enum Kind: String, Sendable { case char = "c", block = "b" }
    /// Character or block.
    public var kind: Kind
    /// The device's major number.
    public var major: Int64
    /// The device's minor number.
    public var minor: Int64
    /// The permission bits (and only those).
    public var mode: UInt32
    /// The node's owner.
    public var uid: UInt32
    /// The node's group.
    public var gid: UInt32

    /// A node as stat(2) describes it.
    public init(kind: Kind, major: Int64, minor: Int64, mode: UInt32, uid: UInt32, gid: UInt32) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }
}

/// What a host path is, for device planning: a device node, a directory (whose devices are all given,
/// as Docker does for `--device /dev/snd`), or something else.
public enum HostDeviceEntry: Sendable, Equatable {
    case device(HostDeviceNode)
    /// The directory's entries, by name.
    case directory([String])
    case other
    case missing
}

/// Device mappings → the spec's `linux.devices` (nodes the runtime makes in the container's /dev) and
/// allow rules in `linux.resources.devices` (the cgroup's deny-by-default list), as moby's
/// WithDevices does. Host facts come in through `lookup`, so the plan is testable without root.
public enum DevicePlan {
    /// What the mappings add to a spec.
    public struct Plan: Equatable, Sendable {
        /// Nodes to create in the container's /dev (`linux.devices`).
        public var devices: [LinuxDevice] = []
        /// Allow rules for the device cgroup (`linux.resources.devices`).
        public var rules: [LinuxDeviceCgroup] = []
    }

    /// Plan `mappings`; `origin` (a flag or compose path) names the input in errors, and `lookup` tells
    /// what each host path is. Throws for a path that is missing, not a device, or a directory without any.
    public static func plan(
        _ mappings: [DeviceMapping], origin: String,
        lookup: (String) -> HostDeviceEntry
    ) throws(KitError) -> Plan {
        var plan = Plan()
        func add(_ node: HostDeviceNode, at path: String, permissions: String) {
            plan.devices.removeAll { $0.path == path }
            plan.devices.append(
                LinuxDevice(
                    path: path, type: node.kind.rawValue, major: node.major, minor: node.minor,
                    fileMode: node.mode, uid: node.uid, gid: node.gid))
            plan.rules.append(
                LinuxDeviceCgroup(
                    allow: true, type: node.kind.rawValue, major: node.major, minor: node.minor,
                    access: permissions))
        }
        for m in mappings {
            switch lookup(m.hostPath) {
            case .device(let node): add(node, at: m.containerPath, permissions: m.permissions)
            case .directory:
                // Every device below it, at the same place below the container path (links not followed).
                var pending = [(m.hostPath, m.containerPath)]
                var found = 0
                while let (host, inside) = pending.popLast() {
                    guard case .directory(let names) = lookup(host) else { continue }
                    for name in names.sorted() where name != "." && name != ".." {
                        let h = host + "/" + name, c = inside + "/" + name
                        switch lookup(h) {
                        case .device(let node): add(node, at: c, permissions: m.permissions); found += 1
                        case .directory: pending.append((h, c))
                        case .other, .missing: break
                        }
                    }
                }
                if found == 0 { throw .usage("\(origin) \(m.hostPath): the directory holds no device nodes") }
            case .other:
                throw .usage(
                    "\(origin) \(m.hostPath): not a device node (a character or block device, or a directory of them)")
            case .missing: throw .notFound("\(origin) \(m.hostPath): no such device on this host")
            }
        }
        return plan
    }

    /// `--privileged`: a node for every device under the host's /dev, as runc's HostDevices gives Docker's
    /// privileged containers: the pts, shm, fd and mqueue directories (and .lxc, .lxd-mounts, .udev) are
    /// not walked, console is left out, and so is ptmx (the container's is its own devpts's). Links are not
    /// followed. No allow rules: `--privileged` allows every device already.
    public static func privileged(lookup: (String) -> HostDeviceEntry) -> Plan {
        let skippedDirectories: Set<String> = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]
        var plan = Plan()
        var pending = ["/dev"]
        while let dir = pending.popLast() {
            guard case .directory(let names) = lookup(dir) else { continue }
            for name in names.sorted() where name != "." && name != ".." {
                let path = dir + "/" + name
                switch lookup(path) {
                case .device(let node) where name != "console" && path != "/dev/ptmx":
                    plan.devices.append(
                        LinuxDevice(
                            path: path, type: node.kind.rawValue, major: node.major, minor: node.minor,
                            fileMode: node.mode, uid: node.uid, gid: node.gid))
                case .directory where !skippedDirectories.contains(name): pending.append(path)
                default: break
                }
            }
        }
        plan.devices.sort { $0.path < $1.path }
        return plan
    }

    /// Add the plan to a spec (after the Docker defaults, which deny every other device).
    public static func apply(_ plan: Plan, to spec: inout Spec) {
        guard !plan.devices.isEmpty else { return }
        var devices = spec.linux?.devices ?? []
        devices.removeAll { d in plan.devices.contains { $0.path == d.path } }
        spec.linux?.devices = devices + plan.devices
        var resources = spec.linux?.resources ?? LinuxResources()
        resources.devices = (resources.devices ?? []) + plan.rules
        spec.linux?.resources = resources
    }
}

/// `--device-cgroup-rule` / compose `device_cgroup_rules`: "TYPE MAJOR:MINOR ACCESS" as the v1 devices
/// controller writes it ("c 1:3 mr", "b 8:* rwm", "a *:* rwm"), an allow rule.
public enum DeviceCgroupRule {
    /// The allow rule `text` describes, or a usage error that shows the expected form.
    public static func parse(_ text: String) throws(KitError) -> LinuxDeviceCgroup {
        func bad() -> KitError {
            .usage(
                "device cgroup rule \"\(text)\": expected TYPE MAJOR:MINOR ACCESS, e.g. \"c 1:3 rwm\" (type a, b or c; * for any number; access of r, w and m)"
            )
        }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 3, ["a", "b", "c"].contains(words[0]) else { throw bad() }
        let numbers = words[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard numbers.count == 2 else { throw bad() }
        func number(_ s: String) throws(KitError) -> Int64? {
            if s == "*" { return nil }
            guard let n = Int64(s), n >= 0 else { throw bad() }
            return n
        }
        let major = try number(numbers[0]), minor = try number(numbers[1])
        guard DeviceMapping.isPermissions(words[2]) else { throw bad() }
        return LinuxDeviceCgroup(allow: true, type: words[0], major: major, minor: minor, access: words[2])
    }
}
