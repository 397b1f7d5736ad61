#if canImport(Glibc)
import Glibc
#endif

/// A container's resource usage as runc's `events` prints it (libcontainer's types/events): cpu,
/// memory and pids, read from the v1 controllers or the cgroup2 directory. A counter the host does not
/// offer reads as zero, as runc leaves it.
public struct CgroupStats: Codable, Sendable, Equatable {
    public var cpu = CPU()
    public var memory = Memory()
    public var pids = Pids()

    public struct CPU: Codable, Sendable, Equatable {
        public var usage = Usage()
        public var throttling = Throttling()
        public struct Usage: Codable, Sendable, Equatable {
            /// Nanoseconds.
            public var total: UInt64 = 0
            public var percpu: [UInt64]?
            public var kernel: UInt64 = 0
            public var user: UInt64 = 0
        }
        public struct Throttling: Codable, Sendable, Equatable {
            public var periods: UInt64?
            public var throttledPeriods: UInt64?
            public var throttledTime: UInt64?
        }
    }

    public struct Memory: Codable, Sendable, Equatable {
        public var usage = Entry()
        public var swap = Entry()
        public var raw: [String: UInt64] = [:]
        public struct Entry: Codable, Sendable, Equatable {
            public var limit: UInt64 = 0
            public var usage: UInt64 = 0
            public var max: UInt64 = 0
            public var failcnt: UInt64 = 0
        }
    }

    public struct Pids: Codable, Sendable, Equatable {
        public var current: UInt64 = 0
        public var limit: UInt64 = 0
    }
}

extension CgroupManager {
    /// Read the container's counters now.
    public func stats() -> CgroupStats {
        var s = CgroupStats()
        let h = layout.v1Hierarchies
        if !h.isEmpty {
            if let mount = h["cpuacct"] {
                let dir = leaf(in: mount)
                s.cpu.usage.total = number(dir + "/cpuacct.usage")
                s.cpu.usage.percpu = text(dir + "/cpuacct.usage_percpu").split(separator: " ").compactMap { UInt64($0) }
                let stat = keyed(dir + "/cpuacct.stat")
                // USER_HZ ticks to nanoseconds.
                let tick = UInt64(1_000_000_000 / max(1, sysconf(Int32(_SC_CLK_TCK))))
                s.cpu.usage.user = (stat["user"] ?? 0) * tick
                s.cpu.usage.kernel = (stat["system"] ?? 0) * tick
            }
            if let mount = h["cpu"] {
                let stat = keyed(leaf(in: mount) + "/cpu.stat")
                s.cpu.throttling = .init(
                    periods: stat["nr_periods"], throttledPeriods: stat["nr_throttled"],
                    throttledTime: stat["throttled_time"])
            }
            if let mount = h["memory"] {
                let dir = leaf(in: mount)
                s.memory.usage = .init(
                    limit: number(dir + "/memory.limit_in_bytes"), usage: number(dir + "/memory.usage_in_bytes"),
                    max: number(dir + "/memory.max_usage_in_bytes"), failcnt: number(dir + "/memory.failcnt"))
                s.memory.swap = .init(
                    limit: number(dir + "/memory.memsw.limit_in_bytes"),
                    usage: number(dir + "/memory.memsw.usage_in_bytes"),
                    max: number(dir + "/memory.memsw.max_usage_in_bytes"),
                    failcnt: number(dir + "/memory.memsw.failcnt"))
                s.memory.raw = keyed(dir + "/memory.stat")
            }
            if let mount = h["pids"] {
                let dir = leaf(in: mount)
                s.pids = .init(current: number(dir + "/pids.current"), limit: number(dir + "/pids.max"))
            }
        } else if case .v2(let root) = layout {
            let dir = leaf(in: root)
            let cpu = keyed(dir + "/cpu.stat")
            s.cpu.usage.total = (cpu["usage_usec"] ?? 0) * 1000
            s.cpu.usage.user = (cpu["user_usec"] ?? 0) * 1000
            s.cpu.usage.kernel = (cpu["system_usec"] ?? 0) * 1000
            s.cpu.throttling = .init(
                periods: cpu["nr_periods"], throttledPeriods: cpu["nr_throttled"],
                throttledTime: cpu["throttled_usec"].map { $0 * 1000 })
            s.memory.usage = .init(
                limit: number(dir + "/memory.max"), usage: number(dir + "/memory.current"),
                max: number(dir + "/memory.peak"), failcnt: keyed(dir + "/memory.events")["max"] ?? 0)
            s.memory.swap = .init(limit: number(dir + "/memory.swap.max"), usage: number(dir + "/memory.swap.current"))
            s.memory.raw = keyed(dir + "/memory.stat")
            s.pids = .init(current: number(dir + "/pids.current"), limit: number(dir + "/pids.max"))
        }
        return s
    }

    /// How many times the kernel's OOM killer acted in the cgroup (v1 memory.oom_control, v2 memory.events).
    public func oomKills() -> UInt64 { oomReport()?.oomKills ?? 0 }

    private func text(_ path: String) -> String {
        ((try? fs.readTrimmedIfExists(path)) ?? nil) ?? ""
    }

    /// A single number; "max" (v2's unlimited) reads as UInt64.max, as runc reports it.
    private func number(_ path: String) -> UInt64 {
        let t = text(path)
        return t == "max" ? UInt64.max : UInt64(t) ?? 0
    }

    /// "key value" lines.
    private func keyed(_ path: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in text(path).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = UInt64(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }
}
