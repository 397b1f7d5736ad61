// `linux` in config.json: namespaces, id mappings, devices, cgroup resources, seccomp, masked paths.

/// `linux`: the Linux-specific part of a spec — namespaces, id mappings, devices, cgroup resources,
/// seccomp, sysctls and the paths hidden from the container.
public struct Linux: Codable, Sendable, Equatable {
    /// The namespaces the container gets (or joins, with a path); a kind not listed is shared with the runtime.
    public var namespaces: [LinuxNamespace]?
    /// uid mappings for a new user namespace (container id → host id, for `size` ids).
    public var uidMappings: [LinuxIDMapping]?
    /// gid mappings for a new user namespace.
    public var gidMappings: [LinuxIDMapping]?
    /// Device nodes made in the container's /dev beyond the default ones.
    public var devices: [LinuxDevice]?
    /// The container's cgroup, relative to the cgroup root (or absolute); the runtime picks one if nil.
    public var cgroupsPath: String?
    /// cgroup limits: memory, CPU, pids, device access, hugepages, network classes, raw v2 files.
    public var resources: LinuxResources?
    /// The propagation of the root mount (`private`, `slave`, `shared`, with `r` prefixes for recursive).
    public var rootfsPropagation: String?
    /// The syscall filter; nil runs without one.
    public var seccomp: LinuxSeccomp?
    /// Kernel parameters set in the container's namespaces (`net.ipv4.ip_forward` → "1").
    public var sysctl: [String: String]?
    /// Paths made unreadable in the container (a /dev/null bind, or an empty read-only tmpfs for a directory).
    public var maskedPaths: [String]?
    /// Paths remounted read-only in the container.
    public var readonlyPaths: [String]?
    /// The SELinux label of the container's mounts (not applied by Skiff; kept for round trips).
    public var mountLabel: String?

    /// A `linux` object with the given parts; everything left out is absent from the JSON.
    public init(
        namespaces: [LinuxNamespace]? = nil, uidMappings: [LinuxIDMapping]? = nil,
        gidMappings: [LinuxIDMapping]? = nil, devices: [LinuxDevice]? = nil, cgroupsPath: String? = nil,
        resources: LinuxResources? = nil, rootfsPropagation: String? = nil, seccomp: LinuxSeccomp? = nil,
        sysctl: [String: String]? = nil, maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil
    ) {
        self.namespaces = namespaces
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.devices = devices
        self.cgroupsPath = cgroupsPath
        self.resources = resources
        self.rootfsPropagation = rootfsPropagation
        self.seccomp = seccomp
        self.sysctl = sysctl
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
    }
}

/// `type` is one of pid, network, mount, ipc, uts, user, cgroup, time; a `path` means join, not create.
public struct LinuxNamespace: Codable, Sendable, Equatable {
    /// The kind: `pid`, `network`, `mount`, `ipc`, `uts`, `user`, `cgroup` or `time`.
    public var type: String
    /// A namespace file (`/proc/PID/ns/net`, a bind of one) to join instead of creating a new namespace.
    public var path: String?

    /// A new namespace of `type`, or the one at `path` joined.
    public init(type: String, path: String? = nil) {
        self.type = type
        self.path = path
    }
}

/// One range of a user namespace's id map: `size` ids from `containerID` inside are `hostID`... outside.
public struct LinuxIDMapping: Codable, Sendable, Equatable {
    /// The first id of the range inside the container.
    public var containerID: UInt32
    /// The id `containerID` maps to on the host.
    public var hostID: UInt32
    /// How many consecutive ids the range covers.
    public var size: UInt32

    /// The range of `size` ids starting at `containerID` inside and `hostID` outside.
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

/// A device node to create in the container: type "c", "b", "u" or "p".
public struct LinuxDevice: Codable, Sendable, Equatable {
    /// Where the node goes in the container (e.g. /dev/fuse).
    public var path: String
    /// The node type: `c` (character), `b` (block), `u` (unbuffered character) or `p` (FIFO).
    public var type: String
    /// The device's major number (not for FIFOs).
    public var major: Int64?
    /// The device's minor number (not for FIFOs).
    public var minor: Int64?
    /// Its permission bits; 0666 when nil.
    public var fileMode: UInt32?
    /// Its owner, in the container's user namespace.
    public var uid: UInt32?
    /// Its group, in the container's user namespace.
    public var gid: UInt32?

    /// A device node at `path` of `type` with the given numbers, mode and owner.
    public init(
        path: String, type: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
        uid: UInt32? = nil, gid: UInt32? = nil
    ) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

/// `linux.resources`: the cgroup limits the container runs under (also what `update` changes).
public struct LinuxResources: Codable, Sendable, Equatable {
    /// Device access rules, applied in order (the last match wins).
    public var devices: [LinuxDeviceCgroup]?
    /// Memory limits.
    public var memory: LinuxMemory?
    /// CPU weight, bandwidth and placement.
    public var cpu: LinuxCPU?
    /// The largest number of tasks the container may have.
    public var pids: LinuxPids?
    /// Limits per huge page size.
    public var hugepageLimits: [LinuxHugepageLimit]?
    /// net_cls class id and net_prio priorities (cgroup v1).
    public var network: LinuxNetwork?
    /// Raw cgroup v2 files to write (`memory.high` → "1G"), after the other limits.
    public var unified: [String: String]?
    /// Block I/O weights and throttles (blkio on v1, io on v2).
    public var blockIO: LinuxBlockIO?

    /// Resources with the given limits; what is left out is not limited.
    public init(
        devices: [LinuxDeviceCgroup]? = nil, memory: LinuxMemory? = nil, cpu: LinuxCPU? = nil,
        pids: LinuxPids? = nil, hugepageLimits: [LinuxHugepageLimit]? = nil, network: LinuxNetwork? = nil,
        unified: [String: String]? = nil, blockIO: LinuxBlockIO? = nil
    ) {
        self.devices = devices
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.hugepageLimits = hugepageLimits
        self.network = network
        self.unified = unified
        self.blockIO = blockIO
    }
}

/// `linux.resources.blockIO`: the blkio (v1) / io (v2) controller's weights and throttles.
public struct LinuxBlockIO: Codable, Sendable, Equatable {
    /// 10...1000.
    public var weight: UInt16?
    /// The weight for the cgroup's own tasks against its children (cgroup v1 CFQ only; ignored on v2).
    public var leafWeight: UInt16?
    /// Weights for single devices, overriding `weight` there.
    public var weightDevice: [LinuxWeightDevice]?
    /// Read limits in bytes per second, per device.
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    /// Write limits in bytes per second, per device.
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    /// Read limits in operations per second, per device.
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    /// Write limits in operations per second, per device.
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?

    /// Block I/O settings as given; what is left out is not limited.
    public init(
        weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevice: [LinuxWeightDevice]? = nil,
        throttleReadBpsDevice: [LinuxThrottleDevice]? = nil, throttleWriteBpsDevice: [LinuxThrottleDevice]? = nil,
        throttleReadIOPSDevice: [LinuxThrottleDevice]? = nil, throttleWriteIOPSDevice: [LinuxThrottleDevice]? = nil
    ) {
        self.weight = weight
        self.leafWeight = leafWeight
        self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice
        self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice
        self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

/// A block device's own weight: `blockIO.weightDevice[]`.
public struct LinuxWeightDevice: Codable, Sendable, Equatable {
    /// The device's major number.
    public var major: Int64
    /// The device's minor number.
    public var minor: Int64
    /// Its weight, 10...1000.
    public var weight: UInt16?
    /// Its weight for the cgroup's own tasks (cgroup v1 CFQ only).
    public var leafWeight: UInt16?

    /// A weight entry for device MAJOR:MINOR.
    public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
    }
}

/// A block device's rate limit: one entry of the `blockIO.throttle*Device` lists.
public struct LinuxThrottleDevice: Codable, Sendable, Equatable {
    /// The device's major number.
    public var major: Int64
    /// The device's minor number.
    public var minor: Int64
    /// Bytes or operations per second, by the list the entry is in.
    public var rate: UInt64

    /// A limit of `rate` for device MAJOR:MINOR.
    public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major
        self.minor = minor
        self.rate = rate
    }
}

/// `linux.resources.hugepageLimits[]`: a limit in bytes for one huge page size ("2MB", "1GB").
public struct LinuxHugepageLimit: Codable, Sendable, Equatable {
    /// The huge page size, e.g. "2MB".
    public var pageSize: String
    /// The limit in bytes.
    public var limit: UInt64

    /// A limit of `limit` bytes of `pageSize` pages.
    public init(pageSize: String, limit: UInt64) {
        self.pageSize = pageSize
        self.limit = limit
    }
}

/// `linux.resources.network`: the net_cls class id and the net_prio priorities (cgroup v1).
public struct LinuxNetwork: Codable, Sendable, Equatable {
    /// The class id written to net_cls.classid, tagging the container's packets for tc.
    public var classID: UInt32?
    /// Per-interface priorities written to net_prio.ifpriomap.
    public var priorities: [LinuxInterfacePriority]?

    /// Network settings with a class id and interface priorities.
    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority]? = nil) {
        self.classID = classID
        self.priorities = priorities
    }
}

/// The priority of the container's traffic on one network interface (net_prio).
public struct LinuxInterfacePriority: Codable, Sendable, Equatable {
    /// The interface name, e.g. eth0.
    public var name: String
    /// The priority given to its packets.
    public var priority: UInt32

    /// Priority `priority` on interface `name`.
    public init(name: String, priority: UInt32) {
        self.name = name
        self.priority = priority
    }
}

/// A devices-cgroup rule: allow or deny `access` ("rwm") to devices of a type and numbers (nil = any).
public struct LinuxDeviceCgroup: Codable, Sendable, Equatable {
    /// Whether the rule allows (true) or denies the access.
    public var allow: Bool
    /// `c`, `b` or `a` (all); nil means all.
    public var type: String?
    /// The major number; nil means any.
    public var major: Int64?
    /// The minor number; nil means any.
    public var minor: Int64?
    /// Any of `r` (read), `w` (write) and `m` (mknod); nil means all three.
    public var access: String?

    /// A rule allowing or denying `access` to the devices it names.
    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }
}

/// `linux.resources.memory`: memory limits in bytes (-1: unlimited).
public struct LinuxMemory: Codable, Sendable, Equatable {
    /// The hard limit on memory use (memory.limit_in_bytes, memory.max).
    public var limit: Int64?
    /// The soft limit the kernel reclaims down to under pressure (memory.soft_limit_in_bytes, memory.low).
    public var reservation: Int64?
    /// The limit on memory plus swap (memory.memsw.limit_in_bytes; v2 gets swap = this minus `limit`).
    public var swap: Int64?
    /// How eagerly the kernel swaps the container's pages, 0-100 (cgroup v1).
    public var swappiness: UInt64?
    /// Pause rather than kill the container's processes at the limit (cgroup v1 memory.oom_control).
    public var disableOOMKiller: Bool?
    /// Kernel TCP buffer memory limit (cgroup v1 memory.kmem.tcp.limit_in_bytes).
    public var kernelTCP: Int64?

    /// Memory limits as given; what is left out is not limited.
    public init(
        limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil, swappiness: UInt64? = nil,
        disableOOMKiller: Bool? = nil, kernelTCP: Int64? = nil
    ) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
        self.swappiness = swappiness
        self.disableOOMKiller = disableOOMKiller
        self.kernelTCP = kernelTCP
    }
}

/// `linux.resources.cpu`: CPU weight, bandwidth limit and the CPUs and memory nodes allowed.
public struct LinuxCPU: Codable, Sendable, Equatable {
    /// The relative weight (cgroup v1 cpu.shares, 2-262144; converted to v2's cpu.weight).
    public var shares: UInt64?
    /// CPU time in microseconds the container may use per `period` (-1: unlimited).
    public var quota: Int64?
    /// The accounting period for `quota`, in microseconds.
    public var period: UInt64?
    /// The CPUs it may run on, e.g. "0-3,6".
    public var cpus: String?
    /// The memory nodes it may allocate from, e.g. "0".
    public var mems: String?
    /// Real-time scheduling budget (cgroup v1 cpu.rt_runtime_us / cpu.rt_period_us).
    public var realtimeRuntime: Int64?
    /// The period that `realtimeRuntime` is measured in, in microseconds.
    public var realtimePeriod: UInt64?

    /// CPU settings as given; what is left out is not limited.
    public init(
        shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil, cpus: String? = nil,
        mems: String? = nil, realtimeRuntime: Int64? = nil, realtimePeriod: UInt64? = nil
    ) {
        self.shares = shares
        self.quota = quota
        self.period = period
        self.cpus = cpus
        self.mems = mems
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
    }
}

/// `linux.resources.pids`: a limit on the number of tasks (fork bombs stop there).
public struct LinuxPids: Codable, Sendable, Equatable {
    /// The largest number of tasks (processes and threads); -1 or 0 is unlimited.
    public var limit: Int64

    /// A limit of `limit` tasks.
    public init(limit: Int64) {
        self.limit = limit
    }
}
