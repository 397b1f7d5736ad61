import Foundation
import SkiffKit
import Testing

/// IPv6 on skiff networks end to end through the built CLI, each test in its own SKIFF_ROOT: dual-stack
/// networks (`network create --ipv6`, compose `enable_ipv6` with an IPv6 `ipam.config` and
/// `ipv6_address`), containers reaching each other by name over IPv6, inspect's IPv6 fields, isolation
/// between networks attacked over IPv6 with both firewall backends, an internal network with no way
/// out, outbound NAT66 to a server in a namespace the test makes, and published ports on the host's
/// IPv6 addresses. Afterwards no bridge, veth, table, chain or claim of the root is left, and the
/// host's IPv6 forwarding and accept_ra are as they were.
@Suite(
    "IPv6 networks (dual stack, isolation, NAT66, published ports)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && HostIPv6.enabled))
struct NetworkIPv6Tests {
    typealias Root = CLIRoot
    typealias Out = NetworkTests.Out

    static func sysctl(_ path: String) -> String {
        ((try? String(contentsOfFile: "/proc/sys/" + path, encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func makeRoot(firewall: String? = nil) throws -> Root {
        try Root(prefix: "skiff-v6-test-", environment: firewall.map { ["SKIFF_FIREWALL": $0] } ?? [:])
    }

    /// NetworkTests' checks, and the IPv6 side: no ip6 table or ip6tables chain, no IPv6 subnet claim.
    static func cleanUp(_ root: Root) {
        let store = root.engine.networks
        NetworkTests.cleanUp(root)
        let tables = NetworkTests.sh("/usr/sbin/nft", "list", "tables").out
        #expect(!tables.contains("table ip6 \(store.tableName)\n"), "ip6 table \(store.tableName) left")
        #expect(
            !NetworkTests.sh("/usr/sbin/ip6tables-save").out.contains(store.chainPrefix + "-"),
            "ip6tables chains \(store.chainPrefix)-… left")
        let claims = (try? FileManager.default.contentsOfDirectory(atPath: "/run/skiff/subnets6")) ?? []
        for c in claims {
            let owner = (try? String(contentsOfFile: "/run/skiff/subnets6/" + c, encoding: .utf8)) ?? ""
            #expect(!owner.hasPrefix(root.path + "\n"), "IPv6 subnet claim \(c) left")
        }
    }

    /// A random ULA /64, so tests running at once never ask for the same one.
    static func randomSubnet() -> String {
        let g = (0..<3).map { _ in String(format: "%04x", Int.random(in: 0...0xffff)) }
        return "fd\(String(g[0].suffix(2))):\(g[1]):\(g[2])::/64"
    }

    static func inspect(_ root: Root, _ template: String, _ name: String) -> String {
        root.skiff("inspect", "-f", template, name).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func networkDoc(_ root: Root, _ name: String) throws -> [String: Any] {
        let out = root.skiff("network", "inspect", name).out
        let all = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]
        return try #require(all?.first, "network inspect \(name): \(out)")
    }

    /// (subnet, gateway) of the network's IPv6 ipam block.
    static func ipv6Config(_ root: Root, _ name: String) throws -> (String, String) {
        let doc = try networkDoc(root, name)
        let configs = (doc["IPAM"] as? [String: Any])?["Config"] as? [[String: String]] ?? []
        let v6 = try #require(configs.first { $0["Subnet"]?.contains(":") == true }, "\(doc)")
        return (v6["Subnet"] ?? "", v6["Gateway"] ?? "")
    }

    static let httpd = [
        "sh", "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www",
    ]

    /// wget from `container` to `url`, its output ("" when it fails within 3 s).
    static func fetch(_ root: Root, from container: String, _ url: String) -> String {
        root.skiff("exec", container, "timeout", "3", "wget", "-q", "-O-", url).out
    }

    // MARK: tests

    /// `network create --ipv6` with no subnet takes a ULA /64; containers get the next free IPv6 address
    /// or the one --ip6 asks for, a default route via the bridge, their names in /etc/hosts with the
    /// IPv6 address after the IPv4 one, and reach each other by name over IPv6; inspect and network ls
    /// show it as Docker does. Bad --ip6 values are refused naming the flag.
    @Test func dualStackNetworkNamesAddressesAndInspect() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        var r = root.skiff("network", "create", "--ipv6", "v6tdual")
        try #require(r.status == 0, "\(r)")
        #expect(
            root.skiff("network", "ls", "--format", "{{.Name}} {{.IPv6}}").out.contains("v6tdual true"))
        let doc = try Self.networkDoc(root, "v6tdual")
        #expect(doc["EnableIPv6"] as? Bool == true)
        let (subnet, gateway) = try Self.ipv6Config(root, "v6tdual")
        let s6 = try #require(IPv6Subnet(subnet))
        #expect(
            s6.prefix == 64 && subnet.hasPrefix("fd") && gateway == s6.firstHost.description, "\(subnet) \(gateway)")

        r = root.skiff(["run", "-d", "--name", "v6t-web", "--network", "v6tdual"] + ["busybox"] + Self.httpd)
        try #require(r.status == 0, "\(r)")
        let fixed = s6.network.adding(0x99).description
        r = root.skiff(
            "run", "-d", "--name", "v6t-fixed", "--network", "v6tdual", "--ip6", fixed, "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")

        let webV6 = Self.inspect(root, "{{.NetworkSettings.Networks.v6tdual.GlobalIPv6Address}}", "v6t-web")
        let webV4 = Self.inspect(root, "{{.NetworkSettings.Networks.v6tdual.IPAddress}}", "v6t-web")
        #expect(IPv6Address(webV6).map(s6.contains) == true, "web's IPv6 address \(webV6)")
        #expect(Self.inspect(root, "{{.NetworkSettings.Networks.v6tdual.IPv6Gateway}}", "v6t-web") == gateway)
        #expect(Self.inspect(root, "{{.NetworkSettings.Networks.v6tdual.GlobalIPv6PrefixLen}}", "v6t-web") == "64")
        #expect(Self.inspect(root, "{{.NetworkSettings.Networks.v6tdual.GlobalIPv6Address}}", "v6t-fixed") == fixed)
        let endpoints = try Self.networkDoc(root, "v6tdual")["Containers"] as? [String: [String: Any]] ?? [:]
        #expect(endpoints.values.contains { $0["IPv6Address"] as? String == "\(fixed)/64" }, "\(endpoints)")

        let hosts = root.skiff("exec", "v6t-fixed", "cat", "/etc/hosts").out
        let lines = hosts.split(separator: "\n").map(String.init)
        let v4Line = lines.firstIndex { $0.hasPrefix(webV4 + "\t") && $0.contains("v6t-web") }
        let v6Line = lines.firstIndex { $0.hasPrefix(webV6 + "\t") && $0.contains("v6t-web") }
        #expect(v4Line != nil && v6Line != nil && v4Line! < v6Line!, "\(hosts)")
        let route = root.skiff("exec", "v6t-fixed", "ip", "-6", "route").out
        #expect(route.contains("default via \(gateway)"), "\(route)")

        let ping = root.skiff("exec", "v6t-fixed", "ping6", "-c", "1", "-W", "3", "v6t-web")
        #expect(ping.status == 0 && ping.out.contains(webV6), "\(ping)")
        #expect(
            root.eventually(10) { Self.fetch(root, from: "v6t-fixed", "http://[\(webV6)]/").contains("hello-") })

        // --ip6 outside the subnet, not an IPv6 address, on a network without IPv6: Docker's exit 125.
        for (args, message) in [
            (["--network", "v6tdual", "--ip6", "fd99::5"], "--ip6 fd99::5: not a free host address"),
            (["--network", "v6tdual", "--ip6", "10.1.2.3"], "--ip6 10.1.2.3: not an IPv6 address"),
            (["--ip6", "fd99::5"], "--ip6 fd99::5"),
        ] {
            let bad = root.skiff(["create"] + args + ["busybox", "true"])
            #expect(bad.status == 125 && bad.err.contains(message), "\(args): \(bad)")
        }
        let noFlag = root.skiff("network", "create", "--subnet", Self.randomSubnet(), "v6t-noflag")
        #expect(noFlag.status != 0 && noFlag.err.contains("--ipv6"), "\(noFlag)")
    }

    /// A compose file as Docker users write it: `enable_ipv6: true`, an IPv4 and an IPv6 ipam block,
    /// `ipv6_address` on a service; `up` makes it and the services reach each other over IPv6.
    @Test func composeEnableIPv6AndIPv6Address() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        let subnet = Self.randomSubnet()
        let s6 = try #require(IPv6Subnet(subnet))
        let fixed = s6.network.adding(0x10).description
        let dir = root.path + "/v6proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let compose = """
            services:
              web:
                image: busybox
                command: ["sh", "-c", "mkdir -p /www && echo hello-compose-v6 > /www/index.html && exec httpd -f -p 80 -h /www"]
                networks:
                  back:
                    ipv6_address: \(fixed)
              client:
                image: busybox
                command: ["sleep", "300"]
                networks: [back]
            networks:
              back:
                enable_ipv6: true
                ipam:
                  config:
                    - subnet: \(subnet)

            """
        try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let up = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "v6t", "up", "-d")
        try #require(up.status == 0, "\(up)")
        defer { _ = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "v6t", "down") }
        #expect(Self.inspect(root, "{{.NetworkSettings.Networks.v6t_back.GlobalIPv6Address}}", "v6t-web-1") == fixed)
        let ping = root.skiff("exec", "v6t-client-1", "ping6", "-c", "1", "-W", "3", "web")
        #expect(ping.status == 0 && ping.out.contains(fixed), "\(ping)")
        #expect(
            root.eventually(10) {
                Self.fetch(root, from: "v6t-client-1", "http://[\(fixed)]/").contains("hello-compose-v6")
            })
        let down = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "v6t", "down")
        #expect(down.status == 0, "\(down)")
        #expect(root.skiff("network", "ls", "--format", "{{.Name}}").out.contains("v6t_back") == false)
    }

    /// The attack: a container on network A goes for a container on network B by its IPv6 address
    /// (ICMPv6 and TCP) and fails, with both firewall backends, while a container on B reaches it (so
    /// the address was right and the server up). A container on an internal network cannot reach a
    /// server outside, where one on A can (NAT66 through the host's forwarding, which Skiff turns on
    /// only meanwhile: afterwards forwarding and accept_ra are as they were).
    @Test(arguments: ["nftables", "iptables"])
    func networksAreIsolatedOverIPv6AndInternalHasNoWayOut(firewall: String) throws {
        // The host's own values, when no other test has Skiff hold forwarding right now.
        let record = "/run/skiff/ipv6-forwarding"
        let before =
            FileManager.default.fileExists(atPath: record)
            ? nil
            : (Self.sysctl("net/ipv6/conf/all/forwarding"), Self.sysctl("net/ipv6/conf/default/accept_ra"))
        let outside = try OutsideServer6(greeting: "hello-outside-v6")
        defer {
            outside.stop()
            // Other tests of this suite may still hold forwarding; check once no Skiff bridge forwards.
            if let before, IPv6Forwarding.bridgesForwarding().isEmpty, !FileManager.default.fileExists(atPath: record) {
                #expect(Self.sysctl("net/ipv6/conf/all/forwarding") == before.0, "forwarding not restored")
                #expect(Self.sysctl("net/ipv6/conf/default/accept_ra") == before.1, "accept_ra not restored")
            }
        }
        let root = try Self.makeRoot(firewall: firewall)
        defer { Self.cleanUp(root) }
        for (name, extra) in [("v6ta", [String]()), ("v6tb", []), ("v6tint", ["--internal"])] {
            let r = root.skiff(["network", "create", "--ipv6"] + extra + [name])
            try #require(r.status == 0, "\(r)")
        }
        for (name, net, cmd) in [
            ("v6t-target", "v6tb", Self.httpd), ("v6t-neighbour", "v6tb", ["sleep", "300"]),
            ("v6t-attacker", "v6ta", ["sleep", "300"]), ("v6t-inside", "v6tint", ["sleep", "300"]),
        ] {
            let r = root.skiff(["run", "-d", "--name", name, "--network", net, "busybox"] + cmd)
            try #require(r.status == 0, "\(r)")
        }
        let target = Self.inspect(root, "{{.NetworkSettings.Networks.v6tb.GlobalIPv6Address}}", "v6t-target")
        try #require(IPv6Address(target) != nil, "target address \(target)")
        #expect(
            root.eventually(10) { Self.fetch(root, from: "v6t-neighbour", "http://[\(target)]/").contains("hello-") },
            "the neighbour on the same network reaches the target")
        let ping = root.skiff("exec", "v6t-attacker", "ping6", "-c", "1", "-W", "2", target)
        #expect(ping.status != 0, "ICMPv6 crossed networks: \(ping)")
        #expect(Self.fetch(root, from: "v6t-attacker", "http://[\(target)]/").isEmpty, "TCP crossed networks")
        let rules =
            firewall == "nftables"
            ? NetworkTests.sh("/usr/sbin/nft", "list", "table", "ip6", root.engine.networks.tableName).out
            : NetworkTests.sh("/usr/sbin/ip6tables-save", "-t", "filter").out
        #expect(rules.contains("skiff"), "the ip6 rules are in place: \(rules)")

        let url = "http://[\(outside.address)]:8080/"
        #expect(
            root.eventually(10) { Self.fetch(root, from: "v6t-attacker", url).contains("hello-outside-v6") },
            "outbound IPv6 from a normal network")
        #expect(Self.fetch(root, from: "v6t-inside", url).isEmpty, "an internal network reached the outside")
        #expect(Self.sysctl("net/ipv6/conf/all/forwarding") == "1")
    }

    /// `-p PORT:80` on a network with IPv6 is published on the host's IPv6 addresses too (DNAT to the
    /// container's IPv6 address), as Docker publishes on [::]; IPv4 keeps working. [::1] cannot be DNATed
    /// off the host, so a relay answers there (Docker's docker-proxy): it follows the container through
    /// a restart and is gone when the container stops.
    @Test func publishedPortAnswersOnTheHostsIPv6Address() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        try #require(root.skiff("network", "create", "--ipv6", "v6tpub").status == 0)
        let port = NetworkTests.freePort()
        let r = root.skiff(
            ["run", "-d", "--name", "v6t-pubweb", "--network", "v6tpub", "-p", "\(port):80", "busybox"] + Self.httpd)
        try #require(r.status == 0, "\(r)")
        #expect(root.eventually(10) { NetworkTests.curl("http://127.0.0.1:\(port)/").contains("hello-") })
        let host = try #require(Self.hostIPv6Address(), "the host has no global IPv6 address")
        #expect(
            root.eventually(10) {
                NetworkTests.sh("/usr/bin/curl", "-s", "-m", "3", "-g", "http://[\(host)]:\(port)/").out.contains(
                    "hello-")
            }, "published port on [\(host)]:\(port)")
        let nat = NetworkTests.sh("/usr/sbin/nft", "list", "table", "ip6", root.engine.networks.tableName).out
        #expect(nat.contains("tcp dport \(port) dnat to ["), "\(nat)")
        func loopback() -> Bool {
            NetworkTests.sh("/usr/bin/curl", "-s", "-m", "3", "-g", "http://[::1]:\(port)/").out.contains("hello-")
        }
        #expect(root.eventually(10, loopback), "published port on [::1]:\(port)")
        #expect(root.skiff("restart", "-t", "1", "v6t-pubweb").status == 0)
        #expect(root.eventually(10, loopback), "[::1]:\(port) after a restart")
        #expect(root.skiff("stop", "-t", "1", "v6t-pubweb").status == 0)
        #expect(
            root.eventually(5) {
                !NetworkTests.sh("/usr/bin/pgrep", "-f", "loopback-proxy.*\(root.path)").out.contains("\n")
            },
            "the [::1] relay is gone with the container")
        #expect(!loopback())
    }

    /// The host's first global IPv6 address that is not a Skiff bridge's.
    static func hostIPv6Address() -> String? {
        for line in NetworkTests.sh("/usr/sbin/ip", "-6", "-o", "addr", "show", "scope", "global").out.split(
            separator: "\n")
        {
            let f = line.split(separator: " ")
            guard f.count > 3, !f[1].hasPrefix("skiff"), !f[1].hasPrefix("skf") else { continue }
            if let i = f.firstIndex(of: "inet6"), i + 1 < f.count { return String(f[i + 1].split(separator: "/")[0]) }
        }
        return nil
    }
}

/// Whether the host's kernel has IPv6 on (`net.ipv6.conf.all.disable_ipv6=0`).
enum HostIPv6 {
    static var enabled: Bool {
        (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/all/disable_ipv6", encoding: .utf8))?
            .hasPrefix("0") == true
    }
}

/// "The outside" over IPv6: a namespace joined to the host by a veth pair with a random ULA /64, busybox
/// httpd on port 8080 in it. `stop()` removes it all.
final class OutsideServer6 {
    let namespace: String
    let hostEnd: String
    let address: String
    private let server: Process
    private let www: String

    init(greeting: String) throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        namespace = "skiffv6test-out-\(suffix)"
        hostEnd = "skfv6t\(suffix)"
        let prefix = String(NetworkIPv6Tests.randomSubnet().dropLast(3))  // "fdxx:xxxx:xxxx::"
        address = prefix + "2"
        www = NSTemporaryDirectory() + "skiffv6test-www-\(suffix)"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "\(greeting)\n".write(toFile: www + "/index.html", atomically: true, encoding: .utf8)
        for args in [
            ["netns", "add", namespace],
            ["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", namespace],
            ["addr", "add", prefix + "1/64", "dev", hostEnd, "nodad"], ["link", "set", hostEnd, "up"],
            ["-n", namespace, "addr", "add", address + "/64", "dev", "eth0", "nodad"],
            ["-n", namespace, "link", "set", "eth0", "up"], ["-n", namespace, "link", "set", "lo", "up"],
            ["-n", namespace, "route", "add", "default", "via", prefix + "1"],
        ] {
            let r = NetworkTests.sh("/usr/sbin/ip", args)
            guard r.status == 0 else {
                Self.remove(namespace: namespace, hostEnd: hostEnd, www: www)
                throw OutsideServer.SetupError(message: "ip \(args.joined(separator: " ")): \(r.err)")
            }
        }
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        server.arguments = [
            "netns", "exec", namespace, "/usr/bin/busybox", "httpd", "-f", "-p", "[::]:8080", "-h", www,
        ]
        do { try server.run() } catch {
            Self.remove(namespace: namespace, hostEnd: hostEnd, www: www)
            throw error
        }
    }

    func stop() {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        Self.remove(namespace: namespace, hostEnd: hostEnd, www: www)
    }

    private static func remove(namespace: String, hostEnd: String, www: String) {
        for pid in NetworkTests.sh("/usr/sbin/ip", "netns", "pids", namespace).out.split(separator: "\n") {
            kill(Int32(pid) ?? 0, SIGKILL)
        }
        _ = NetworkTests.sh("/usr/sbin/ip", "link", "del", hostEnd)
        NetworkTests.sh("/usr/sbin/ip", "netns", "del", namespace)
        try? FileManager.default.removeItem(atPath: www)
    }
}
