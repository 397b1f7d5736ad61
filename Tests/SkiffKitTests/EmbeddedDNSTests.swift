import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Docker's embedded DNS server (127.0.0.11) on user-defined IPv4 networks, through the built CLI:
/// busybox's `nslookup` finds a peer by container name, network alias and `NAME.NETWORK`, asking
/// 127.0.0.11 or the resolv.conf's server; a container started later is found from one started
/// earlier, a removed one is not; an unknown name gets the upstream's NXDOMAIN; `--dns` servers are
/// the server's upstreams. Attacks: a container on network A cannot get the address (or, by PTR, the
/// name) of a container only on network B; a container that rewrites the upstream servers in its own
/// resolv.conf does not redirect the server; a `--dns` server is reached from the container's
/// namespace, as in Docker, so one on the host's loopback is out of its reach.
@Suite(
    "Embedded DNS on user-defined networks",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct EmbeddedDNSTests {
    /// A name server on `address` of the host (a random one of its loopback by default): `example.test`
    /// is `answer`, every other name NXDOMAIN (authoritative), as an upstream server says of a name
    /// that does not exist.
    final class Upstream: @unchecked Sendable {
        let address: String
        let fd: Int32
        init(
            answer: String,
            at address: String = "127.\(Int.random(in: 1...254)).\(Int.random(in: 1...254)).\(Int.random(in: 2...254))"
        ) throws {
            var bound = try #require(SocketAddress(host: address, port: 53), "\(address)")
            let fd = bound.boundSocket(type: Int32(SOCK_DGRAM.rawValue))
            self.address = address
            self.fd = fd
            try #require(fd >= 0, "bind \(address):53: \(errno)")
            Thread.detachNewThread {
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    var from = sockaddr_storage()
                    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    let n = withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, &buf, buf.count, 0, $0, &length)
                        }
                    }
                    if n <= 0 { return }
                    let query = Array(buf[0..<n])
                    var reply = EmbeddedDNS.localAnswer(to: query, hostsText: "\(answer) example.test\n") ?? []
                    if reply.isEmpty, var failure = EmbeddedDNS.serverFailure(to: query) {
                        failure[2] |= 0x04  // AA
                        failure[3] = (failure[3] & 0xf0) | 3  // NXDOMAIN
                        reply = failure
                    }
                    _ = withUnsafePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, reply, reply.count, 0, $0, length)
                        }
                    }
                }
            }
        }
        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    /// The gateway of `network` (the host's address on its bridge, up once a container joined it).
    static func gateway(_ root: CLIRoot, _ network: String, ipv6: Bool = false) -> String {
        let all = root.skiff("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}} {{end}}", network).out
        return all.split(separator: " ").map(String.init).first { $0.contains(":") == ipv6 } ?? ""
    }

    static func address(_ root: CLIRoot, _ name: String, _ network: String) -> String {
        root.inspect(name, "{{.NetworkSettings.Networks.\(network).IPAddress}}")
    }

    /// busybox nslookup of `name` in `container` (at `server` when given), bounded in time.
    static func lookup(_ root: CLIRoot, _ container: String, _ args: String...) -> CLIRoot.Result {
        root.skiff(["exec", container, "timeout", "10", "nslookup"] + args, timeout: 30)
    }

    @Test func peersResolveByNameAliasAndNetworkAndNamesStayCurrent() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        for n in ["dnsa", "dnsb"] { try #require(root.skiff("network", "create", n).status == 0) }
        var r = root.skiff(
            "run", "-d", "--name", "srv", "--hostname", "srvhost", "--network", "dnsa", "--network-alias", "web",
            "busybox",
            "sleep", "300")
        try #require(r.status == 0, "\(r)")
        // The upstream for cli's --dns: on the network's gateway, which cli reaches from its namespace.
        let upstream = try Upstream(answer: "192.0.2.99", at: Self.gateway(root, "dnsa"))
        defer { upstream.stop() }
        r = root.skiff(
            "run", "-d", "--name", "cli", "--network", "dnsa", "--dns", upstream.address, "--add-host",
            "added.test:10.7.7.7", "--link", "srv:backend", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        r = root.skiff("run", "-d", "--name", "hidden", "--network", "dnsb", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let srv = Self.address(root, "srv", "dnsa")
        let hidden = Self.address(root, "hidden", "dnsb")
        try #require(IPv4Address(srv) != nil && IPv4Address(hidden) != nil, "\(srv) \(hidden)")

        let resolv = root.skiff("exec", "cli", "cat", "/etc/resolv.conf").out
        #expect(resolv.hasPrefix("nameserver 127.0.0.11\n") && !resolv.contains("nameserver \(upstream.address)"))
        #expect(resolv.contains("options ndots:0\n") && resolv.contains("# ExtServers: [\(upstream.address)]"))
        // Name, alias, NAME.NETWORK, any case, hostname, and cli's link alias.
        for name in ["srv", "web", "srv.dnsa", "WEB", "srvhost", "backend"] {
            let direct = Self.lookup(root, "cli", name, "127.0.0.11")
            #expect(
                direct.status == 0 && direct.out.contains("Address: \(srv)"), "nslookup \(name) 127.0.0.11: \(direct)")
            let plain = Self.lookup(root, "cli", name)
            #expect(plain.status == 0 && plain.out.contains("Address: \(srv)"), "nslookup \(name): \(plain)")
        }
        // The reverse: the address is srv's (the first name of its line).
        let reverse = Self.lookup(root, "cli", srv)
        #expect(reverse.out.contains("name = srv"), "\(reverse)")
        // Other names go to the --dns server; one it does not know is NXDOMAIN, at once.
        #expect(Self.lookup(root, "cli", "example.test").out.contains("Address: 192.0.2.99"))
        let started = Date()
        let unknown = Self.lookup(root, "cli", "nosuchname")
        #expect(unknown.status != 0 && (unknown.out + unknown.err).contains("NXDOMAIN"), "\(unknown)")
        #expect(Date().timeIntervalSince(started) < 8, "an unknown name took \(Date().timeIntervalSince(started)) s")

        // An --add-host name is the container's /etc/hosts line, not a name on its network: Docker's
        // resolver does not answer it (the upstream does, here NXDOMAIN).
        let added = Self.lookup(root, "cli", "added.test", "127.0.0.11")
        #expect(!added.out.contains("10.7.7.7") && (added.out + added.err).contains("NXDOMAIN"), "\(added)")
        #expect(root.skiff("exec", "cli", "ping", "-c", "1", "-W", "1", "added.test").out.contains("10.7.7.7"))
        // Where Docker writes it: after the fixed lines, before cli's own (the server finds it there).
        let hostsFile = root.skiff("exec", "cli", "cat", "/etc/hosts").out
        #expect(hostsFile.contains("ff02::2\tip6-allrouters\n10.7.7.7\tadded.test\n"), "\(hostsFile)")

        // Attack: a container only on dnsb is nobody on dnsa, by name, NAME.NETWORK or address.
        for name in ["hidden", "hidden.dnsb", "hidden.dnsa"] {
            let leak = Self.lookup(root, "cli", name, "127.0.0.11")
            #expect(!leak.out.contains(hidden), "\(name) resolved across networks: \(leak)")
        }
        let leakPTR = Self.lookup(root, "cli", hidden, "127.0.0.11")
        #expect(!leakPTR.out.contains("name = hidden"), "PTR across networks: \(leakPTR)")

        // A container started later is found from cli (started earlier); removed, it is gone.
        r = root.skiff(
            "run", "-d", "--name", "late", "--network", "dnsa", "--network-alias", "later", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let late = Self.address(root, "late", "dnsa")
        for name in ["late", "later"] {
            let found = Self.lookup(root, "cli", name)
            #expect(found.status == 0 && found.out.contains("Address: \(late)"), "nslookup \(name): \(found)")
        }
        #expect(root.skiff("rm", "-f", "late").status == 0)
        let gone = Self.lookup(root, "cli", "late")
        #expect(!gone.out.contains(late) && (gone.out + gone.err).contains("NXDOMAIN"), "\(gone)")

        // The default bridge has no embedded server: the host's servers, as docker0's containers get.
        r = root.skiff("run", "--rm", "busybox", "cat", "/etc/resolv.conf")
        #expect(r.status == 0 && !r.out.contains("127.0.0.11"), "\(r)")
        // The first lookup of a container right at its start is answered (the server's sockets exist
        // before its process runs, whether or not the relay has started yet).
        r = root.skiff("run", "--rm", "--network", "dnsa", "busybox", "nslookup", "srv")
        #expect(r.status == 0 && r.out.contains("Address: \(srv)"), "\(r)")
    }

    @Test func dnsFlagsAreTheServersUpstreamsAndTheContainerCannotRedirectThem() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let other = try Upstream(answer: "192.0.2.66")
        defer { other.stop() }
        try #require(root.skiff("network", "create", "dnsflags").status == 0)
        var r = root.skiff("run", "-d", "--name", "first", "--network", "dnsflags", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let chosen = try Upstream(answer: "192.0.2.10", at: Self.gateway(root, "dnsflags"))
        defer { chosen.stop() }
        r = root.skiff(
            "run", "-d", "--name", "c", "--network", "dnsflags", "--dns", chosen.address, "--dns-search", "x.test",
            "--dns-option", "edns0", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let resolv = root.skiff("exec", "c", "cat", "/etc/resolv.conf").out
        #expect(
            resolv
                == "nameserver 127.0.0.11\nsearch x.test\noptions edns0 ndots:0\n\n# ExtServers: [\(chosen.address)]\n",
            "\(resolv)")
        #expect(Self.lookup(root, "c", "example.test").out.contains("Address: 192.0.2.10"))
        // Attack: the container names another server in its (writable) resolv.conf and is restarted;
        // the server forwards to the one it was given, never to an address the container chose.
        r = root.skiff(
            "exec", "c", "sh", "-c",
            "t=$(sed 's/ExtServers: .*/ExtServers: [\(other.address)]/' /etc/resolv.conf) && echo \"$t\" > /etc/resolv.conf"
        )
        #expect(r.status == 0, "\(r)")
        #expect(root.skiff("exec", "c", "cat", "/etc/resolv.conf").out.contains("ExtServers: [\(other.address)]"))
        #expect(root.skiff("restart", "-t", "1", "c").status == 0)
        let after = Self.lookup(root, "c", "example.test")
        #expect(after.out.contains("Address: 192.0.2.10") && !after.out.contains("192.0.2.66"), "\(after)")
        // Attack: a --dns server on the host's loopback is the container's own loopback, as in Docker:
        // the server does not reach the host's loopback for the container.
        r = root.skiff(
            "run", "--rm", "--network", "dnsflags", "--dns", other.address, "busybox", "timeout", "10", "nslookup",
            "example.test")
        #expect(!r.out.contains("192.0.2.66"), "a --dns server on the host's loopback answered: \(r)")
    }

    /// Docker makes the resolv.conf again from the host's at every start (a laptop moved to another
    /// network, a VPN), and since Docker 29 keeps one the user changed in the container: on the default
    /// bridge (the host's servers) and on a user network (the embedded server's upstreams), with the
    /// container's --dns-search kept.
    @Test func aStartFollowsTheHostsResolvConfButKeepsTheUsersEdit() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        try #require(root.skiff("network", "create", "rcnet").status == 0)
        let hostFile = root.path + "/host-resolv.conf"
        try "nameserver 192.0.2.1\n".write(toFile: hostFile, atomically: false, encoding: .utf8)
        var host = Engine.HostFiles()
        host.resolvConf = hostFile
        for (name, network) in [("rcb", RunOptions.NetworkMode.bridge), ("rcu", .named("rcnet"))] {
            var o = RunOptions()
            o.name = name
            o.command = ["sleep", "300"]
            o.network = network
            o.names.dnsSearch = ["corp.test"]
            _ = try root.engine.createContainer(image: "busybox", options: o, host: host)
            try #require(root.skiff("start", name).status == 0)
        }
        func resolv(_ name: String) -> String { root.skiff("exec", name, "cat", "/etc/resolv.conf").out }
        #expect(resolv("rcb") == "search corp.test\nnameserver 192.0.2.1\n", "\(resolv("rcb"))")
        #expect(resolv("rcu").contains("ExtServers: [192.0.2.1]"), "\(resolv("rcu"))")
        for name in ["rcb", "rcu"] { #expect(root.skiff("stop", "-t", "1", name).status == 0) }
        try "nameserver 192.0.2.2\n".write(toFile: hostFile, atomically: false, encoding: .utf8)
        for name in ["rcb", "rcu"] { #expect(root.skiff("start", name).status == 0) }
        #expect(resolv("rcb") == "search corp.test\nnameserver 192.0.2.2\n", "\(resolv("rcb"))")
        let user = resolv("rcu")
        #expect(
            user.hasPrefix("nameserver 127.0.0.11\nsearch corp.test\n") && user.contains("ExtServers: [192.0.2.2]"),
            "\(user)")
        // The user's own file is theirs: a restart after the host changed again keeps it.
        for name in ["rcb", "rcu"] {
            #expect(root.skiff("exec", name, "sh", "-c", "echo nameserver 198.51.100.7 > /etc/resolv.conf").status == 0)
        }
        try "nameserver 192.0.2.3\n".write(toFile: hostFile, atomically: false, encoding: .utf8)
        for name in ["rcb", "rcu"] {
            #expect(root.skiff("restart", "-t", "1", name).status == 0)
            #expect(resolv(name) == "nameserver 198.51.100.7\n", "\(name): \(resolv(name))")
        }
    }

    /// `network connect` and `disconnect` change the resolv.conf: a running container on the default
    /// bridge gets the embedded server when it joins a user-defined network (Docker starts its resolver
    /// then), and a stopped one's next start writes the form its networks now call for.
    @Test func connectAndDisconnectChangeTheResolvConfForm() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        try #require(root.skiff("network", "create", "formnet").status == 0)
        try #require(
            root.skiff("run", "-d", "--name", "peer", "--network", "formnet", "busybox", "sleep", "300").status == 0)
        for name in ["live", "later"] {
            try #require(root.skiff("create", "--name", name, "busybox", "sleep", "300").status == 0)
        }
        let peer = root.skiff("inspect", "-f", "{{.NetworkSettings.Networks.formnet.IPAddress}}", "peer").out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!peer.isEmpty)
        func resolv(_ name: String) -> String { root.skiff("exec", name, "cat", "/etc/resolv.conf").out }
        func embedded(_ name: String) -> Bool { resolv(name).hasPrefix("nameserver 127.0.0.11\n") }
        try #require(root.skiff("start", "live").status == 0)
        #expect(!embedded("live"), "\(resolv("live"))")
        #expect(root.skiff("network", "connect", "formnet", "live").status == 0)
        #expect(embedded("live"), "\(resolv("live"))")
        var r = root.skiff("exec", "live", "nslookup", "peer")
        #expect(r.status == 0 && r.out.contains("Address: \(peer)"), "\(r)")

        #expect(root.skiff("network", "connect", "formnet", "later").status == 0)
        try #require(root.skiff("start", "later").status == 0)
        #expect(embedded("later"), "\(resolv("later"))")
        r = root.skiff("exec", "later", "nslookup", "peer")
        #expect(r.status == 0 && r.out.contains("Address: \(peer)"), "\(r)")
        #expect(root.skiff("stop", "-t", "1", "later").status == 0)
        #expect(root.skiff("network", "disconnect", "formnet", "later").status == 0)
        try #require(root.skiff("start", "later").status == 0)
        #expect(!embedded("later") && resolv("later").contains("nameserver"), "\(resolv("later"))")
    }

    @Test func aComposeServiceResolvesAnotherByDNS() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            name: dnsproj
            services:
              db:
                image: busybox
                command: sleep 300
                stop_grace_period: 1s
              web:
                image: busybox
                command: sleep 300
                stop_grace_period: 1s
            """)
        defer { p.cleanUp() }
        var r = p.compose("up", "-d")
        try #require(r.status == 0, "\(r)")
        let db = try #require(p.container("dnsproj-db-1"))
        let address = try #require(p.engine.containerAddresses(db.id).first?.lease.ip?.description)
        for name in ["db", "dnsproj-db-1"] {
            r = p.compose("exec", "-T", "web", "nslookup", name)
            #expect(r.status == 0 && r.out.contains("Address: \(address)"), "nslookup \(name): \(r)")
        }
        r = p.compose("exec", "-T", "web", "cat", "/etc/resolv.conf")
        #expect(r.out.hasPrefix("nameserver 127.0.0.11\n"), "\(r)")
        let ids = p.engine.containers.all().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test(.enabled(if: HostIPv6.enabled)) func aDualStackNetworksNamesHaveBothFamilies() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkIPv6Tests.cleanUp(root) }
        try #require(root.skiff("network", "create", "--ipv6", "dnsdual").status == 0)
        var r = root.skiff("run", "-d", "--name", "srv", "--network", "dnsdual", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let v4 = Self.address(root, "srv", "dnsdual")
        let v6 = root.inspect("srv", "{{.NetworkSettings.Networks.dnsdual.GlobalIPv6Address}}")
        try #require(IPv4Address(v4) != nil && IPv6Address(v6) != nil, "\(v4) \(v6)")
        r = root.skiff(
            "run", "--rm", "--network", "dnsdual", "busybox", "sh", "-c",
            "nslookup -type=a srv; nslookup -type=aaaa srv")
        #expect(r.status == 0 && r.out.contains("Address: \(v4)") && r.out.contains("Address: \(v6)"), "\(r)")
    }

    @Test func aContainerThatEndsAtOnceLeavesNoServerBehind() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        try #require(root.skiff("network", "create", "dnsquick").status == 0)
        // Its process may end before its relay (not waited for) has started: the relay must see that.
        var ids: [String] = []
        for _ in 0..<3 {
            let r = root.skiff("run", "-d", "--network", "dnsquick", "busybox", "true")
            try #require(r.status == 0, "\(r)")
            ids.append(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for id in ids {
            #expect(root.eventually(20) { root.inspect(id, "{{.State.Status}}") == "exited" })
            let gone = root.eventually(5) { HostLeftovers.processesMentioning(id).isEmpty }
            #expect(gone, "a relay of the exited container \(id) runs on: \(HostLeftovers.processesMentioning(id))")
        }
    }
}
