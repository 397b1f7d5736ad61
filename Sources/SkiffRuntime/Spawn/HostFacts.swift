import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// What planning a launch needs to know about the host, gathered once by `current(for:bundle:cgroup:)`
/// so that `LaunchPlanner` itself reads nothing: tests give it any host they like.
public struct HostFacts: Sendable, Equatable {
    /// /proc/sys/kernel/cap_last_cap.
    public var lastCap: Int
    /// How the host mounts cgroups, and the container's cgroup directory per controller (keyed as
    /// `CgroupManager.paths`); nil without a cgroup manager, and then a `cgroup` mount gets an empty tmpfs.
    public var cgroupLayout: CgroupLayout?
    public var cgroupPaths: [String: String]
    /// Whether /proc/kcore exists (it is the target of the /dev/core link).
    public var hasProcKcore: Bool
    /// What stat(2) says about the paths the spec names on the host: the rootfs and bind sources
    /// (absolute, as `RootfsPlanner.hostPaths` lists them). A path not listed counts as missing.
    public var paths: [String: PathKind]

    public enum PathKind: Sendable, Equatable {
        case directory
        /// Anything else stat(2) finds: a file, a device, a socket.
        case other
        case missing(errno: Int32)
    }

    public init(
        lastCap: Int, cgroupLayout: CgroupLayout? = nil, cgroupPaths: [String: String] = [:],
        hasProcKcore: Bool = true, paths: [String: PathKind] = [:]
    ) {
        self.lastCap = lastCap
        self.cgroupLayout = cgroupLayout
        self.cgroupPaths = cgroupPaths
        self.hasProcKcore = hasProcKcore
        self.paths = paths
    }

    /// The running host's facts for launching `spec` from `bundle` in `cgroup`.
    public static func current(for spec: Spec, bundle: String, cgroup: CgroupManager?) throws(RuntimeError) -> HostFacts
    {
        let lastCap: Int
        do { lastCap = try KernelCapabilities.lastCap() } catch { throw .security(error.description) }
        var paths: [String: PathKind] = [:]
        for path in RootfsPlanner.hostPaths(of: spec, bundle: bundle) {
            paths[path] = pathKind(at: path)
        }
        return HostFacts(
            lastCap: lastCap, cgroupLayout: cgroup?.layout, cgroupPaths: cgroup?.paths ?? [:],
            hasProcKcore: FileIO.exists("/proc/kcore"), paths: paths)
    }

    static func pathKind(at path: String) -> PathKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing(errno: errno) }
        return (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
    }

    func kind(of path: String) -> PathKind {
        paths[path] ?? .missing(errno: ENOENT)
    }
}
