import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// Project quotas on the filesystem holding a directory: the quotactl side (is it enforced, a project's
/// limit and usage) through quotactl_fd(2), or, on a kernel without it (before 5.14), through quotactl(2)
/// on a block device node made for the call beside the directory and removed after it.
public final class ProjectQuota {
    /// A project's limits and what it uses, in bytes and inodes.
    public struct Usage: Sendable, Equatable {
        public var hardLimitBytes: UInt64
        public var softLimitBytes: UInt64
        public var usedBytes: UInt64
        public var usedInodes: UInt64
        public init(hardLimitBytes: UInt64, softLimitBytes: UInt64, usedBytes: UInt64, usedInodes: UInt64) {
            self.hardLimitBytes = hardLimitBytes
            self.softLimitBytes = softLimitBytes
            self.usedBytes = usedBytes
            self.usedInodes = usedInodes
        }
    }

    /// The directory whose filesystem this handle speaks for.
    public let directory: String
    private let fd: Int32

    /// A handle on the filesystem holding `directory`.
    public init(filesystemOf directory: String) throws(SystemError) {
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: directory) }
        self.directory = directory
    }

    deinit { close(fd) }

    /// Whether project quotas are accounted and enforced there (false where the filesystem or kernel has
    /// none: no quota operations, no quota support built, or quotas off).
    public func isEnforced() throws(SystemError) -> Bool {
        var enforced: Int32 = 0
        let ok = try call { device in csys_project_quota_enforced(fd, device, &enforced) }
        return ok && enforced != 0
    }

    /// Set project `id`'s block limit (hard and soft) to `bytes`; 0 clears it.
    public func setLimit(project id: UInt32, bytes: UInt64) throws(SystemError) {
        let ok = try call { device in
            csys_project_quota_set(fd, device, id, bytes)
        }
        if !ok { throw SystemError("quotactl Q_XSETQLIM project \(id)", path: directory) }
    }

    /// Project `id`'s limits and usage; nil when the filesystem has no record of it.
    public func usage(project id: UInt32) throws(SystemError) -> Usage? {
        var u = csys_project_usage()
        let ok = try call { device in csys_project_quota_get(fd, device, id, &u) }
        guard ok else {
            if errno == ENOENT || errno == ESRCH { return nil }
            throw SystemError("quotactl Q_XGETQUOTA project \(id)", path: directory)
        }
        return Usage(
            hardLimitBytes: u.hard_limit_bytes, softLimitBytes: u.soft_limit_bytes, usedBytes: u.used_bytes,
            usedInodes: u.used_inodes)
    }

    /// The project ID of `path` and whether what is made under it inherits it.
    public static func projectID(of path: String) throws(SystemError) -> (id: UInt32, inherits: Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
        defer { close(fd) }
        var id: UInt32 = 0
        var inherit: Int32 = 0
        if csys_project_id_get(fd, &id, &inherit) != 0 { throw SystemError("FS_IOC_FSGETXATTR", path: path) }
        return (id, inherit != 0)
    }

    /// Put directory `path` in project `id`, inherited by what is made under it.
    public static func setProjectID(_ id: UInt32, on path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
        defer { close(fd) }
        if csys_project_id_set(fd, id) != 0 { throw SystemError("FS_IOC_FSSETXATTR project \(id)", path: path) }
    }

    /// Run a quotactl wrapper through quotactl_fd; on ENOSYS (no quotactl_fd, or no quota operations)
    /// once more through a device node. False with errno set when the call failed.
    private func call(_ body: (UnsafePointer<CChar>?) -> Int32) throws(SystemError) -> Bool {
        if body(nil) == 0 { return true }
        guard errno == ENOSYS else { return false }
        var st = stat()
        if fstat(fd, &st) != 0 { throw SystemError("fstat", path: directory) }
        let node = directory + "/.quota-device-\(getpid())"
        unlink(node)
        if mknod(node, S_IFBLK | 0o600, st.st_dev) != 0 {
            let e = errno
            // Where no node can be made (a user namespace), quotactl_fd's ENOSYS is the answer.
            errno = e == EPERM ? ENOSYS : e
            return false
        }
        let ok = body(node) == 0
        let e = errno
        unlink(node)
        errno = e
        return ok
    }
}
