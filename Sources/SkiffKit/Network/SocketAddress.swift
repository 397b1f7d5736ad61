#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address with a port, as the socket calls take it: what the host-port probe binds
/// and what the loopback relay listens on and connects to. "" is IPv4's any address.
package struct SocketAddress {
    package private(set) var storage = sockaddr_storage()
    package private(set) var length: socklen_t = 0

    package init?(host: String, port: UInt16) {
        if host.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else { return nil }
            Self.copy(a, into: &storage)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard host.isEmpty || inet_pton(AF_INET, host, &a.sin_addr) == 1 else { return nil }
            Self.copy(a, into: &storage)
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
    }

    private static func copy<T>(_ value: T, into storage: inout sockaddr_storage) {
        withUnsafeBytes(of: value) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
    }

    /// AF_INET or AF_INET6.
    package var family: Int32 { Int32(storage.ss_family) }

    /// The port, as the kernel filled it in after `getsockname` or as given.
    package var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            family == AF_INET6
                ? UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
                : UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }

    package mutating func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        let len = length
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, len) }
        }
    }

    /// A socket of `type` (SOCK_STREAM, SOCK_DGRAM) of this address's family, close-on-exec; an IPv6 one
    /// is IPv6-only (so [::] does not also take IPv4's any address), a TCP one reuses TIME_WAIT ports.
    /// Bound to this address; -1 (errno set) when that fails.
    package mutating func boundSocket(type: Int32) -> Int32 {
        let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var one: Int32 = 1
        if family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if type == Int32(SOCK_STREAM.rawValue) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let e = errno
            close(fd)
            errno = e
            return -1
        }
        return fd
    }

    /// The address a socket is bound to.
    package static func local(of fd: Int32) -> SocketAddress? {
        var a = SocketAddress(host: "", port: 0)!
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &a.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard rc == 0 else { return nil }
        a.length = len
        return a
    }
}
