#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything that can go wrong while finding, creating, filling, joining or removing a cgroup.
/// Each case names the file (or setting) and the value involved, so a message alone says what failed.
public enum CgroupError: Error, CustomStringConvertible, Equatable, Sendable {
    /// /proc/self/mountinfo could not be read.
    case mountinfoUnreadable(path: String, errno: Int32)
    /// No cgroup or cgroup2 filesystem appears in mountinfo.
    case noCgroupFilesystem
    /// `linux.cgroupsPath` (or a path given to the manager) is not usable.
    case invalidPath(path: String, reason: String)
    /// A limit was asked for, but the controller it needs is not mounted / not available.
    case controllerMissing(controller: String, setting: String, detail: String)
    /// A value in `linux.resources` is out of range or inconsistent.
    case invalidValue(setting: String, value: String, reason: String)
    /// `linux.resources.unified` was given on a host without a cgroup2 hierarchy.
    case unifiedNeedsV2(key: String)
    /// A `linux.resources.unified` key that is not a plain interface file name, or not present.
    case invalidUnifiedKey(key: String, reason: String)
    case mkdirFailed(path: String, errno: Int32)
    case writeFailed(path: String, value: String, errno: Int32)
    case readFailed(path: String, errno: Int32)
    /// A cgroup file held something that is not what the kernel writes there.
    case unparsable(path: String, content: String)
    case removeFailed(path: String, errno: Int32)
    /// rmdir kept failing with EBUSY: processes are still in the cgroup.
    case busy(path: String, pids: [Int32])
    case killFailed(pid: Int32, signal: Int32, errno: Int32)
    /// bpf(BPF_PROG_LOAD) refused the cgroup v2 device program; `log` is the verifier's explanation.
    case deviceFilterLoad(errno: Int32, log: String)
    /// The device program could not be attached to (or the cgroup directory opened at) `path`.
    case deviceFilterAttach(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .mountinfoUnreadable(let path, let errno):
            return "cannot read \(path): \(errnoText(errno))"
        case .noCgroupFilesystem:
            return "no cgroup or cgroup2 filesystem is mounted (see /proc/self/mountinfo)"
        case .invalidPath(let path, let reason):
            return "invalid cgroup path \"\(path)\": \(reason)"
        case .controllerMissing(let controller, let setting, let detail):
            return "\(setting) set but no \(controller) cgroup controller is \(detail)"
        case .invalidValue(let setting, let value, let reason):
            return "invalid \(setting) \(value): \(reason)"
        case .unifiedNeedsV2(let key):
            return
                "linux.resources.unified key \"\(key)\" needs cgroup v2, but this host has only cgroup v1 hierarchies"
        case .invalidUnifiedKey(let key, let reason):
            return "linux.resources.unified key \"\(key)\": \(reason)"
        case .mkdirFailed(let path, let errno):
            return "mkdir \(path): \(errnoText(errno))"
        case .writeFailed(let path, let value, let errno):
            return "write \"\(value)\" to \(path): \(errnoText(errno))"
        case .readFailed(let path, let errno):
            return "read \(path): \(errnoText(errno))"
        case .unparsable(let path, let content):
            return "unexpected content in \(path): \"\(content)\""
        case .removeFailed(let path, let errno):
            return "rmdir \(path): \(errnoText(errno))"
        case .busy(let path, let pids):
            let list = pids.map(String.init).joined(separator: " ")
            return "rmdir \(path): cgroup still busy (processes: \(list.isEmpty ? "none listed" : list))"
        case .killFailed(let pid, let signal, let errno):
            return "kill(\(pid), \(signal)): \(errnoText(errno))"
        case .deviceFilterLoad(let errno, let log):
            let why = log.isEmpty ? "" : "; verifier: \(log)"
            return "load the cgroup v2 device filter (bpf BPF_PROG_LOAD): \(errnoText(errno))\(why)"
        case .deviceFilterAttach(let path, let errno):
            return "attach the device filter to cgroup \(path) (bpf BPF_PROG_ATTACH): \(errnoText(errno))"
        }
    }
}
