// Resource limits as the host allows them.
//
// Without CAP_SYS_RESOURCE a process cannot raise a hard limit above its own, so a default such as
// Podman's RLIMIT_NOFILE 1048576 makes setrlimit fail in the container on a host whose hard limit is
// lower (here: 20000). Defaults go through `clamp` so they never ask for more than the host has.

import SkiffOCI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum HostLimits {
    /// The RLIMIT_* resources by their spec names.
    public static let resources: [String: Int32] = {
        var table: [String: Int32] = [
            "RLIMIT_CPU": Int32(RLIMIT_CPU.rawValue),
            "RLIMIT_FSIZE": Int32(RLIMIT_FSIZE.rawValue),
            "RLIMIT_DATA": Int32(RLIMIT_DATA.rawValue),
            "RLIMIT_STACK": Int32(RLIMIT_STACK.rawValue),
            "RLIMIT_CORE": Int32(RLIMIT_CORE.rawValue),
            "RLIMIT_RSS": Int32(__RLIMIT_RSS.rawValue),
            "RLIMIT_NPROC": Int32(__RLIMIT_NPROC.rawValue),
            "RLIMIT_NOFILE": Int32(RLIMIT_NOFILE.rawValue),
            "RLIMIT_MEMLOCK": Int32(__RLIMIT_MEMLOCK.rawValue),
            "RLIMIT_AS": Int32(RLIMIT_AS.rawValue),
            "RLIMIT_LOCKS": Int32(__RLIMIT_LOCKS.rawValue),
            "RLIMIT_SIGPENDING": Int32(__RLIMIT_SIGPENDING.rawValue),
            "RLIMIT_MSGQUEUE": Int32(__RLIMIT_MSGQUEUE.rawValue),
            "RLIMIT_NICE": Int32(__RLIMIT_NICE.rawValue),
            "RLIMIT_RTPRIO": Int32(__RLIMIT_RTPRIO.rawValue),
            "RLIMIT_RTTIME": Int32(__RLIMIT_RTTIME.rawValue),
        ]
        table.reserveCapacity(16)
        return table
    }()

    /// The RLIMIT_* number for a spec name such as "RLIMIT_NOFILE", nil if unknown.
    public static func resource(named name: String) -> Int32? {
        resources[name]
    }

    /// This process's (soft, hard) limit for a resource; RLIM_INFINITY is UInt64.max. Nil for an
    /// unknown name or a failed getrlimit.
    public static func current(_ name: String) -> (soft: UInt64, hard: UInt64)? {
        guard let resource = resource(named: name) else { return nil }
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0 else { return nil }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    /// The limits with every hard value at most the host's hard limit and every soft value at most its
    /// (new) hard value. Limits of unknown names are returned unchanged (the spec check reports them).
    public static func clamp(_ rlimits: [POSIXRlimit]) -> [POSIXRlimit] {
        clamp(rlimits, hostHard: { current($0)?.hard })
    }

    /// `clamp` against given hard limits (by spec name; nil: unknown, left unchanged).
    public static func clamp(_ rlimits: [POSIXRlimit], hostHard: (String) -> UInt64?) -> [POSIXRlimit] {
        rlimits.map { limit in
            guard let hostHard = hostHard(limit.type) else { return limit }
            let hard = min(limit.hard, hostHard)
            return POSIXRlimit(type: limit.type, hard: hard, soft: min(limit.soft, hard))
        }
    }
}
