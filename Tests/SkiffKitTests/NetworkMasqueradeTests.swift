import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `com.docker.network.bridge.enable_ip_masquerade=false` end to end: a peer outside the host (its
/// own network namespace, routed back to the container subnets through the host) records the source
/// address of each connection. A container on an ordinary network arrives as the host (masqueraded);
/// one on a network with masquerading off arrives as its own container address. Both firewall backends.
@Suite(
    "Bridge option enable_ip_masquerade, end to end", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkMasqueradeTests {
    /// busybox httpd runs this for /cgi-bin/source with REMOTE_ADDR the connection's source; it listens
    /// on a dual-stack socket, so an IPv4 peer comes as "[::ffff:a.b.c.d]" and is printed as a.b.c.d.
    static let sourceScript = """
        #!/bin/sh
        a=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}
        printf 'Content-Type: text/plain\\r\\n\\r\\nsource=%s\\n' "$a"

        """

    @Test(arguments: ["nftables", "iptables"])
    func sourceAddressSeenOutside(firewall: String) throws {
        let root = try NetworkTests.makeRoot(firewall: firewall)
        defer { NetworkTests.cleanUp(root) }
        var r = root.skiff("network", "create", "masq")
        try #require(r.status == 0, "\(r.err)")
        r = root.skiff("network", "create", "-o", "com.docker.network.bridge.enable_ip_masquerade=false", "nomasq")
        try #require(r.status == 0, "\(r.err)")
        for (name, network) in [("m1", "masq"), ("n1", "nomasq")] {
            r = root.skiff("run", "-d", "--name", name, "--network", network, "busybox", "sleep", "120")
            try #require(r.status == 0, "\(r.err)")
        }
        let masq = try #require(root.engine.networks.load("masq"))
        let nomasq = try #require(root.engine.networks.load("nomasq"))
        let containerIP = try #require(root.engine.networks.leases("nomasq").first).ip!.description

        let outside = try OutsideServer(directory: root.path, greeting: "outside")
        defer { outside.stop() }
        let cgi = root.path + "/outside-www/cgi-bin"
        try FileManager.default.createDirectory(atPath: cgi, withIntermediateDirectories: true)
        try ExecutableScript.write(Self.sourceScript, to: cgi + "/source")
        // The peer knows only its own /30; without masquerading, replies to a container address need
        // a route back through the host. Both subnets get one, so only NAT decides what the peer sees.
        for subnet in [masq.subnet!, nomasq.subnet!] {
            let route = NetworkTests.sh(
                "/usr/sbin/ip", "-n", outside.namespace, "route", "add", "\(subnet)", "via", outside.hostAddress)
            try #require(route.status == 0, "route to \(subnet): \(route.err)")
        }

        var last = ""
        func sourceSeen(from container: String) -> String {
            var seen = ""
            _ = root.eventually(20) {
                let r = root.skiff(
                    "exec", container, "sh", "-c",
                    "printf 'GET /cgi-bin/source HTTP/1.0\\r\\n\\r\\n' | nc -w 3 \(outside.address) 8080"
                )
                last = "status \(r.status): \(r.out) \(r.err)"
                seen =
                    r.out.split(whereSeparator: \.isNewline).last { $0.hasPrefix("source=") }.map {
                        String($0.dropFirst(7))
                    } ?? ""
                return !seen.isEmpty
            }
            return seen
        }
        #expect(sourceSeen(from: "m1") == outside.hostAddress, "masquerading network: \(last)")
        #expect(sourceSeen(from: "n1") == containerIP, "enable_ip_masquerade=false: \(last)")
    }
}
