import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a directory itself (opened read-only), held until `unlock`. A container's
/// record is locked this way rather than through a lock file beside it: every file a start creates
/// costs an inode allocation, and on ext4 a busy one (issue 15).
final class DirectoryLock {
    private var fd: Int32

    /// Block until the lock on directory `path` is ours.
    init(_ path: String) throws(SystemError) {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = SystemError("lock", path: path)
            close(fd)
            throw e
        }
    }

    func unlock() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { unlock() }
}
