#if canImport(Glibc)
import Glibc
#endif

/// A filesystem Unix socket's address (`sockaddr_un`), for bind and connect.
public enum UnixSocketAddress {
    /// Call `body` with the address of `path` and its length; -1 with ENAMETOOLONG when the path does not
    /// fit in `sun_path` (108 bytes with its NUL: a long path is reached through /proc/self/fd/N/NAME).
    public static func with(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            errno = ENAMETOOLONG
            return -1
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// A stream socket listening at `path` (close-on-exec), or -1 with errno.
    public static func listen(at path: String, backlog: Int32 = 16) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return -1 }
        if with(path, { bind(fd, $0, $1) }) != 0 || Glibc.listen(fd, backlog) != 0 {
            let saved = errno
            close(fd)
            errno = saved
            return -1
        }
        return fd
    }
}
