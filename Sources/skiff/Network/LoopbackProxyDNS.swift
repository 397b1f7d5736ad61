import Foundation
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The embedded DNS server (Docker's 127.0.0.11) of a container on a user-defined network, served by
/// the container's relay process: its sockets were made inside the container's network namespace
/// (127.0.0.11:53, UDP and TCP, handed over by whoever started the relay), the rest runs in the
/// host's, so names the container's hosts file does not hold are forwarded to the host's own name
/// servers (loopback ones too) whatever the container's network can reach; `--dns` servers are
/// reached from the container's namespace, as Docker reaches them. See SkiffKit's EmbeddedDNS.
struct EmbeddedDNSServer {
    var hostsFile: String
    /// The container's network request: its networks, `NAME.NETWORK` answered as NAME (read at each
    /// query, as the hosts file is: `network connect` and `disconnect` change them).
    var requestFile: String?
    var upstreams: [SocketAddress]
    /// The container's network namespace (an open fd) when the upstreams are `--dns` servers: Docker
    /// reaches those from the container's namespace (`--dns 127.0.0.1` is the container's own loopback);
    /// nil: the host's servers, reached from the host's namespace (a loopback stub too).
    var upstreamNetns: Int32? = nil
    var udp: Int32
    var tcp: Int32

    func start() {
        Thread.detachNewThread { serveUDP() }
        Thread.detachNewThread { serveTCP() }
    }

    /// The reply to one query: from the hosts file, else from the first upstream server that answers.
    func answer(_ query: [UInt8], overTCP: Bool) -> [UInt8]? {
        let request = requestFile.flatMap { try? FileIO.read($0) }.flatMap {
            try? JSONDecoder().decode(ContainerNetworkRequest.self, from: Data($0))
        }
        let hosts = EmbeddedDNS.networkHosts(
            hostsText: (try? FileIO.readString(hostsFile)) ?? "", extraHosts: request?.extraHosts)
        let networks = request?.attachments.map(\.network) ?? []
        if let local = EmbeddedDNS.localAnswer(to: query, hostsText: hosts, networks: networks) { return local }
        // As Docker's resolver: see `endsForwarding`; when no server has the answer, the last reply stands.
        var last: [UInt8]?
        for server in upstreams {
            let fd = Self.socket(for: server, type: overTCP ? SOCK_STREAM : SOCK_DGRAM, in: upstreamNetns)
            guard fd >= 0 else { continue }
            guard
                let reply = overTCP
                    ? Self.forwardTCP(query, fd: fd, to: server) : Self.forwardUDP(query, fd: fd, to: server)
            else { continue }
            last = reply
            if EmbeddedDNS.endsForwarding(reply) { return reply }
        }
        return last ?? EmbeddedDNS.serverFailure(to: query)
    }

    func serveUDP() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            var from = sockaddr_storage()
            var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(udp, &buf, buf.count, 0, $0, &fromLength)
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            let query = Array(buf[0..<n])
            let clientBytes = withUnsafeBytes(of: from) { Array($0) }
            let clientLength = fromLength
            // Forwarding may wait on a slow server: each query on its own thread.
            Thread.detachNewThread {
                guard let full = answer(query, overTCP: false) else { return }
                let reply = EmbeddedDNS.forUDP(full, query: query)
                _ = clientBytes.withUnsafeBytes {
                    sendto(
                        udp, reply, reply.count, 0, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), clientLength
                    )
                }
            }
        }
    }

    func serveTCP() {
        while true {
            let client = accept(tcp, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread {
                defer { close(client) }
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                // Queries one after another on the connection, each with its two-byte length.
                while let query = Self.readMessage(client), let reply = answer(query, overTCP: true) {
                    guard Self.writeMessage(client, reply) else { return }
                }
            }
        }
    }

    /// A socket for talking to `server`, made in the namespace `netns` when given (the thread enters it
    /// for the socket() call only: a socket stays in the namespace it was made in).
    static func socket(for server: SocketAddress, type: __socket_type, in netns: Int32?) -> Int32 {
        let make = { Glibc.socket(server.family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        guard let netns else { return make() }
        return NetworkNamespace.inside(namespace: netns, make) ?? -1
    }

    static func forwardUDP(_ query: [UInt8], fd: Int32, to server: SocketAddress) -> [UInt8]? {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var s = server
        guard s.withSockaddr({ connect(fd, $0, $1) }) == 0, send(fd, query, query.count, 0) == query.count else {
            return nil
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        // A reply to another query (a late one) is not this one's: the ID must match.
        for _ in 0..<4 {
            let n = recv(fd, &buf, buf.count, 0)
            guard n >= 12 else { return nil }
            if buf[0] == query[0] && buf[1] == query[1] { return Array(buf[0..<n]) }
        }
        return nil
    }

    static func forwardTCP(_ query: [UInt8], fd: Int32, to server: SocketAddress) -> [UInt8]? {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var s = server
        guard s.withSockaddr({ connect(fd, $0, $1) }) == 0, writeMessage(fd, query) else { return nil }
        return readMessage(fd)
    }

    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return out
    }

    static func readMessage(_ fd: Int32) -> [UInt8]? {
        guard let length = readExactly(fd, 2) else { return nil }
        let n = Int(length[0]) << 8 | Int(length[1])
        guard n >= 12 else { return nil }
        return readExactly(fd, n)
    }

    static func writeMessage(_ fd: Int32, _ message: [UInt8]) -> Bool {
        let framed = [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
        var off = 0
        while off < framed.count {
            let w = framed[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if w < 0 && errno == EINTR { continue }
            guard w > 0 else { return false }
            off += w
        }
        return true
    }
}
