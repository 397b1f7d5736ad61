import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

extension NetworkLoopbackProxy {
    /// One published UDP port: each client address gets its own socket connected to the container
    /// (so replies come back to that client), closed after 60 s without a datagram either way.
    static func serveUDP(_ listener: Int32, to target: SocketAddress) {
        struct Flow {
            var upstream: Int32
            var client: sockaddr_storage
            var clientLength: socklen_t
            var lastUsed: time_t
        }
        var flows: [[UInt8]: Flow] = [:]
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let keys = Array(flows.keys)
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += keys.map { pollfd(fd: flows[$0]!.upstream, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), 1000) < 0 {
                if errno == EINTR { continue }
                return
            }
            let now = time(nil)
            if fds[0].revents != 0 {
                var from = sockaddr_storage()
                var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(listener, &buf, buf.count, 0, $0, &fromLength)
                    }
                }
                if n >= 0 {
                    let key = withUnsafeBytes(of: from) { Array($0.prefix(Int(fromLength))) }
                    if flows[key] == nil {
                        let s = socket(target.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                        var t = target
                        if s >= 0, t.withSockaddr({ connect(s, $0, $1) }) == 0 {
                            flows[key] = Flow(upstream: s, client: from, clientLength: fromLength, lastUsed: now)
                        } else if s >= 0 {
                            close(s)
                        }
                    }
                    if var f = flows[key] {
                        _ = send(f.upstream, buf, n, 0)
                        f.lastUsed = now
                        flows[key] = f
                    }
                }
            }
            for (i, key) in keys.enumerated() where fds[i + 1].revents != 0 {
                guard var f = flows[key] else { continue }
                let n = recv(f.upstream, &buf, buf.count, 0)
                if n >= 0 {
                    _ = withUnsafePointer(to: &f.client) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(listener, buf, n, 0, $0, f.clientLength)
                        }
                    }
                    f.lastUsed = now
                    flows[key] = f
                }
            }
            for (key, f) in flows where now - f.lastUsed > 60 {
                close(f.upstream)
                flows[key] = nil
            }
        }
    }
}
