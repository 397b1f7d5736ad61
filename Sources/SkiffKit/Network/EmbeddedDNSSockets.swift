import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The embedded DNS server's two sockets, 127.0.0.11:53 UDP and TCP inside the container's network
/// namespace, made by whoever starts the container (the calling thread enters the namespace, binds
/// and comes back) before its process runs, and handed to the relay that serves them. So the first
/// lookup of the container never races the relay's start: a query sent before the relay reads is
/// queued by the kernel (the UDP socket's buffer, the TCP listen backlog), and the start of a
/// container needs not wait for the relay (see `startLoopbackProxy`).
struct EmbeddedDNSSockets {
    var udp: Int32
    var tcp: Int32

    static func bind(netns path: String) throws(KitError) -> Self {
        var address = SocketAddress(host: EmbeddedDNS.address, port: 53)!
        let (udp, tcp, failure) = try NetworkNamespace.inside(namespaceAt: path, orElse: KitError.system) {
            () throws(KitError) -> (Int32, Int32, Int32) in
            let udp = address.boundSocket(type: Int32(SOCK_DGRAM.rawValue))
            var failure = udp < 0 ? errno : 0
            let tcp = udp < 0 ? -1 : address.boundSocket(type: Int32(SOCK_STREAM.rawValue))
            if udp >= 0 && (tcp < 0 || listen(tcp, 128) != 0) { failure = errno }
            return (udp, tcp, failure)
        }
        guard failure == 0 else {
            if udp >= 0 { Glibc.close(udp) }
            if tcp >= 0 { Glibc.close(tcp) }
            throw .system(
                SystemError("embedded DNS: listen on \(EmbeddedDNS.address):53 in the container", errno: failure))
        }
        return Self(udp: udp, tcp: tcp)
    }

    func closeBoth() {
        _ = Glibc.close(udp)
        _ = Glibc.close(tcp)
    }
}
