import Foundation
import Logging
import SkiffOCI

@testable import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Hosts and helpers for planning tests: nothing here reads the machine the tests run on.
enum PlanFixtures {
    static let cgroupV2 = CgroupLayout.v2(root: "/sys/fs/cgroup")
    static let cgroupV2Paths = [CgroupManager.unifiedKey: "/sys/fs/cgroup/skiff/c1"]

    static let cgroupHybrid = CgroupLayout.hybrid(
        hierarchies: [
            "cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
            "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids",
            "net_cls": "/sys/fs/cgroup/net_cls",  // a hierarchy Skiff makes no cgroup in: not shown
        ], unified: "/sys/fs/cgroup/unified")
    static let cgroupHybridPaths = [
        "cpu": "/sys/fs/cgroup/cpu,cpuacct/skiff/c1", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/skiff/c1",
        "memory": "/sys/fs/cgroup/memory/skiff/c1", "pids": "/sys/fs/cgroup/pids/skiff/c1",
        CgroupManager.unifiedKey: "/sys/fs/cgroup/unified/skiff/c1",
    ]

    /// A cgroup v2 host (kernel 6.x: cap_last_cap 40) where `directories` exist.
    static func v2Host(directories: [String] = [], files: [String] = []) -> HostFacts {
        HostFacts(
            lastCap: 40, cgroupLayout: cgroupV2, cgroupPaths: cgroupV2Paths, hasProcKcore: true,
            paths: paths(directories: directories, files: files))
    }

    /// A cgroup v1 host with a cgroup2 mount too (hybrid), as systemd hosts of a few years ago.
    static func hybridHost(directories: [String] = [], files: [String] = []) -> HostFacts {
        HostFacts(
            lastCap: 40, cgroupLayout: cgroupHybrid, cgroupPaths: cgroupHybridPaths, hasProcKcore: true,
            paths: paths(directories: directories, files: files))
    }

    static func paths(directories: [String], files: [String]) -> [String: HostFacts.PathKind] {
        var out: [String: HostFacts.PathKind] = [:]
        for d in directories { out[d] = .directory }
        for f in files { out[f] = .other }
        return out
    }

    /// A planner that compiles seccomp profiles without a cache (no file is read or written).
    static func planner(bundle: String) -> LaunchPlanner {
        LaunchPlanner(
            bundle: bundle, seccomp: SeccompCompiler(cacheDirectory: nil),
            logger: Logger(label: "skiff.unit-tests"))
    }

    static func decode(_ json: String) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: Data(json.utf8))
    }

    /// The six nodes every container gets unless its spec lists them.
    static func defaultDevices(bindFromHost: Bool) -> [LaunchConfig.Device] {
        [
            ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
            ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
        ].map { path, major, minor in
            LaunchConfig.Device(
                path: path, mode: S_IFCHR | 0o666, major: major, minor: minor,
                bindFromHost: bindFromHost)
        }
    }

    /// The links made when /dev is a mount of its own (and /dev/pts one too).
    static let devSymlinks: [LaunchConfig.Symlink] = [
        .init(target: "/proc/self/fd", link: "/dev/fd"), .init(target: "/proc/self/fd/0", link: "/dev/stdin"),
        .init(target: "/proc/self/fd/1", link: "/dev/stdout"), .init(target: "/proc/self/fd/2", link: "/dev/stderr"),
        .init(target: "/proc/kcore", link: "/dev/core"), .init(target: "pts/ptmx", link: "/dev/ptmx"),
    ]
}

/// mount(2) flags as UInt, the type LaunchConfig.Mount keeps them in.
enum MS {
    static let rdonly = UInt(MS_RDONLY), nosuid = UInt(MS_NOSUID), nodev = UInt(MS_NODEV), noexec = UInt(MS_NOEXEC)
    static let sync = UInt(MS_SYNCHRONOUS), remount = UInt(MS_REMOUNT), mand = UInt(MS_MANDLOCK)
    static let dirsync = UInt(MS_DIRSYNC), noatime = UInt(MS_NOATIME), nodiratime = UInt(MS_NODIRATIME)
    static let bind = UInt(MS_BIND), rec = UInt(MS_REC), relatime = UInt(MS_RELATIME)
    static let strictatime = UInt(MS_STRICTATIME)
    static let `private` = UInt(MS_PRIVATE), shared = UInt(MS_SHARED), slave = UInt(MS_SLAVE)
    static let unbindable = UInt(MS_UNBINDABLE)
}
