import SkiffOCI

/// What `skiff update` asks for: only the settings given (nil: leave as it is). Docker's CLI sends a 0
/// for a flag not given, so a 0 here has already become nil, except for the pids limit (0 or -1: none).
public struct ContainerUpdateRequest: Sendable, Equatable {
    /// --memory: the limit in bytes.
    public var memory: Int64?
    /// -1: unlimited swap.
    public var memorySwap: Int64?
    /// --memory-reservation: the soft limit in bytes.
    public var memoryReservation: Int64?
    /// --cpus × 10⁹.
    public var nanoCpus: Int64?
    /// --cpu-shares: the relative CPU weight.
    public var cpuShares: Int64?
    /// --cpu-period: the CFS period in microseconds.
    public var cpuPeriod: Int64?
    /// --cpu-quota: CFS microseconds per period.
    public var cpuQuota: Int64?
    /// --cpu-rt-period, in microseconds.
    public var cpuRealtimePeriod: Int64?
    /// --cpu-rt-runtime, in microseconds per period.
    public var cpuRealtimeRuntime: Int64?
    /// --cpuset-cpus: a CPU list such as 0-3.
    public var cpusetCpus: String?
    /// --cpuset-mems: a memory node list.
    public var cpusetMems: String?
    /// 0 or less: unlimited.
    public var pidsLimit: Int64?
    /// --blkio-weight: 10 to 1000.
    public var blkioWeight: UInt16?
    /// --restart.
    public var restartPolicy: RestartPolicy?

    /// Nothing set.
    public init() {}

    /// Nothing asked for (Docker: "you must provide one or more flags").
    public var isEmpty: Bool { self == ContainerUpdateRequest() }
}

/// What this host offers, for the checks Docker's daemon makes (sysinfo).
public struct UpdateHostFacts: Sendable, Equatable {
    /// Online CPUs.
    public var cpuCount: Int
    /// The kernel's lists ("0-3"): /sys/devices/system/cpu/online and …/node/online.
    public var onlineCpus: String
    /// The online memory nodes.
    public var onlineMems: String

    /// Facts as read from the host.
    public init(cpuCount: Int, onlineCpus: String, onlineMems: String) {
        self.cpuCount = cpuCount
        self.onlineCpus = onlineCpus
        self.onlineMems = onlineMems
    }
}

/// The outcome of an update: the settings to record, and the cgroup writes for a live container.
public struct ContainerUpdatePlan: Sendable, Equatable {
    /// The container's settings after the update.
    public var settings: ResourceSettings
    /// Only what the request changes (the runtime's `update` leaves the rest of the cgroup as it is).
    public var live: LinuxResources

    /// Docker's checks (daemon verifyPlatformContainerResources, then Container.UpdateContainer), in its
    /// order and words; `current` is the container's settings now.
    public static func make(
        current: ResourceSettings, request r: ContainerUpdateRequest, autoRemove: Bool, host: UpdateHostFacts
    ) throws(KitError) -> ContainerUpdatePlan {
        let minimum: Int64 = 6 * 1024 * 1024
        if let m = r.memory, m < minimum { throw .usage("Minimum memory limit allowed is 6MB") }
        if let m = r.memory, let s = r.memorySwap, s > 0, s < m {
            throw .usage("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if let m = r.memoryReservation, m < minimum { throw .usage("Minimum memory reservation allowed is 6MB") }
        if let m = r.memory, let res = r.memoryReservation, m < res {
            throw .usage("Minimum memory limit can not be less than memory reservation limit, see usage")
        }
        if r.nanoCpus != nil && r.cpuPeriod != nil {
            throw .usage("Conflicting options: Nano CPUs and CPU Period cannot both be set")
        }
        if r.nanoCpus != nil && r.cpuQuota != nil {
            throw .usage("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
        }
        if let n = r.nanoCpus, n < 0 || n > Int64(host.cpuCount) * 1_000_000_000 {
            throw .usage(
                "Range of CPUs is from 0.01 to \(host.cpuCount).00, as there are only \(host.cpuCount) CPUs available")
        }
        if let s = r.cpuShares, s < 0 { throw .usage("shares: invalid argument") }
        if let p = r.cpuPeriod, p < 1000 || p > 1_000_000 {
            throw .usage("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        }
        if let q = r.cpuQuota, q > 0, q < 1000 { throw .usage("CPU cfs quota can not be less than 1ms (i.e. 1000)") }
        if let rt = r.cpuRealtimeRuntime, let p = r.cpuRealtimePeriod, rt > p {
            throw .usage("cpu-rt-runtime cannot be higher than cpu-rt-period")
        }
        if let cpus = r.cpusetCpus {
            try checkCpuset(cpus, available: host.onlineCpus, what: "cpuset cpus", noun: "CPUs")
        }
        if let mems = r.cpusetMems {
            try checkCpuset(mems, available: host.onlineMems, what: "cpuset mems", noun: "memory nodes")
        }
        if let w = r.blkioWeight, w < 10 || w > 1000 { throw .usage("Range of blkio weight is from 10 to 1000") }

        // Container.UpdateContainer: what the request may change given what the container has.
        var s = current
        if r.nanoCpus != nil && current.cpuPeriod > 0 {
            throw .usage("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")
        }
        if r.nanoCpus != nil && current.cpuQuota > 0 {
            throw .usage("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")
        }
        if r.cpuPeriod != nil && current.nanoCpus > 0 {
            throw .usage("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set")
        }
        if r.cpuQuota != nil && current.nanoCpus > 0 {
            throw .usage("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")
        }
        if let m = r.memory {
            if current.memorySwap > 0 && m > current.memorySwap && r.memorySwap == nil {
                throw .usage(
                    "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"
                )
            }
            s.memory = m
        }
        if let v = r.memorySwap { s.memorySwap = v }
        if s.memorySwap > 0 && s.memory > 0 && s.memorySwap < s.memory {
            throw .usage("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if let v = r.memoryReservation {
            if s.memory > 0 && v > s.memory {
                throw .usage("Minimum memory limit can not be less than memory reservation limit, see usage")
            }
            s.memoryReservation = v
        }
        if let v = r.nanoCpus { s.nanoCpus = v }
        if let v = r.cpuShares { s.cpuShares = v }
        if let v = r.cpuPeriod { s.cpuPeriod = v }
        if let v = r.cpuQuota { s.cpuQuota = v }
        if let v = r.cpuRealtimePeriod { s.cpuRealtimePeriod = v }
        if let v = r.cpuRealtimeRuntime { s.cpuRealtimeRuntime = v }
        if let v = r.cpusetCpus { s.cpusetCpus = v }
        if let v = r.cpusetMems { s.cpusetMems = v }
        if let v = r.pidsLimit { s.pidsLimit = v > 0 ? v : nil }
        if let v = r.blkioWeight { s.blkioWeight = v }
        if let policy = r.restartPolicy, autoRemove, policy.name != .no {
            throw .usage("Restart policy cannot be updated because AutoRemove is enabled for the container")
        }
        return ContainerUpdatePlan(settings: s, live: liveWrites(r, settings: s))
    }

    /// The cgroup writes for `r`: only the values it names, plus the memory limit a swap value is
    /// computed against (cgroup v2's memory.swap.max is the swap alone).
    static func liveWrites(_ r: ContainerUpdateRequest, settings s: ResourceSettings) -> LinuxResources {
        var live = LinuxResources()
        if r.memory != nil || r.memorySwap != nil || r.memoryReservation != nil {
            var m = LinuxMemory()
            m.limit = r.memory ?? (r.memorySwap != nil && s.memory > 0 ? s.memory : nil)
            m.swap = r.memorySwap
            m.reservation = r.memoryReservation
            live.memory = m
        }
        var c = LinuxCPU()
        if r.cpuShares != nil { c.shares = UInt64(s.cpuShares) }
        if r.nanoCpus != nil {
            c.period = UInt64(ResourceSettings.nanoCpuPeriod)
            c.quota = s.nanoCpus * ResourceSettings.nanoCpuPeriod / 1_000_000_000
        }
        if let p = r.cpuPeriod { c.period = UInt64(p) }
        if let q = r.cpuQuota { c.quota = q < 0 ? -1 : q }
        if let p = r.cpuRealtimePeriod { c.realtimePeriod = UInt64(p) }
        c.realtimeRuntime = r.cpuRealtimeRuntime
        c.cpus = r.cpusetCpus
        c.mems = r.cpusetMems
        if c != LinuxCPU() { live.cpu = c }
        if let p = r.pidsLimit { live.pids = LinuxPids(limit: p > 0 ? p : -1) }
        if let w = r.blkioWeight { live.blockIO = LinuxBlockIO(weight: w) }
        return live
    }

    /// Docker's cpuset checks: a list the kernel reads, naming only what the host has online.
    static func checkCpuset(_ text: String, available: String, what: String, noun: String) throws(KitError) {
        guard let wanted = CpuList.parse(text) else { throw .usage("Invalid value \(text) for \(what)") }
        guard let online = CpuList.parse(available), wanted.isSubset(of: online) else {
            throw .usage("Requested \(noun) are not available - requested \(text), available: \(available)")
        }
    }
}

/// The kernel's CPU and node list format: "0-3,5".
enum CpuList {
    static func parse(_ text: String) -> Set<Int>? {
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let low = Int(ends[0]), low >= 0,
                let high = ends.count == 2 ? Int(ends[1]) : low, high >= low, high - low < 65536
            else { return nil }
            out.formUnion(low...high)
        }
        return out
    }
}
