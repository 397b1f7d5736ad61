import ArgumentParser
import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// `skiff network loopback-proxy`: a container's relay, as docker-proxy is Docker's, for the ports the
/// kernel's DNAT cannot serve (see SkiffKit's LoopbackProxy6, which starts and stops it). Listens for
/// each `--map PROTO,LISTEN,PORT,TARGET,PORT` (tcp or udp; LISTEN an IPv6 or IPv4 address of the host;
/// TARGET the container's IPv6 or IPv4 address), serves the container's embedded DNS when `--dns-sockets`
/// is given, goes into the background, writes its pid to `--pid-file` and "ok" (or why not) on fd 3,
/// then relays: each TCP connection in a thread of its own, each UDP port in one thread (a flow per
/// client address, dropped after a minute without traffic, as docker-proxy's UDP proxy does).
struct NetworkLoopbackProxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loopback-proxy", abstract: "Relay IPv6 loopback ports to a container (started by skiff).",
        shouldDisplay: false)
    @Option(name: .customLong("pid-file")) var pidFile: String
    @Option(name: .customLong("container")) var container: String
    @Option(name: .customLong("map")) var map: [String] = []
    /// The container's `exit` file, which its monitor writes anew (a new inode) when the container's
    /// process ends: the relay ends then too, whoever tears the network down and when.
    @Option(name: .customLong("exit-file")) var exitFile: String?
    /// The `exit` file's inode when the relay was started (0: there was none): a container whose
    /// process ended before the relay got going (its starter does not wait for a DNS-only relay) has
    /// a new one already, and the relay ends at once.
    @Option(name: .customLong("exit-inode")) var exitInode: UInt64?
    /// Serve the container's embedded DNS on fds 4 (UDP) and 5 (TCP): 127.0.0.11:53 in the container's
    /// network namespace, bound by whoever started the relay (see SkiffKit's EmbeddedDNSSockets).
    @Flag(name: .customLong("dns-sockets")) var dnsSockets = false
    /// The container's hosts file (the host's side of its bind mount): the names the DNS server holds.
    @Option(name: .customLong("dns-hosts")) var dnsHosts: String?
    /// The container's network request (`network.json`): its networks, `NAME.NETWORK` answered as NAME.
    @Option(name: .customLong("dns-request")) var dnsRequest: String?
    /// A name server the DNS server forwards other names to (from the host's namespace); none: SERVFAIL.
    @Option(name: .customLong("dns-server")) var dnsServer: [String] = []
    /// The `--dns-server`s are the container's `--dns` ones: reached from its namespace, open on fd 6.
    @Flag(name: .customLong("dns-servers-in-container")) var dnsServersInContainer = false
    /// Stay the process the starter spawned (it writes the pid file before it returns, so no removal of
    /// the container can race a pid file written later): a DNS-only relay, which nobody waits for.
    @Flag(name: .customLong("no-fork")) var noFork = false

    func report(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { write(3, $0, strlen($0)) }
    }

    func run() throws {
        // Whatever its starter (the CLI, the container's monitor) left open is not the relay's to hold:
        // a pipe someone waits to see closed, the container's lock.
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap {
            Int32($0)
        }
        for fd in open where fd > (dnsServersInContainer ? 6 : dnsSockets ? 5 : 3) { close(fd) }
        var listeners: [(fd: Int32, udp: Bool, target: SocketAddress)] = []
        for m in map {
            guard let (udp, listen, target) = Self.parse(m) else {
                report("bad --map \(m): expected PROTO,LISTEN,PORT,TARGET,PORT")
                throw ExitCode(1)
            }
            var bound = listen
            let fd = bound.boundSocket(type: udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue))
            let ok = fd >= 0 && (udp || Glibc.listen(fd, 128) == 0)
            guard ok else {
                report(
                    "cannot listen on \(m.split(separator: ",").dropFirst().prefix(2).joined(separator: " port ")) (\(udp ? "udp" : "tcp")): \(String(cString: strerror(errno)))"
                )
                throw ExitCode(1)
            }
            listeners.append((fd, udp, target))
        }
        let dns =
            dnsSockets
            ? EmbeddedDNSServer(
                hostsFile: dnsHosts ?? "/dev/null", requestFile: dnsRequest,
                upstreams: dnsServer.compactMap { SocketAddress(host: $0, port: 53) },
                upstreamNetns: dnsServersInContainer ? 6 : nil, udp: 4, tcp: 5) : nil
        // Into the background (before any thread exists), so that whoever started it needs not reap it.
        if !noFork {
            let child = fork()
            if child < 0 {
                report("fork: \(String(cString: strerror(errno)))")
                throw ExitCode(1)
            }
            if child > 0 {
                // Written before this first process ends: whoever waited for it can stop the relay at once.
                try? "\(child)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
                _exit(0)
            }
        }
        setsid()
        signal(SIGPIPE, SIG_IGN)
        report("ok")
        close(3)
        dns?.start()
        for l in listeners {
            if l.udp {
                Thread.detachNewThread { Self.serveUDP(l.fd, to: l.target) }
            } else {
                Thread.detachNewThread { Self.serve(l.fd, to: l.target) }
            }
        }
        let initial = exitInode.map { $0 == 0 ? nil : $0 } ?? exitFile.flatMap(Self.inode)
        // The container's directory, gone when it is removed: a `run --rm` in the foreground has no
        // monitor to write `exit`, and its directory may go before its network is taken down.
        let directory = exitFile.map { String($0[..<($0.lastIndex(of: "/") ?? $0.startIndex)]) }
        while true {
            usleep(250_000)
            if let exitFile, let now = Self.inode(exitFile), now != initial { _exit(0) }
            if let directory, !directory.isEmpty, access(directory, F_OK) != 0, errno == ENOENT { _exit(0) }
        }
    }

    static func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    /// `PROTO,LISTEN,PORT,TARGET,PORT`: whether it is UDP, where to listen, where to relay to.
    static func parse(_ m: String) -> (Bool, SocketAddress, SocketAddress)? {
        let f = m.split(separator: ",").map(String.init)
        guard f.count == 5, f[0] == "tcp" || f[0] == "udp", !f[1].isEmpty, !f[3].isEmpty, let port = UInt16(f[2]),
            let targetPort = UInt16(f[4]), let listen = SocketAddress(host: f[1], port: port),
            let target = SocketAddress(host: f[3], port: targetPort)
        else { return nil }
        return (f[0] == "udp", listen, target)
    }

    static func serve(_ listener: Int32, to target: SocketAddress) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { relay(client, to: target) }
        }
    }

    /// Connect to the container and copy both ways until both sides are done.
    static func relay(_ client: Int32, to target: SocketAddress) {
        defer { close(client) }
        let upstream = socket(target.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard upstream >= 0 else { return }
        defer { close(upstream) }
        var addr = target
        guard addr.withSockaddr({ connect(upstream, $0, $1) }) == 0 else { return }
        var open = [true, true]  // client → upstream, upstream → client
        var buf = [UInt8](repeating: 0, count: 65536)
        while open[0] || open[1] {
            var fds = [
                pollfd(fd: open[0] ? client : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? upstream : -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            for (i, (from, to)) in [(client, upstream), (upstream, client)].enumerated()
            where open[i] && fds[i].revents != 0 {
                let n = read(from, &buf, buf.count)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    open[i] = false
                    shutdown(to, Int32(SHUT_WR))
                    continue
                }
                var off = 0
                while off < n {
                    let w = buf[off..<n].withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                    if w < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    off += w
                }
            }
        }
    }
}
