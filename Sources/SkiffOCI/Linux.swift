// `linux` in config.json: namespaces, id mappings, devices, cgroup resources, seccomp, masked paths.

public struct Linux: Codable, Sendable, Equatable {
    public var namespaces: [LinuxNamespace]?
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    public var devices: [LinuxDevice]?
    public var cgroupsPath: String?
    public var resources: LinuxResources?
    public var rootfsPropagation: String?
    public var seccomp: LinuxSeccomp?
    public var sysctl: [String: String]?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?

    public init(namespaces: [LinuxNamespace]? = nil, uidMappings: [LinuxIDMapping]? = nil,
                gidMappings: [LinuxIDMapping]? = nil, devices: [LinuxDevice]? = nil, cgroupsPath: String? = nil,
                resources: LinuxResources? = nil, rootfsPropagation: String? = nil, seccomp: LinuxSeccomp? = nil,
                sysctl: [String: String]? = nil, maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil) {
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
    public var type: String
    public var path: String?

    public init(type: String, path: String? = nil) {
        self.type = type
        self.path = path
    }
}

public struct LinuxIDMapping: Codable, Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

/// A device node to create in the container: type "c", "b", "u" or "p".
public struct LinuxDevice: Codable, Sendable, Equatable {
    public var path: String
    public var type: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?

    public init(path: String, type: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
                uid: UInt32? = nil, gid: UInt32? = nil) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

public struct LinuxResources: Codable, Sendable, Equatable {
    public var devices: [LinuxDeviceCgroup]?
    public var memory: LinuxMemory?
    public var cpu: LinuxCPU?
    public var pids: LinuxPids?
    public var hugepageLimits: [LinuxHugepageLimit]?
    public var network: LinuxNetwork?
    public var unified: [String: String]?
    public var blockIO: LinuxBlockIO?

    public init(devices: [LinuxDeviceCgroup]? = nil, memory: LinuxMemory? = nil, cpu: LinuxCPU? = nil,
                pids: LinuxPids? = nil, hugepageLimits: [LinuxHugepageLimit]? = nil, network: LinuxNetwork? = nil,
                unified: [String: String]? = nil, blockIO: LinuxBlockIO? = nil) {
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
    public var leafWeight: UInt16?
    public var weightDevice: [LinuxWeightDevice]?
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?

    public init(weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevice: [LinuxWeightDevice]? = nil,
                throttleReadBpsDevice: [LinuxThrottleDevice]? = nil, throttleWriteBpsDevice: [LinuxThrottleDevice]? = nil,
                throttleReadIOPSDevice: [LinuxThrottleDevice]? = nil, throttleWriteIOPSDevice: [LinuxThrottleDevice]? = nil) {
        self.weight = weight
        self.leafWeight = leafWeight
        self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice
        self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice
        self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

public struct LinuxWeightDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?

    public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
    }
}

public struct LinuxThrottleDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var rate: UInt64

    public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major
        self.minor = minor
        self.rate = rate
    }
}

/// `linux.resources.hugepageLimits[]`: a limit in bytes for one huge page size ("2MB", "1GB").
public struct LinuxHugepageLimit: Codable, Sendable, Equatable {
    public var pageSize: String
    public var limit: UInt64

    public init(pageSize: String, limit: UInt64) {
        self.pageSize = pageSize
        self.limit = limit
    }
}

/// `linux.resources.network`: the net_cls class id and the net_prio priorities (cgroup v1).
public struct LinuxNetwork: Codable, Sendable, Equatable {
    public var classID: UInt32?
    public var priorities: [LinuxInterfacePriority]?

    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority]? = nil) {
        self.classID = classID
        self.priorities = priorities
    }
}

public struct LinuxInterfacePriority: Codable, Sendable, Equatable {
    public var name: String
    public var priority: UInt32

    public init(name: String, priority: UInt32) {
        self.name = name
        self.priority = priority
    }
}

/// A devices-cgroup rule: allow or deny `access` ("rwm") to devices of a type and numbers (nil = any).
public struct LinuxDeviceCgroup: Codable, Sendable, Equatable {
    public var allow: Bool
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    public var access: String?

    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }
}

public struct LinuxMemory: Codable, Sendable, Equatable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    /// Kernel TCP buffer memory limit (cgroup v1 memory.kmem.tcp.limit_in_bytes).
    public var kernelTCP: Int64?

    public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil, swappiness: UInt64? = nil,
                disableOOMKiller: Bool? = nil, kernelTCP: Int64? = nil) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
        self.swappiness = swappiness
        self.disableOOMKiller = disableOOMKiller
        self.kernelTCP = kernelTCP
    }
}

public struct LinuxCPU: Codable, Sendable, Equatable {
    public var shares: UInt64?
    public var quota: Int64?
    public var period: UInt64?
    public var cpus: String?
    public var mems: String?
    /// Real-time scheduling budget (cgroup v1 cpu.rt_runtime_us / cpu.rt_period_us).
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?

    public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil, cpus: String? = nil,
                mems: String? = nil, realtimeRuntime: Int64? = nil, realtimePeriod: UInt64? = nil) {
        self.shares = shares
        self.quota = quota
        self.period = period
        self.cpus = cpus
        self.mems = mems
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
    }
}

public struct LinuxPids: Codable, Sendable, Equatable {
    public var limit: Int64

    public init(limit: Int64) {
        self.limit = limit
    }
}
