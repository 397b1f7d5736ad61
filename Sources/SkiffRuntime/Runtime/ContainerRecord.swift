import SkiffOCI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What Skiff remembers of an OCI container between commands: `<root>/<id>/state.json`.
/// The kernel has the last word: a recorded pid whose start time no longer matches is a stopped
/// container, never a stranger's process.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var bundle: String
    public var rootfs: String
    /// The container had no mount namespace: its mounts under `rootfs` are in the host's (removed at delete).
    public var hostMounts: Bool?
    public var pid: Int32
    /// Field 22 of /proc/PID/stat when the container started, to tell a recycled pid apart.
    public var pidStartTime: UInt64
    public var created: String
    public var annotations: [String: String]?
    public var cgroup: CgroupStatePaths?
    public var owner: String
    /// The spec's hooks, for `start` (poststart) and `delete` (poststop); nil when it has none.
    public var hooks: Hooks?

    public init(
        id: String, bundle: String, rootfs: String, pid: Int32, pidStartTime: UInt64, created: String,
        annotations: [String: String]?, cgroup: CgroupStatePaths?
    ) {
        self.id = id
        self.bundle = bundle
        self.rootfs = rootfs
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.created = created
        self.annotations = annotations
        self.cgroup = cgroup
        self.owner = ""
    }
}

/// A container's init as `create` made it: its host pid, and its start time to tell a recycled pid apart.
public struct InitProcess: Sendable, Equatable {
    public var pid: Int32
    public var startTime: UInt64
    /// The cgroup the runtime made for it (nil: none, or not known here).
    public var cgroup: CgroupStatePaths?

    public init(pid: Int32, startTime: UInt64, cgroup: CgroupStatePaths? = nil) {
        self.pid = pid
        self.startTime = startTime
        self.cgroup = cgroup
    }
}

/// Facts about live processes, read from /proc.
public enum ProcessInfo {
    /// The start time (clock ticks after boot) of a process, or nil if it does not exist.
    public static func startTime(pid: Int32) -> UInt64? {
        guard let stat = try? FileIO.readString("/proc/\(pid)/stat") else { return nil }
        // The command name in field 2 may hold spaces and parentheses: fields after it follow the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); start time is field 22.
        guard fields.count > 19, let value = UInt64(fields[19]) else { return nil }
        return value
    }

    /// Whether the process is alive and not a zombie.
    public static func isRunning(pid: Int32, startTime: UInt64) -> Bool {
        guard let stat = try? FileIO.readString("/proc/\(pid)/stat"),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return false }
        return fields[0] != "Z" && fields[0] != "X" && UInt64(fields[19]) == startTime
    }
}
