import SkiffOCI

/// A container's resource limits in Docker's HostConfig terms (0 or "": not set), as `inspect` shows
/// them and `update` changes them. The container's config.json (`linux.resources`) holds them; only
/// `--cpus` is kept in the record too (`Container.nanoCpus`), since it becomes a quota in the spec.
public struct ResourceSettings: Sendable, Equatable {
    /// The CFS period a `--cpus` quota is expressed over (Docker's daemon uses the same).
    public static let nanoCpuPeriod: Int64 = 100_000

    /// --memory: the limit in bytes.
    public var memory: Int64 = 0
    /// Memory plus swap; -1: unlimited swap.
    public var memorySwap: Int64 = 0
    /// --memory-reservation: the soft limit in bytes.
    public var memoryReservation: Int64 = 0
    /// `--cpus` × 10⁹.
    public var nanoCpus: Int64 = 0
    /// --cpu-shares: the relative CPU weight.
    public var cpuShares: Int64 = 0
    /// --cpu-period: the CFS period in microseconds.
    public var cpuPeriod: Int64 = 0
    /// --cpu-quota: CFS microseconds per period.
    public var cpuQuota: Int64 = 0
    /// --cpu-rt-period, in microseconds.
    public var cpuRealtimePeriod: Int64 = 0
    /// --cpu-rt-runtime, in microseconds per period.
    public var cpuRealtimeRuntime: Int64 = 0
    /// --cpuset-cpus: a CPU list such as 0-3.
    public var cpusetCpus = ""
    /// --cpuset-mems: a memory node list.
    public var cpusetMems = ""
    /// nil: unlimited (Docker's inspect shows null).
    public var pidsLimit: Int64?
    /// --blkio-weight: 10 to 1000.
    public var blkioWeight: UInt16 = 0

    /// Nothing set.
    public init() {}

    /// The settings a spec's resources carry; `nanoCpus` is the record's (its quota is then not shown as one).
    public init(resources r: LinuxResources?, nanoCpus: Int64?) {
        let positive = { (v: Int64?) -> Int64 in max(v ?? 0, 0) }
        memory = positive(r?.memory?.limit)
        memorySwap = r?.memory?.swap == -1 ? -1 : positive(r?.memory?.swap)
        memoryReservation = positive(r?.memory?.reservation)
        cpuShares = Int64(clamping: r?.cpu?.shares ?? 0)
        if let n = nanoCpus, n > 0 {
            self.nanoCpus = n
        } else {
            cpuQuota = positive(r?.cpu?.quota)
            cpuPeriod = Int64(clamping: r?.cpu?.period ?? 0)
        }
        cpuRealtimePeriod = Int64(clamping: r?.cpu?.realtimePeriod ?? 0)
        cpuRealtimeRuntime = positive(r?.cpu?.realtimeRuntime)
        cpusetCpus = r?.cpu?.cpus ?? ""
        cpusetMems = r?.cpu?.mems ?? ""
        if let p = r?.pids?.limit, p > 0 { pidsLimit = p }
        blkioWeight = r?.blockIO?.weight ?? 0
    }

    /// Write these settings into a spec's resources, leaving what they do not cover (devices, swappiness…).
    public func write(into r: inout LinuxResources) {
        func some(_ v: Int64) -> Int64? { v == 0 ? nil : v }
        var m = r.memory ?? LinuxMemory()
        m.limit = some(memory)
        m.swap = some(memorySwap)
        m.reservation = some(memoryReservation)
        r.memory = m == LinuxMemory() ? nil : m
        var c = r.cpu ?? LinuxCPU()
        c.shares = cpuShares > 0 ? UInt64(cpuShares) : nil
        if nanoCpus > 0 {
            c.period = UInt64(Self.nanoCpuPeriod)
            c.quota = nanoCpus * Self.nanoCpuPeriod / 1_000_000_000
        } else {
            c.period = cpuPeriod > 0 ? UInt64(cpuPeriod) : nil
            c.quota = some(cpuQuota)
        }
        c.realtimePeriod = cpuRealtimePeriod > 0 ? UInt64(cpuRealtimePeriod) : nil
        c.realtimeRuntime = some(cpuRealtimeRuntime)
        c.cpus = cpusetCpus.isEmpty ? nil : cpusetCpus
        c.mems = cpusetMems.isEmpty ? nil : cpusetMems
        r.cpu = c == LinuxCPU() ? nil : c
        r.pids = pidsLimit.map { LinuxPids(limit: $0) }
        if blkioWeight > 0 {
            var b = r.blockIO ?? LinuxBlockIO()
            b.weight = blkioWeight
            r.blockIO = b
        } else if r.blockIO != nil {
            r.blockIO?.weight = nil
            if r.blockIO == LinuxBlockIO() { r.blockIO = nil }
        }
    }
}

extension ContainerInspect.HostConfigDoc {
    /// HostConfig's resource fields, as Docker's inspect shows them.
    mutating func setResources(_ s: ResourceSettings) {
        Memory = s.memory
        MemorySwap = s.memorySwap
        MemoryReservation = s.memoryReservation
        NanoCpus = s.nanoCpus
        CpuShares = s.cpuShares
        CpuPeriod = s.cpuPeriod
        CpuQuota = s.cpuQuota
        CpuRealtimePeriod = s.cpuRealtimePeriod
        CpuRealtimeRuntime = s.cpuRealtimeRuntime
        CpusetCpus = s.cpusetCpus
        CpusetMems = s.cpusetMems
        PidsLimit = s.pidsLimit
        BlkioWeight = s.blkioWeight
    }
}
