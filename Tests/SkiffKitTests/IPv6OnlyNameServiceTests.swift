import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What Docker gives a container on an IPv6-only network besides its address, through the built CLI:
/// the embedded DNS server at 127.0.0.11 (names and aliases of the network's containers as AAAA
/// records, other names forwarded to the host's servers from the host's namespace, or to the `--dns`
/// ones, IPv6 here, from the container's), and ports published on IPv4 host addresses relayed to the container's IPv6
/// address (Docker 28's docker-proxy). `network create`'s boolean flags take Go's `=false`.
/// Attacks: a port published on 127.0.0.1 must not answer on the host's other addresses; the DNS
/// server must not be reachable from outside the container (it listens on the container's loopback).
@Suite(
    "IPv6-only networks: embedded DNS, IPv4 host ports, boolean flags",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && HostIPv6.enabled))
struct IPv6OnlyNameServiceTests {
    @Test func namesResolveByDNSAndIPv4HostPortsReachTheIPv6Address() throws {
        let root = try NetworkIPv6Tests.makeRoot()
        defer { NetworkIPv6Tests.cleanUp(root) }
        // Docker's boolean flags: `--ipv4=false`, `--ipv6=true`, `--attachable`; a bad word is refused.
        var r = root.skiff("network", "create", "--ipv6=true", "--ipv4=maybe", "v6bad")
        #expect(r.status == 125 && r.err.contains(#"invalid argument "maybe" for "--ipv4" flag"#), "\(r)")
        r = root.skiff("network", "create", "--ipv6=true", "--ipv4=false", "--attachable", "v6dns")
        try #require(r.status == 0, "\(r)")
        let doc = try NetworkIPv6Tests.networkDoc(root, "v6dns")
        #expect(doc["EnableIPv4"] as? Bool == false && doc["Attachable"] as? Bool == true, "\(doc)")
        r = root.skiff("network", "create", "--ipv6", "--ipv4", "--internal=false", "v6both")
        try #require(r.status == 0, "\(r)")
        #expect(try NetworkIPv6Tests.networkDoc(root, "v6both")["EnableIPv4"] as? Bool == true)

        let (local, every) = (FreePort.next(), FreePort.next())
        r = root.skiff(
            [
                "run", "-d", "--name", "srv", "--hostname", "srv", "--network", "v6dns", "--network-alias", "web",
                "-p", "127.0.0.1:\(local):80", "-p", "\(every):80", "busybox",
            ] + NetworkIPv6Tests.httpd)
        try #require(r.status == 0, "\(r)")
        // cli's --dns server, on the network's IPv6 gateway: Docker reaches a --dns server from the
        // container's namespace.
        let upstream = try EmbeddedDNSTests.Upstream(
            answer: "192.0.2.99", at: EmbeddedDNSTests.gateway(root, "v6dns", ipv6: true))
        defer { upstream.stop() }
        r = root.skiff(
            "run", "-d", "--name", "cli", "--network", "v6dns", "--dns", upstream.address, "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let address = NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6dns.GlobalIPv6Address}}", "srv")
        try #require(IPv6Address(address) != nil, "srv's IPv6 address: \(address)")

        // network inspect's endpoint, in Docker's shape: the container's EndpointID and MAC address.
        let endpoints = try NetworkIPv6Tests.networkDoc(root, "v6dns")["Containers"] as? [String: [String: Any]]
        let srvID = NetworkIPv6Tests.inspect(root, "{{.Id}}", "srv")
        let endpoint = try #require(endpoints?[srvID], "\(String(describing: endpoints))")
        #expect(
            endpoint["EndpointID"] as? String
                == NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6dns.EndpointID}}", "srv"))
        #expect(
            endpoint["MacAddress"] as? String
                == NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6dns.MacAddress}}", "srv"))
        #expect(endpoint["IPv6Address"] as? String == address + "/64" && endpoint["IPv4Address"] as? String == "")

        // The embedded DNS server: resolv.conf names it; names and aliases are AAAA records.
        let resolv = root.skiff("exec", "cli", "cat", "/etc/resolv.conf").out
        #expect(resolv.hasPrefix("nameserver 127.0.0.11\n") && resolv.contains("ndots:0"), "\(resolv)")
        for name in ["srv", "web", "web.v6dns"] {
            let lookup = root.skiff("exec", "cli", "nslookup", "-type=aaaa", name)
            #expect(lookup.status == 0 && lookup.out.contains(address), "nslookup \(name): \(lookup)")
        }
        let missing = root.skiff("exec", "cli", "nslookup", "-type=aaaa", "nosuchcontainer")
        #expect(!missing.out.contains(address), "\(missing)")
        let ping = root.skiff("exec", "cli", "ping", "-6", "-c", "1", "-W", "3", "web")
        #expect(ping.status == 0 && ping.out.contains(address), "\(ping)")
        // Other names go to the --dns server, reached from the container's namespace.
        let external = root.skiff("exec", "cli", "nslookup", "example.test")
        #expect(external.out.contains("192.0.2.99"), "forwarded to \(upstream.address): \(external)")
        // Attack: the server listens on the container's loopback only, not on the network.
        let fromNetwork = root.skiff("exec", "cli", "timeout", "5", "nslookup", "web", address)
        #expect(!fromNetwork.out.contains("Address: \(address)"), "DNS answered on the network side: \(fromNetwork)")

        // IPv4 host ports, relayed to the IPv6 address.
        #expect(root.eventually(10) { PublishIPv6HostTests.curl("http://127.0.0.1:\(local)/").contains("hello-srv") })
        #expect(PublishIPv6HostTests.curl("http://127.0.0.1:\(every)/").contains("hello-srv"), "0.0.0.0:\(every)")
        #expect(PublishIPv6HostTests.curl("http://[::1]:\(every)/").contains("hello-srv"), "[::1]:\(every)")
        if let v4 = NetworkTests.hostAddress() {
            #expect(PublishIPv6HostTests.curl("http://\(v4):\(every)/").contains("hello-srv"), "\(v4):\(every)")
            #expect(PublishIPv6HostTests.curl("http://\(v4):\(local)/").isEmpty, "127.0.0.1:\(local) answers on \(v4)")
        }
        #expect(PublishIPv6HostTests.curl("http://[::1]:\(local)/").isEmpty, "127.0.0.1:\(local) answers on [::1]")
        let ports = root.skiff("port", "srv").out
        for line in ["80/tcp -> 127.0.0.1:\(local)", "80/tcp -> 0.0.0.0:\(every)", "80/tcp -> [::]:\(every)"] {
            #expect(ports.contains(line + "\n"), "\(ports)")
        }

        // A container run in the foreground with --rm (no monitor) leaves no relay behind either.
        r = root.skiff("run", "--rm", "--network", "v6dns", "busybox", "nslookup", "-type=aaaa", "web")
        #expect(r.status == 0 && r.out.contains(address), "\(r)")
        #expect(root.skiff("rm", "-f", "srv", "cli").status == 0)
        let relays = root.eventually(5) {
            !NetworkTests.sh("/usr/bin/pgrep", "-f", "loopback-proxy.*\(root.path)").out.contains("\n")
        }
        #expect(relays, "a relay outlived its container")
        #expect(PublishIPv6HostTests.curl("http://127.0.0.1:\(local)/").isEmpty, "127.0.0.1:\(local) still answers")
        #expect(root.skiff("network", "rm", "v6dns", "v6both").status == 0)
    }

    /// A container started on an internal IPv6-only network resolves its network's names, and nothing
    /// else: the server does not forward for a container without external access (as Docker's).
    @Test func anInternalNetworksServerAnswersItsOwnNamesOnly() throws {
        let root = try NetworkIPv6Tests.makeRoot()
        defer { NetworkIPv6Tests.cleanUp(root) }
        var r = root.skiff("network", "create", "--ipv6", "--ipv4=false", "--internal", "v6int")
        try #require(r.status == 0, "\(r)")
        r = root.skiff("run", "-d", "--name", "b", "--network", "v6int", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        // A --dns server the container could reach (the bridge's own address): still not asked.
        let upstream = try EmbeddedDNSTests.Upstream(
            answer: "192.0.2.99", at: EmbeddedDNSTests.gateway(root, "v6int", ipv6: true))
        defer { upstream.stop() }
        r = root.skiff(
            "run", "-d", "--name", "a", "--network", "v6int", "--dns", upstream.address, "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let address = NetworkIPv6Tests.inspect(root, "{{.NetworkSettings.Networks.v6int.GlobalIPv6Address}}", "b")
        let lookup = root.skiff("exec", "a", "nslookup", "-type=aaaa", "b")
        #expect(lookup.out.contains(address), "\(lookup)")
        let external = root.skiff("exec", "a", "nslookup", "example.test")
        #expect(!external.out.contains("192.0.2.99"), "an internal network's container resolved an outside name")
        #expect(root.skiff("rm", "-f", "a", "b").status == 0)
        #expect(root.skiff("network", "rm", "v6int").status == 0)
    }
}
