import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// IPv6-only networks (Docker 28's `network create --ipv6 --ipv4=false`, compose `enable_ipv4: false`),
/// through the built CLI: a ULA /64 chosen when none is given, containers with an IPv6 address and no
/// IPv4 one, names resolving to the IPv6 address, `-p` publishing to the container's IPv6 address
/// ([::1] through the relay, the host's IPv6 address through the DNAT, no IPv4 side), inspect's
/// EnableIPv4 false. Attack: a container of another IPv6-only network goes for it by its address.
@Suite(
    "IPv6-only networks (--ipv4=false, compose enable_ipv4: false)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && HostIPv6.enabled))
struct IPv6OnlyNetworkTests {
    typealias Root = CLIRoot

    @Test(arguments: ["nftables", "iptables"])
    func containersGetIPv6OnlyNamesResolvePortsPublishAndNetworksAreIsolated(firewall: String) throws {
        let root = try NetworkIPv6Tests.makeRoot(firewall: firewall)
        defer { NetworkIPv6Tests.cleanUp(root) }
        var r = root.skiff("network", "create", "--ipv4=false", "v6onlybad")
        #expect(r.status != 0 && r.err.contains("--ipv4=false needs --ipv6"), "\(r)")
        for name in ["v6only", "v6other"] {
            r = root.skiff("network", "create", "--ipv6", "--ipv4=false", name)
            try #require(r.status == 0, "\(r)")
        }
        let doc = try NetworkIPv6Tests.networkDoc(root, "v6only")
        #expect(doc["EnableIPv4"] as? Bool == false && doc["EnableIPv6"] as? Bool == true, "\(doc)")
        let ipam = try #require((doc["IPAM"] as? [String: Any])?["Config"] as? [[String: Any]])
        #expect(ipam.count == 1 && (ipam.first?["Subnet"] as? String)?.hasPrefix("fd") == true, "\(ipam)")
        #expect(
            root.skiff("network", "ls", "--format", "{{.Name}} {{.IPv4}} {{.IPv6}}").out.contains("v6only false true"))

        let port = FreePort.next()
        r = root.skiff(
            [
                "run", "-d", "--name", "srv", "--hostname", "srv", "--network", "v6only", "--network-alias", "web",
                "-p",
                "\(port):80", "busybox",
            ] + NetworkIPv6Tests.httpd)
        try #require(r.status == 0, "\(r)")
        for (name, net) in [("cli", "v6only"), ("intruder", "v6other")] {
            r = root.skiff("run", "-d", "--name", name, "--network", net, "busybox", "sleep", "300")
            try #require(r.status == 0, "\(r)")
        }
        let address = NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6only.GlobalIPv6Address}}", "srv")
        try #require(IPv6Address(address) != nil, "srv's IPv6 address: \(address)")
        #expect(NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6only.IPAddress}}", "srv").isEmpty)
        let v4 = root.skiff("exec", "srv", "ip", "-4", "addr", "show", "eth0").out
        #expect(!v4.contains("inet "), "an IPv6-only container has an IPv4 address: \(v4)")
        let hosts = root.skiff("exec", "cli", "cat", "/etc/hosts").out
        #expect(hosts.contains("\(address)\tsrv web"), "\(hosts)")
        #expect(
            root.eventually(10) { NetworkIPv6Tests.fetch(root, from: "cli", "http://web/").contains("hello-srv") },
            "the alias resolves to the IPv6 address")

        #expect(root.eventually(10) { PublishIPv6HostTests.curl("http://[::1]:\(port)/").contains("hello-srv") })
        if let host6 = PublishEveryAddressTests.hostIPv6Address() {
            #expect(PublishIPv6HostTests.curl("http://[\(host6)]:\(port)/").contains("hello-srv"), "via [\(host6)]")
        }
        // The IPv4 side is docker-proxy's (Docker 28): relayed to the container's IPv6 address.
        #expect(PublishIPv6HostTests.curl("http://127.0.0.1:\(port)/").contains("hello-srv"), "0.0.0.0:\(port)")
        #expect(root.skiff("port", "srv", "80").out == "0.0.0.0:\(port)\n[::]:\(port)\n")

        // Attack: another IPv6-only network's container goes for srv by its address.
        let ping = root.skiff("exec", "intruder", "ping6", "-c", "1", "-W", "2", address)
        #expect(ping.status != 0, "ICMPv6 crossed IPv6-only networks: \(ping)")
        #expect(NetworkIPv6Tests.fetch(root, from: "intruder", "http://[\(address)]/").isEmpty, "TCP crossed networks")

        // A container of another (IPv4) network joins and leaves the IPv6-only one while it runs.
        r = root.skiff("run", "-d", "--name", "late", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        r = root.skiff("network", "connect", "v6only", "late")
        try #require(r.status == 0, "\(r)")
        #expect(
            root.eventually(10) { NetworkIPv6Tests.fetch(root, from: "late", "http://srv/").contains("hello-srv") },
            "a container connected later reaches srv by name over IPv6")
        let lateAddress = NetworkIPv6Tests.inspect(
            root, "{{.NetworkSettings.Networks.v6only.GlobalIPv6Address}}", "late")
        #expect(root.skiff("exec", "srv", "cat", "/etc/hosts").out.contains("\(lateAddress)\t"), "srv names late")
        r = root.skiff("network", "disconnect", "v6only", "late")
        #expect(r.status == 0, "\(r)")
        #expect(NetworkIPv6Tests.fetch(root, from: "late", "http://[\(address)]/").isEmpty, "late still reaches srv")

        r = root.skiff("run", "--rm", "--network", "v6only", "--ip", "10.1.2.3", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("IPv6-only"), "\(r)")
        #expect(root.skiff("rm", "-f", "srv", "cli", "intruder", "late").status == 0)
        #expect(root.skiff("network", "rm", "v6only", "v6other").status == 0)
    }

    @Test func composeEnableIPv4False() throws {
        let root = try NetworkIPv6Tests.makeRoot()
        defer { NetworkIPv6Tests.cleanUp(root) }
        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          web:
            image: busybox
            hostname: web
            command: ["sh", "-c", "mkdir -p /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www"]
            stop_grace_period: 1s
            networks: [back]
          client:
            image: busybox
            command: ["sleep", "300"]
            stop_grace_period: 1s
            networks: [back]
        networks:
          back:
            enable_ipv4: false
            enable_ipv6: true
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let compose = ["compose", "-f", dir + "/compose.yaml", "-p", "v6o"]
        let config = root.skiff(compose + ["config"])
        #expect(config.status == 0 && config.out.contains("enable_ipv4: false"), "\(config)")
        var r = root.skiff(compose + ["up", "-d"])
        try #require(r.status == 0, "\(r)")
        let doc = try NetworkIPv6Tests.networkDoc(root, "v6o_back")
        #expect(doc["EnableIPv4"] as? Bool == false, "\(doc)")
        #expect(
            root.eventually(10) {
                NetworkIPv6Tests.fetch(root, from: "v6o-client-1", "http://web/").contains("hello-web")
            })
        let v4 = root.skiff("exec", "v6o-web-1", "ip", "-4", "addr", "show", "eth0").out
        #expect(!v4.contains("inet "), "\(v4)")
        // By DNS too (Docker's embedded server), not only through /etc/hosts.
        let address = NetworkIPv6Tests.inspect(
            root, "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}", "v6o-web-1")
        let lookup = root.skiff("exec", "v6o-client-1", "nslookup", "-type=aaaa", "web")
        #expect(!address.isEmpty && lookup.out.contains(address), "\(lookup)")
        r = root.skiff(compose + ["down"])
        #expect(r.status == 0, "\(r)")
    }
}
