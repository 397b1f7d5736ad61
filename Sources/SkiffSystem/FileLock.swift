#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file (flock), held until `unlock` or deinit. Writers of shared state
/// files (images.json, container records) take one so concurrent CLI processes never interleave.
public final class FileLock {
    private var fd: Int32

    /// Block until the lock on `path` (created if missing) is ours.
    public init(_ path: String, shared: Bool = false) throws(SystemError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("open lock file", path: path) }
        while flock(fd, shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = SystemError("lock", path: path)
            close(fd)
            throw e
        }
    }

    public func unlock() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { unlock() }

    /// Run `body` holding the lock on `path`.
    public static func withLock<T, E: Error>(_ path: String, _ body: () throws(E) -> T) throws -> T {
        let lock = try FileLock(path)
        defer { lock.unlock() }
        return try body()
    }
}
