import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// `process` of a spec → the process part of a LaunchConfig: argv, env, cwd, user, rlimits.
enum ProcessPlanner {
    static func apply(_ process: Process, to config: inout LaunchConfig) throws(SpecError) {
        guard let args = process.args, let first = args.first, !first.isEmpty else {
            throw SpecError.invalid(field: "process.args", reason: "no command to run (args is empty)")
        }
        guard process.cwd.hasPrefix("/") else {
            throw SpecError.invalid(field: "process.cwd", reason: "\"\(process.cwd)\" is not an absolute path")
        }
        config.argv = args
        config.env = process.env ?? []
        config.cwd = process.cwd
        config.uid = process.user.uid
        config.gid = process.user.gid
        config.additionalGids = process.user.additionalGids ?? []
        config.umask = process.user.umask.map { Int32($0 & 0o777) } ?? -1
        config.noNewPrivileges = process.noNewPrivileges ?? false
        config.oomScoreAdj = process.oomScoreAdj.map { Int32($0) }
        config.rlimits = try (process.rlimits ?? []).map { limit throws(SpecError) in
            guard let resource = rlimitResources[limit.type] else {
                throw SpecError.invalid(
                    field: "process.rlimits",
                    reason: "unknown rlimit type \"\(limit.type)\" (expected e.g. RLIMIT_NOFILE)")
            }
            guard limit.soft <= limit.hard else {
                throw SpecError.invalid(
                    field: "process.rlimits",
                    reason: "\(limit.type): soft limit \(limit.soft) is above hard limit \(limit.hard)")
            }
            return LaunchConfig.Rlimit(resource: resource, soft: limit.soft, hard: limit.hard)
        }
    }

    static let rlimitResources: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
        "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
        "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
        "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]
}
