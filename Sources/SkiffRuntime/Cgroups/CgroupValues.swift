import SkiffOCI

/// Pure conversions from `linux.resources` values to what cgroup interface files take.
/// No I/O here, so each rule is unit-tested on its own.
public enum CgroupValues {
    /// v1 `cpu.shares` (2...262144, default 1024) → v2 `cpu.weight` (1...10000, default 100), with the
    /// linear mapping runc uses: `1 + ((shares - 2) * 9999) / 262142`. 1024 → 39.
    public static func cpuWeight(shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    /// v2 `cpu.max`: "QUOTA PERIOD", "max PERIOD" when quota <= 0; nil when neither is given (or both 0).
    public static func cpuMax(quota: Int64?, period: UInt64?) -> String? {
        let q = quota ?? 0
        let p = period ?? 0
        if q == 0 && p == 0 { return nil }
        return (q > 0 ? String(q) : "max") + " " + String(p == 0 ? 100_000 : p)
    }

    /// v2 memory.max / memory.low value: negative → "max"; 0 or nil → nil (not set, as in runc).
    public static func v2Memory(_ value: Int64?) -> String? {
        guard let value, value != 0 else { return nil }
        return value < 0 ? "max" : String(value)
    }

    /// `memory.swap.max` from the spec's memory+swap limit (`swap`) and memory limit (`limit`).
    /// The spec follows v1, where `swap` covers memory plus swap; v2 limits swap alone, so write
    /// `swap - limit`. -1 → "max"; swap unset with memory unlimited → "max"; swap unset → nil.
    public static func v2SwapMax(swap: Int64?, limit: Int64?) throws(CgroupError) -> String? {
        let s = swap ?? 0
        let l = limit ?? 0
        if s == 0 { return l == -1 ? "max" : nil }
        if s == -1 { return "max" }
        if s < -1 {
            throw .invalidValue(setting: "linux.resources.memory.swap", value: String(s), reason: "must be -1 or > 0")
        }
        if l == 0 {
            throw .invalidValue(
                setting: "linux.resources.memory.swap", value: String(s),
                reason: "a swap limit needs a memory limit")
        }
        if l < 0 {
            throw .invalidValue(
                setting: "linux.resources.memory.swap", value: String(s),
                reason: "memory limit is unlimited (\(l)) but swap is limited")
        }
        if s < l {
            throw .invalidValue(
                setting: "linux.resources.memory.swap", value: String(s),
                reason: "memory+swap must be >= the memory limit \(l)")
        }
        return String(s - l)
    }

    /// `pids.max`: "max" for <= 0.
    public static func pidsMax(_ limit: Int64) -> String {
        limit > 0 ? String(limit) : "max"
    }

    /// v1 `cpu.cfs_quota_us`: -1 (unlimited) for a quota <= 0.
    public static func v1CPUQuota(_ quota: Int64) -> String {
        quota > 0 ? String(quota) : "-1"
    }

    /// A v1 devices.allow / devices.deny line: "c 1:3 rwm"; "*" for a nil (or negative) major/minor;
    /// type nil means "a" (all devices); access nil means "rwm".
    public static func deviceRule(_ rule: LinuxDeviceCgroup) throws(CgroupError) -> String {
        let type = rule.type ?? "a"
        guard type == "a" || type == "b" || type == "c" else {
            throw .invalidValue(
                setting: "linux.resources.devices type", value: "\"\(type)\"",
                reason: "must be a, b or c")
        }
        let access = rule.access ?? "rwm"
        guard !access.isEmpty, access.allSatisfy({ $0 == "r" || $0 == "w" || $0 == "m" }) else {
            throw .invalidValue(
                setting: "linux.resources.devices access", value: "\"\(access)\"",
                reason: "must be a non-empty combination of r, w and m")
        }
        func number(_ n: Int64?) -> String {
            guard let n, n >= 0 else { return "*" }
            return String(n)
        }
        return "\(type) \(number(rule.major)):\(number(rule.minor)) \(access)"
    }

    /// A `linux.resources.unified` key must name one interface file in the cgroup directory.
    public static func validateUnifiedKey(_ key: String) throws(CgroupError) {
        if key.isEmpty || key == "." || key == ".." || key.contains("/") || key.contains("\0") {
            throw .invalidUnifiedKey(key: key, reason: "not a cgroup interface file name")
        }
        if key == "cgroup.procs" || key == "cgroup.threads" {
            throw .invalidUnifiedKey(key: key, reason: "managed by the runtime, not settable as a resource")
        }
    }
}
