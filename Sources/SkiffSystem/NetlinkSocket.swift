#if canImport(Glibc)
import Glibc
#endif

/// A raw netlink socket of one protocol (NETLINK_ROUTE, NETLINK_NETFILTER…) in the calling thread's
/// network namespace: whole datagrams out and in, a signal's EINTR retried. What a request means and
/// how its answer reads is the caller's (RouteSocket, NftablesGeneration).
final class NetlinkSocket {
    private let fd: Int32

    static let family: Int32 = 16  // AF_NETLINK
    static let level: Int32 = 270  // SOL_NETLINK

    /// nil when the socket cannot be opened (errno says why).
    init?(protocol netlinkProtocol: Int32) {
        fd = socket(Self.family, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        if fd < 0 { return nil }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Turn a SOL_NETLINK option on (NETLINK_CAP_ACK, NETLINK_EXT_ACK…); best effort, as iproute2 does.
    func enable(_ option: Int32) {
        var on: Int32 = 1
        _ = setsockopt(fd, Self.level, option, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Send one datagram: 0, or the errno of a failed or short send (EIO).
    func send(_ bytes: [UInt8]) -> Int32 {
        var sent: Int
        repeat {
            sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        } while sent < 0 && errno == EINTR
        if sent < 0 { return errno }
        return sent == bytes.count ? 0 : EIO
    }

    /// The next datagram (at most `capacity` bytes), or the errno of a failed receive (EIO when empty).
    func receive(capacity: Int) -> Result<[UInt8], NetlinkError> {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while n < 0 && errno == EINTR
        guard n > 0 else { return .failure(NetlinkError(errno: n < 0 ? errno : EIO)) }
        buffer.removeSubrange(n...)
        return .success(buffer)
    }
}
