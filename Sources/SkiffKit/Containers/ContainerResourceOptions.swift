import SkiffOCI

/// Docker's create settings that become OCI resources and process fields beyond --memory/--cpus/
/// --pids-limit: --memory-reservation, --memory-swap, --cpu-shares, --cpuset-cpus, --oom-score-adj,
/// --ulimit, --shm-size, --domainname and --annotation (compose: mem_reservation, memswap_limit,
/// cpu_shares, cpuset, oom_score_adj, ulimits, shm_size, domainname, annotations).
public struct ContainerResourceOptions: Sendable, Equatable {
    /// Bytes (cgroup v2 memory.low).
    public var memoryReservation: Int64?
    /// Memory plus swap, bytes; -1: unlimited swap. Docker's default: twice the memory limit.
    public var memorySwap: Int64?
    /// Relative CPU weight (2...262144; the runtime maps it to cpu.weight).
    public var cpuShares: UInt64?
    /// CPUs the container may run on ("0-3", "0,1").
    public var cpusetCpus: String?
    /// Memory nodes the container may use (--cpuset-mems; same syntax).
    public var cpusetMems: String?
    /// -1000...1000.
    public var oomScoreAdj: Int?
    /// RLIMIT_<NAME> by Docker's lower-case name (nofile, nproc, core…).
    public var ulimits: [Ulimit] = []
    /// Size of /dev/shm in bytes (Docker's default: 64 MiB).
    public var shmSize: Int64?
    /// --domainname: the container's NIS domain name.
    public var domainname: String?
    /// OCI annotations beyond the labels.
    public var annotations: [String: String] = [:]
    /// --cpu-quota: microseconds of CPU time per period (-1: unlimited).
    public var cpuQuota: Int64?
    /// --cpu-period: the CFS period in microseconds (1000...1000000).
    public var cpuPeriod: UInt64?
    /// --cpu-rt-runtime: real-time microseconds per real-time period (cgroup v1).
    public var cpuRealtimeRuntime: Int64?
    /// --cpu-rt-period: the real-time period in microseconds (cgroup v1).
    public var cpuRealtimePeriod: UInt64?
    /// --memory-swappiness: 0...100 (cgroup v1; Docker discards it on v2).
    public var memorySwappiness: UInt64?
    /// --oom-kill-disable (cgroup v1; Docker discards it on v2).
    public var oomKillDisable: Bool?
    /// --blkio-weight, --device-read-bps… (compose blkio_config).
    public var blockIO = BlockIOOptions()
    /// --cgroup-parent: the cgroup the container's own goes under (default: /skiff).
    public var cgroupParent: String?

    /// Nothing beyond Docker's defaults.
    public init() {}

    /// One `--ulimit NAME=SOFT[:HARD]`.
    public struct Ulimit: Sendable, Equatable {
        /// Docker's lower-case name (`nofile`, `nproc`, ...).
        public var name: String
        /// The soft limit.
        public var soft: UInt64
        /// The hard limit.
        public var hard: UInt64
        /// A limit `soft`:`hard` on `name`.
        public init(name: String, soft: UInt64, hard: UInt64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
    }

    /// The names Docker's --ulimit takes (RLIMIT_ + upper case).
    public static let ulimitNames: Set<String> = [
        "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
        "rtprio", "rttime", "sigpending", "stack",
    ]

    /// A cpuset list as the kernel takes it: "0-3", "0,2", "1".
    public static func isNumberList(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "," || $0 == "-") }
    }

    /// Check values the kernel would refuse later, naming `origin` (a flag or a compose path).
    public func validate() throws(KitError) {
        if let a = oomScoreAdj, !(-1000...1000).contains(a) {
            throw .usage("oom_score_adj \(a): must be between -1000 and 1000")
        }
        if let s = cpuShares, s != 0, !(2...262_144).contains(s) {
            throw .usage("cpu_shares \(s): must be between 2 and 262144")
        }
        if let c = cpusetCpus, !Self.isNumberList(c) {
            throw .usage("cpuset \"\(c)\": expected CPU numbers such as 0-3 or 0,1")
        }
        if let m = cpusetMems, !Self.isNumberList(m) {
            throw .usage("cpuset mems \"\(m)\": expected memory node numbers such as 0-3 or 0,1")
        }
        if let p = cpuPeriod, p != 0, !(1000...1_000_000).contains(p) {
            throw .usage("cpu_period \(p): must be between 1000 (1ms) and 1000000 (1s) microseconds")
        }
        if let q = cpuQuota, q > 0, q < 1000 {
            throw .usage("cpu_quota \(q): must be at least 1000 microseconds (1ms), or -1 for no limit")
        }
        if let r = cpuRealtimeRuntime, let p = cpuRealtimePeriod, r > 0, p > 0, UInt64(r) > p {
            throw .usage("cpu_rt_runtime \(r) cannot be greater than cpu_rt_period \(p)")
        }
        if let s = memorySwappiness, s > 100 {
            throw .usage("mem_swappiness \(s): must be between 0 and 100")
        }
        if let w = blockIO.weight, !BlockIOOptions.checkWeight(UInt64(w)) {
            throw .usage("blkio weight \(w): must be between 10 and 1000")
        }
        for d in blockIO.weightDevices where !(10...1000).contains(d.value) {
            throw .usage("blkio weight_device \(d.path): weight \(d.value) must be between 10 and 1000")
        }
        if let parent = cgroupParent {
            let parts = parent.split(separator: "/")
            guard !parts.isEmpty, !parts.contains(".."), !parts.contains("."),
                parent.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\0" && $0 != "\n" })
            else {
                throw .usage(
                    "cgroup_parent \"\(parent)\": expected a cgroup path such as /mygroup or mygroup/sub (no . or .. parts)"
                )
            }
        }
        for u in ulimits {
            guard Self.ulimitNames.contains(u.name) else {
                throw .usage("ulimit \(u.name): unknown (e.g. nofile, nproc, core)")
            }
            guard u.soft <= u.hard else {
                throw .usage("ulimit \(u.name): the soft limit \(u.soft) is above the hard limit \(u.hard)")
            }
        }
    }

    /// Apply to a spec built by SpecBuilder (after --memory, which sets the swap to twice the limit).
    public func apply(to spec: inout Spec) {
        var resources = spec.linux?.resources ?? LinuxResources()
        if memoryReservation != nil || memorySwap != nil {
            var m = resources.memory ?? LinuxMemory()
            if let r = memoryReservation { m.reservation = r }
            if let s = memorySwap { m.swap = s }
            resources.memory = m
        }
        if memorySwappiness != nil || oomKillDisable != nil {
            var m = resources.memory ?? LinuxMemory()
            if let s = memorySwappiness { m.swappiness = s }
            if let o = oomKillDisable { m.disableOOMKiller = o }
            resources.memory = m
        }
        if cpuShares != nil || cpusetCpus != nil || cpusetMems != nil || cpuQuota != nil || cpuPeriod != nil
            || cpuRealtimeRuntime != nil
            || cpuRealtimePeriod != nil
        {
            var c = resources.cpu ?? LinuxCPU()
            if let s = cpuShares { c.shares = s }
            if let set = cpusetCpus { c.cpus = set }
            if let set = cpusetMems { c.mems = set }
            if let q = cpuQuota { c.quota = q }
            if let p = cpuPeriod { c.period = p }
            if let r = cpuRealtimeRuntime { c.realtimeRuntime = r }
            if let p = cpuRealtimePeriod { c.realtimePeriod = p }
            resources.cpu = c
        }
        spec.linux?.resources = resources
        if let a = oomScoreAdj { spec.process?.oomScoreAdj = a }
        for u in ulimits {
            let type = "RLIMIT_" + u.name.uppercased()
            var list = spec.process?.rlimits ?? []
            list.removeAll { $0.type == type }
            list.append(POSIXRlimit(type: type, hard: u.hard, soft: u.soft))
            spec.process?.rlimits = list
        }
        if let size = shmSize, let i = spec.mounts?.firstIndex(where: { $0.destination == "/dev/shm" }) {
            var options = (spec.mounts?[i].options ?? []).filter { !$0.hasPrefix("size=") }
            options.append("size=\(size)")
            spec.mounts?[i].options = options
        }
        if let d = domainname { spec.domainname = d }
        if !annotations.isEmpty { spec.annotations = (spec.annotations ?? [:]).merging(annotations) { $1 } }
    }
}
