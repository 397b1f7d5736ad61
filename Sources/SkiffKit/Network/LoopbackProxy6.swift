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
    /// [::] to its IPv4 address, as docker-proxy does, when the host has IPv6. On an internal network
    /// the relay listens on [::1] only: the firewall keeps an internal network's published ports from
    /// other hosts (its forward drop), and a relay on [::] would reach past it (its connection to the
    /// container is the host's own).
    static func loopbackProxyMaps(
        _ leases: [(lease: NetworkLease, isInternal: Bool)], hostIPv6: Bool = HostNetwork.hasIPv6
    ) -> [String] {
        leases.flatMap { (l, isInternal) in
            l.ports.compactMap { p -> String? in
                let listen: String
                let target: String
                switch p.hostIP {
                case "", "::":
                    if let a = l.ip6 {
                        listen = "::1"
                        target = a.description
                    } else if let ip = l.ip, p.hostIP == "::" || hostIPv6 {
                        listen = isInternal ? "::1" : "::"
                        target = ip.description
                    } else {
                        return nil
                    }
                case "::1":
                    guard let a = l.ip6?.description ?? l.ip?.description else { return nil }
                    listen = "::1"
                    target = a
                default:
                    return nil
                }
                return "\(p.proto),\(listen),\(p.hostPort),\(target),\(p.containerPort)"
            }
        }
    }

    /// Start the relay and wait until it listens (or fails to: the port is taken on ::1).
    func startLoopbackProxy(id: String, maps: [String]) throws(KitError) {
        stopLoopbackProxy(id: id)
        guard !maps.isEmpty else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .system(SystemError("pipe")) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        defer { close(fds[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 3)
        let argv =
            [
                Self.skiffPath, "network", "loopback-proxy", "--pid-file", loopbackProxyPIDPath(id), "--container", id,
                "--exit-file", containers.directory(of: id) + "/exit",
            ]
            + maps.flatMap { ["--map", $0] }
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { free(env[0]) }
        let attributes = SpawnAttributes()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes.attr, &cargs, env)
        close(fds[1])
        guard rc == 0 else { throw .system(SystemError("run \(argv[0])", errno: rc)) }
        // The relay forks itself into the background; its first process ends at once.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        var reader = LineReader(fd: fds[0])
        let line = reader.line() ?? ""
        guard line == "ok" else {
            stopLoopbackProxy(id: id)
            throw .network(
                "publishing on IPv6: \(line.isEmpty ? "the relay (\(Self.skiffPath) network loopback-proxy) did not start" : line)"
            )
        }
    }

    func stopLoopbackProxy(id: String) {
        let path = loopbackProxyPIDPath(id)
        guard let text = try? FileIO.readString(path) else { return }
        unlink(path)
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
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
