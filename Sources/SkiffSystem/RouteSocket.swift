#if canImport(Glibc)
import Glibc
#endif

/// A NETLINK_ROUTE socket. It acts on the network namespace it was opened in, whichever thread uses
/// it later: open it inside `NetworkNamespace.inside` to change a container's interfaces.
public final class RouteSocket {
    private let socket: NetlinkSocket
    private var sequence: UInt32 = 0

    /// A socket in the calling thread's network namespace, with extended acks on (the kernel's reason
    /// for a refusal comes back with its errno) and capped acks (the request is not echoed).
    public init() throws(SystemError) {
        // NETLINK_ROUTE
        guard let socket = NetlinkSocket(protocol: 0) else { throw SystemError("open a netlink socket") }
        socket.enable(Self.capAck)
        socket.enable(Self.extendedAck)
        self.socket = socket
    }

    static let capAck: Int32 = 10  // NETLINK_CAP_ACK
    static let extendedAck: Int32 = 11  // NETLINK_EXT_ACK

    /// Send `message` (it must ask for an ack) and wait for the kernel's answer: returns on success,
    /// throws the errno (and the kernel's message, when it gives one) on refusal.
    public func perform(_ message: RouteMessage) throws(NetlinkError) {
        sequence &+= 1
        let failed = socket.send(message.encoded(sequence: sequence))
        if failed != 0 { throw NetlinkError(errno: failed) }
        while true {
            if try Self.acknowledged(in: try socket.receive(capacity: 8192).get(), sequence: sequence) { return }
        }
    }

    /// Whether `datagram` holds the kernel's ack of `sequence` (false: keep reading); a refusal throws.
    static func acknowledged(in datagram: [UInt8], sequence: UInt32) throws(NetlinkError) -> Bool {
        var offset = 0
        while offset + 16 <= datagram.count {
            let length = Int(NetlinkEncoding.u32(datagram, offset))
            guard length >= 16, offset + length <= datagram.count else { break }
            let type = NetlinkEncoding.u16(datagram, offset + 4)
            let flags = NetlinkEncoding.u16(datagram, offset + 6)
            if type == 2, NetlinkEncoding.u32(datagram, offset + 8) == sequence, length >= 20 {  // NLMSG_ERROR
                let code = Int32(bitPattern: NetlinkEncoding.u32(datagram, offset + 16))
                if code == 0 { return true }
                throw NetlinkError(errno: -code, message: extendedMessage(datagram, offset, length, flags))
            }
            offset += NetlinkEncoding.aligned(length)
        }
        return false
    }

    /// NLMSGERR_ATTR_MSG of an error with NLM_F_ACK_TLVS: after the error code and the request's header
    /// (the request itself is cut, NLM_F_CAPPED).
    private static func extendedMessage(_ d: [UInt8], _ start: Int, _ length: Int, _ flags: UInt16) -> String? {
        guard flags & 0x200 != 0 else { return nil }
        let echoed = flags & 0x100 != 0 ? 16 : Int(NetlinkEncoding.u32(d, start + 20))
        var at = start + 20 + NetlinkEncoding.aligned(echoed)
        let end = start + length
        while at + 4 <= end {
            let len = Int(NetlinkEncoding.u16(d, at))
            guard len >= 4, at + len <= end else { break }
            if NetlinkEncoding.u16(d, at + 2) & 0x3FFF == 1 {
                let text = d[(at + 4)..<(at + len)].prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            at += NetlinkEncoding.aligned(len)
        }
        return nil
    }
}

/// The kernel refused a netlink request: its errno, and its own words when it gave them.
public struct NetlinkError: Error, Equatable, CustomStringConvertible {
    public var errno: Int32
    public var message: String?

    public init(errno: Int32, message: String? = nil) {
        self.errno = errno
        self.message = message
    }

    public var description: String {
        let text = errnoText(errno)
        guard let message, !message.isEmpty else { return text }
        return "\(text) (\(message))"
    }
}
