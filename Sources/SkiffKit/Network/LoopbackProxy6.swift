import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A port published on a network with IPv6 must answer on [::1] too, as Docker's does (docker-proxy).
/// 127.0.0.1 is DNATed to the container (route_localnet on the bridge), but IPv6 has no route_localnet:
/// the kernel drops a packet to or from ::1 that comes in on any other interface, so the container's
/// reply to a DNATed ::1 connection never arrives. A small relay does it instead, as docker-proxy
/// does: `skiff network loopback-proxy` (see the CLI) listens on [::1]:PORT for each published port
/// (TCP and UDP) and relays to the container's IPv6 address. A port published on `[::1]` alone
/// (`-p [::1]:8080:80`) is the relay's only, to the container's IPv6 address or, on an IPv4-only
/// network, its IPv4 one; `[::]` on an IPv4-only network, and every address (`-p 8080:80`, which
/// Docker publishes on 0.0.0.0 and [::]), are relayed from every IPv6 address the same way (on a
/// network with IPv6 the firewall DNATs them). One relay per running container, started with
/// its network, stopped with it (its pid in `containers/<id>/loopback-proxy.pid`; checked to be that
/// container's before it is signalled, as the pid may have been reused).
extension Engine {
    func loopbackProxyPIDPath(_ id: String) -> String { containers.directory(of: id) + "/loopback-proxy.pid" }

    /// The relay's `--map PROTO,LISTEN,PORT,TARGET,PORT` for every port of the container that needs it.
    /// A port published on every address (`-p 8080:80`) of a container without IPv6 is relayed from
    /// [::] to its IPv4 address, as docker-proxy does, when the host has IPv6; one of a container without
    /// IPv4 (an IPv6-only network) from 0.0.0.0, and one published on an IPv4 host address from that
    /// address, to its IPv6 address, as Docker 28's docker-proxy does. On an internal network the relay
    /// listens on loopback only: the firewall keeps an internal network's published ports from other
    /// hosts (its forward drop), and a relay on [::] or 0.0.0.0 would reach past it (its connection to
    /// the container is the host's own); an internal network's port on another IPv4 address is refused.
    static func loopbackProxyMaps(
        _ leases: [(lease: NetworkLease, isInternal: Bool)], hostIPv6: Bool = HostNetwork.hasIPv6
    ) throws(KitError) -> [String] {
        var maps: [String] = []
        for (l, isInternal) in leases {
            for p in l.ports {
                var relays: [(listen: String, target: String)] = []
                switch p.hostIP {
                case "", "::":
                    if let a = l.ip6 {
                        relays.append(("::1", a.description))
                        if l.ip == nil, p.hostIP.isEmpty {
                            relays.append((isInternal ? "127.0.0.1" : "0.0.0.0", a.description))
                        }
                    } else if let ip = l.ip, p.hostIP == "::" || hostIPv6 {
                        relays.append((isInternal ? "::1" : "::", ip.description))
                    }
                case "::1":
                    if let a = l.ip6?.description ?? l.ip?.description { relays.append(("::1", a)) }
                default:
                    guard l.ip == nil, let a = l.ip6, let v4 = IPv4Address(p.hostIP) else { break }
                    if isInternal && v4.value >> 24 != 127 {
                        throw .usage(
                            "-p \(p.hostIP):\(p.hostPort):\(p.containerPort): the container's network is internal and IPv6-only: its ports are published on loopback addresses only (127.0.0.1)"
                        )
                    }
                    relays.append((p.hostIP, a.description))
                }
                maps += relays.map { "\(p.proto),\($0.listen),\(p.hostPort),\($0.target),\(p.containerPort)" }
            }
        }
        return maps
    }

    /// What the relay needs to serve a container's embedded DNS (see `EmbeddedDNS`).
    struct EmbeddedDNSService: Equatable {
        var netns: String
        var hostsFile: String
        /// The container's network request (`network.json`): its networks, for `NAME.NETWORK`, read at
        /// each query so a `network connect` needs no new server.
        var request: String
        /// Where names the hosts file does not hold are forwarded (none on an internal network).
        var servers: [String]
        /// The servers are `--dns` ones, reached from the container's namespace as Docker reaches them
        /// (the host's are reached from the host's: a loopback stub there works).
        var serversInContainer = false
    }

    /// The embedded DNS of a container on a user-defined network (any of its networks, as libnetwork
    /// starts its resolver for any such endpoint) whose resolv.conf names it (a container made before
    /// Skiff served it there keeps the file it has). It forwards to the
    /// `--dns` servers (from the container's namespace), else to the host's current ones (from the host's); on an internal network it answers the
    /// network's names only, as Docker's does for a container without external access. The upstreams
    /// never come from the container's resolv.conf, which the container may rewrite.
    func embeddedDNS(id: String, _ request: ContainerNetworkRequest, hostResolvConf: String = "/etc/resolv.conf")
        -> EmbeddedDNSService?
    {
        let dir = containers.directory(of: id)
        guard request.attachments.contains(where: { $0.network != NetworkConfig.defaultName }),
            let text = try? FileIO.readString(dir + "/resolv.conf"), HostNetwork.namesEmbeddedServer(resolvConf: text)
        else { return nil }
        let external = request.attachments.contains { networks.load($0.network).map { !$0.isInternal } ?? false }
        let servers =
            request.dnsServers
            ?? HostNetwork.embeddedUpstreams(hostText: (try? FileIO.readString(hostResolvConf)) ?? "")
        return EmbeddedDNSService(
            netns: networks.netnsPath(id), hostsFile: dir + "/hosts", request: networkRequestPath(id),
            servers: external ? servers : [], serversInContainer: request.dnsServers != nil)
    }

    /// (Re)start the container's relay for its current leases and embedded DNS (after `network
    /// disconnect` took a published port's network away, the relay must go on serving DNS).
    func restartLoopbackProxy(id: String) throws(KitError) {
        guard let request = networkRequest(id) else { return stopLoopbackProxy(id: id) }
        let relayed = networks.all().compactMap { n in
            networks.leases(n.name).first { $0.containerID == id }.map { (lease: $0, isInternal: n.isInternal) }
        }
        try startLoopbackProxy(id: id, maps: Self.loopbackProxyMaps(relayed), dns: embeddedDNS(id: id, request))
    }

    /// Start the relay. With ports to publish, wait until it listens (or fails to: the port is taken on
    /// ::1). The embedded DNS server's sockets are bound here, in the container's namespace, and
    /// handed to the relay (fds 4 and 5): a relay that serves DNS alone cannot fail to listen, so the
    /// start of the container does not wait for it (its process startup, ~10-70 ms, runs beside the
    /// container's), and the container's first lookup waits in the sockets' queues if it comes first.
    func startLoopbackProxy(id: String, maps: [String], dns: EmbeddedDNSService? = nil) throws(KitError) {
        stopLoopbackProxy(id: id)
        guard !maps.isEmpty || dns != nil else { return }
        let sockets = try dns.map { d throws(KitError) in try EmbeddedDNSSockets.bind(netns: d.netns) }
        defer { sockets?.closeBoth() }
        let waits = !maps.isEmpty
        var fds: [Int32] = [-1, -1]
        if waits {
            guard pipe(&fds) == 0 else { throw .system(SystemError("pipe")) }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        }
        defer { if fds[0] >= 0 { close(fds[0]) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if waits {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 3)
        } else {
            posix_spawn_file_actions_addopen(&actions, 3, "/dev/null", O_WRONLY, 0)
        }
        let inContainer = dns.map { $0.serversInContainer && !$0.servers.isEmpty } ?? false
        let netns = inContainer ? open(dns!.netns, O_RDONLY | O_CLOEXEC) : -1
        if inContainer, netns < 0 { throw .system(SystemError("open", path: dns!.netns)) }
        // The relay's fds 4, 5, 6 from copies above them, so no dup2 overwrites another's source.
        let handed = ([sockets?.udp, sockets?.tcp, inContainer ? netns : nil] as [Int32?]).map { fd in
            fd.map { fcntl($0, F_DUPFD_CLOEXEC, 64) }
        }
        if netns >= 0 { close(netns) }
        defer { for case let fd? in handed where fd >= 0 { close(fd) } }
        for (i, fd) in handed.enumerated() {
            guard let fd else { continue }
            guard fd >= 0 else { throw .system(SystemError("dup")) }
            posix_spawn_file_actions_adddup2(&actions, fd, Int32(4 + i))
        }
        var argv: [String] = [
            Self.skiffPath, "network", "loopback-proxy", "--pid-file", loopbackProxyPIDPath(id), "--container", id,
            "--exit-file", containers.directory(of: id) + "/exit", "--exit-inode", "\(exitInode(id))",
        ]
        argv += maps.flatMap { ["--map", $0] }
        if !waits { argv.append("--no-fork") }
        if let d = dns {
            argv += ["--dns-sockets", "--dns-hosts", d.hostsFile, "--dns-request", d.request]
            argv += d.servers.flatMap { ["--dns-server", $0] }
            if inContainer { argv.append("--dns-servers-in-container") }
        }
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { free(env[0]) }
        let attributes = SpawnAttributes()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes.attr, &cargs, env)
        if fds[1] >= 0 { close(fds[1]) }
        guard rc == 0 else { throw .system(SystemError("run \(argv[0])", errno: rc)) }
        // The relay forks itself into the background; its first process ends once it is there.
        guard waits else {
            // Nobody waits for a DNS-only relay: it is this process's child, its pid file written here,
            // before the start goes on (a removal never races a pid file written later).
            _ = try? FileIO.writeAtomically(loopbackProxyPIDPath(id), contents: Array("\(pid)\n".utf8))
            let first = pid
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(first, &status, 0) < 0 && errno == EINTR {}
            }
            return
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        var reader = LineReader(fd: fds[0])
        let line = reader.line() ?? ""
        guard line == "ok" else {
            stopLoopbackProxy(id: id)
            throw .network(
                "publishing ports\(dns == nil ? "" : " and serving DNS"): \(line.isEmpty ? "the relay (\(Self.skiffPath) network loopback-proxy) did not start" : line)"
            )
        }
    }

    /// The inode of the container's `exit` file now (0: none yet).
    func exitInode(_ id: String) -> UInt64 {
        var st = stat()
        return stat(containers.directory(of: id) + "/exit", &st) == 0 ? UInt64(st.st_ino) : 0
    }

    func stopLoopbackProxy(id: String) {
        let path = loopbackProxyPIDPath(id)
        guard let text = try? FileIO.readString(path) else { return }
        unlink(path)
        guard let pid = Int32(text.trimmingWhitespace), pid > 1,
            let cmdline = try? FileIO.read("/proc/\(pid)/cmdline"),
            String(decoding: cmdline, as: UTF8.self).contains(id)
        else { return }
        _ = Glibc.kill(pid, SIGKILL)
        // Its listening sockets close when it is dead (a zombie at most): a restart binds them again.
        for _ in 0..<200 {
            guard let stat = try? FileIO.readString("/proc/\(pid)/stat"),
                let paren = stat.lastIndex(of: ")"),
                stat[stat.index(paren, offsetBy: 2)] != "Z"
            else { return }
            usleep(5000)
        }
    }
}
