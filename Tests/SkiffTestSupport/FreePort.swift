#if canImport(Glibc)
import Glibc
#endif

/// A host port nobody listens on now (the kernel's choice for a bind to port 0), for a test's server
/// or a `-p` mapping. Another process may take it before the test does; tests use it at once.
public enum FreePort {
    /// A free TCP port on 127.0.0.1, or a free UDP port with `udp`.
    public static func next(udp: Bool = false) -> UInt16 {
        let fd = socket(AF_INET, udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        return ok ? UInt16(bigEndian: addr.sin_port) : 0
    }
}
