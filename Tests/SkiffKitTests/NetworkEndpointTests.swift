import Foundation
import SkiffKit
import Testing

/// A container's endpoint on a network as Docker sets it up, through the built CLI and compose, each
/// test in its own SKIFF_ROOT: the interface's name (compose `interface_name`, driver option
/// `com.docker.network.endpoint.ifname`), extra link-local addresses (`--link-local-ip`, compose
/// `link_local_ips`), per-interface sysctls (`com.docker.network.endpoint.sysctls`) and IPAM aux
/// addresses (`network create --aux-address`, compose `aux_addresses`). Bad values are refused with
/// exit 125 naming the flag or key and leave no container; afterwards no bridge, veth, netns, table or
/// chain of the root is left (NetworkTests.cleanUp).
@Suite(
    "network endpoints: interface names, link-local addresses, endpoint sysctls, aux addresses",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkEndpointTests {
    typealias Root = CLIRoot

    static func makeRoot() throws -> Root { try Root(prefix: "skiff-hnet-test-") }

    /// A /24 in 10.160-199.x.0 for this test, so tests running at once never ask for the same one.
    static func randomSubnet() -> (prefix: String, cidr: String) {
        let p = "10.\(Int.random(in: 160...199)).\(Int.random(in: 1...254))"
        return (p, p + ".0/24")
    }

    static func exec(_ root: Root, _ c: String, _ script: String) -> String {
        root.skiff("exec", c, "sh", "-c", script).out
    }

    /// The interface names in the container (`ip -o link`), lo aside.
    static func links(_ root: Root, _ c: String) -> [String] {
        exec(root, c, "ip -o link").split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", maxSplits: 2)
            guard f.count >= 2 else { return nil }
            let name = f[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) ?? ""
            return name == "lo" ? nil : name
        }.sorted()
    }

    /// `driver-opt=com.docker.network.endpoint.ifname=NAME` (run's long --network form, network connect)
    /// and compose's `interface_name` name the container's interface; the default route goes by the
    /// first network's. A bad name or one used twice is refused naming the key, with no container made.
    @Test func interfaceNamesFromRunConnectAndCompose() throws {
        let root = try Self.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (p, cidr) = Self.randomSubnet()
        var r = root.skiff("network", "create", "--subnet", cidr, "hnet-if")
        try #require(r.status == 0, "\(r)")
        try #require(root.skiff("network", "create", "hnet-if2").status == 0)
        r = root.skiff(
            "run", "-d", "--name", "hnet-wan", "--network",
            "name=hnet-if,driver-opt=com.docker.network.endpoint.ifname=wan0", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        #expect(Self.links(root, "hnet-wan") == ["wan0"])
        #expect(
            root.inspect("hnet-wan", "{{json (index .NetworkSettings.Networks \"hnet-if\").DriverOpts}}")
                == "{\"com.docker.network.endpoint.ifname\":\"wan0\"}")
        let route = Self.exec(root, "hnet-wan", "ip route")
        #expect(route.contains("default via \(p).1 dev wan0"), "\(route)")
        #expect(Self.exec(root, "hnet-wan", "ip -4 addr show wan0").contains("inet \(p).2/24"))

        // Connected while it runs: the name asked for, or the next ethN.
        r = root.skiff(
            "network", "connect", "--driver-opt", "com.docker.network.endpoint.ifname=lan7", "hnet-if2", "hnet-wan")
        #expect(r.status == 0, "\(r)")
        #expect(Self.links(root, "hnet-wan") == ["lan7", "wan0"])
        // A restart makes the same interfaces again.
        r = root.skiff("restart", "-t", "0", "hnet-wan")
        #expect(r.status == 0, "\(r)")
        #expect(Self.links(root, "hnet-wan") == ["lan7", "wan0"])

        for (args, message) in [
            (
                ["--network", "name=hnet-if,driver-opt=com.docker.network.endpoint.ifname=wan0/x"],
                "\"wan0/x\" is not a valid interface name"
            ),
            (
                ["--network", "name=hnet-if,driver-opt=com.docker.network.endpoint.ifname=abcdefghijklmnop"],
                "at most 15"
            ),
        ] {
            r = root.skiff(["create", "--name", "hnet-bad"] + args + ["busybox", "true"])
            #expect(r.status == 125 && r.err.contains(message) && r.err.contains("driver-opt"), "\(args): \(r)")
        }
        #expect(root.skiff("inspect", "hnet-bad").status != 0, "a refused create left a container")

        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            command: ["sleep", "300"]
            networks:
              front:
                interface_name: front0
              back:
                interface_name: eth0
        networks:
          front: {}
          back: {}
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetif", "up", "-d")
        try #require(r.status == 0, "\(r)")
        defer { root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetif", "down") }
        #expect(Self.links(root, "hnetif-app-1") == ["eth0", "front0"])
        #expect(Self.exec(root, "hnetif-app-1", "ip route").contains("dev front0"))
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetif", "down")
        #expect(r.status == 0, "\(r)")

        try """
        services:
          app:
            image: busybox
            networks:
              front:
                interface_name: "no way"
        networks:
          front: {}
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetif", "up", "-d")
        #expect(
            r.status != 0 && r.err.contains("services.app.networks.front.interface_name")
                && r.err.contains("not a valid interface name"), "\(r)")
        #expect(root.skiff("inspect", "hnetif-app-1").status != 0, "a refused up left a container")
    }

    /// `--network` given more than once (Docker 25+): the container joins every network, the first
    /// with the short flags (--ip) and its default route, the others with their own settings; it is
    /// reached by name (and alias) on each. A network named twice, or a user network with bridge or
    /// none, is refused with Docker's words and no container made.
    @Test func repeatedNetworkFlagsJoinEveryNetwork() throws {
        let root = try Self.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (p, cidr) = Self.randomSubnet()
        try #require(root.skiff("network", "create", "--subnet", cidr, "hnet-m1").status == 0)
        try #require(root.skiff("network", "create", "hnet-m2").status == 0)
        var r = root.skiff("run", "-d", "--name", "hnet-mpeer", "--network", "hnet-m2", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        r = root.skiff(
            "run", "-d", "--name", "hnet-multi", "--network", "hnet-m1", "--ip", "\(p).9", "--network",
            "name=hnet-m2,alias=second,driver-opt=com.docker.network.endpoint.ifname=lan2", "busybox", "sleep", "300")
        try #require(r.status == 0, "\(r)")
        #expect(Self.links(root, "hnet-multi") == ["eth0", "lan2"])
        #expect(Self.exec(root, "hnet-multi", "ip -4 addr show eth0").contains("inet \(p).9/24"))
        #expect(Self.exec(root, "hnet-multi", "ip route").contains("default via \(p).1 dev eth0"))
        #expect(root.inspect("hnet-multi", "{{len .NetworkSettings.Networks}}") == "2")
        let hosts = Self.exec(root, "hnet-mpeer", "cat /etc/hosts")
        #expect(hosts.contains("hnet-multi") && hosts.contains("second"), "\(hosts)")
        #expect(Self.exec(root, "hnet-multi", "ping -c1 -W2 hnet-mpeer >/dev/null && echo ok").contains("ok"))

        for (flags, message) in [
            (["--network", "hnet-m1", "--network", "hnet-m1"], "network \"hnet-m1\" is specified multiple times"),
            (["--network", "bridge", "--network", "hnet-m1"], "cannot attach both user-defined and non-user-defined"),
            (["--network", "hnet-m1", "--network", "none"], "cannot attach both user-defined and non-user-defined"),
        ] {
            r = root.skiff(["run", "--rm", "--name", "hnet-mbad"] + flags + ["busybox", "true"])
            #expect(r.status == 125 && r.err.contains(message), "\(flags): \(r)")
        }
        #expect(root.skiff("inspect", "hnet-mbad").status != 0)
    }

    /// `--link-local-ip` and compose's `link_local_ips` add the addresses to the container's interface
    /// (/16 and /64, as Docker does), and another container on the bridge reaches it at one of them.
    /// An address that is not link-local is refused.
    @Test func linkLocalAddresses() throws {
        let root = try Self.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (_, cidr) = Self.randomSubnet()
        try #require(root.skiff("network", "create", "--subnet", cidr, "hnet-ll").status == 0)
        var r = root.skiff(
            "run", "-d", "--name", "hnet-ll1", "--network", "hnet-ll", "--link-local-ip", "169.254.31.1",
            "--link-local-ip", "fe80::31", "busybox", "sh", "-c",
            "mkdir -p /www && echo ll-reached > /www/index.html && exec httpd -f -p 80 -h /www")
        try #require(r.status == 0, "\(r)")
        #expect(
            root.inspect("hnet-ll1", "{{json (index .NetworkSettings.Networks \"hnet-ll\").IPAMConfig.LinkLocalIPs}}")
                == "[\"169.254.31.1\",\"fe80::31\"]")
        let addrs = Self.exec(root, "hnet-ll1", "ip addr show eth0")
        #expect(addrs.contains("inet 169.254.31.1/16"), "\(addrs)")
        #expect(addrs.contains("inet6 fe80::31/64"), "\(addrs)")
        r = root.skiff(
            "run", "-d", "--name", "hnet-ll2", "--network", "name=hnet-ll,link-local-ip=169.254.31.2", "busybox",
            "sleep", "300")
        try #require(r.status == 0, "\(r)")
        let fetched = root.eventually(10) {
            Self.exec(root, "hnet-ll2", "timeout 3 wget -q -O- http://169.254.31.1/").contains("ll-reached")
        }
        #expect(fetched, "hnet-ll2 did not reach hnet-ll1 at its link-local address")

        r = root.skiff("run", "--rm", "--network", "hnet-ll", "--link-local-ip", "192.168.1.1", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("--link-local-ip 192.168.1.1") && r.err.contains("not a link-local"))

        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            command: ["sleep", "300"]
            networks:
              default:
                link_local_ips: ["169.254.32.1", "fe80::32"]
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetll", "up", "-d")
        try #require(r.status == 0, "\(r)")
        defer { root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetll", "down") }
        let composed = Self.exec(root, "hnetll-app-1", "ip addr show eth0")
        #expect(composed.contains("inet 169.254.32.1/16") && composed.contains("inet6 fe80::32/64"), "\(composed)")
        #expect(root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetll", "down").status == 0)
    }

    /// `com.docker.network.endpoint.sysctls` sets the interface's sysctls in the container (IFNAME is the
    /// interface, whatever its name); other endpoint options are ignored, as Docker's bridge driver
    /// ignores them; a sysctl not in Docker's form is refused with Docker's words.
    @Test func endpointSysctls() throws {
        let root = try Self.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (_, cidr) = Self.randomSubnet()
        try #require(root.skiff("network", "create", "--subnet", cidr, "hnet-sc").status == 0)
        // The value the namespace has anyway, so the test sets the other one.
        let plain = root.skiff(
            "run", "--rm", "--network", "hnet-sc", "busybox", "cat", "/proc/sys/net/ipv4/conf/eth0/log_martians"
        ).out.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(plain == "0" || plain == "1", "log_martians read \(plain)")
        let wanted = plain == "0" ? "1" : "0"
        let plainRA = root.skiff(
            "run", "--rm", "--network", "hnet-sc", "busybox", "cat", "/proc/sys/net/ipv6/conf/eth0/accept_ra"
        ).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let wantedRA = plainRA == "2" ? "0" : "2"
        var r = root.skiff(
            "run", "--rm", "--network",
            "name=hnet-sc,\"driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=\(wanted),net.ipv6.conf.IFNAME.accept_ra=\(wantedRA)\",driver-opt=com.docker.network.endpoint.ifname=sc0,driver-opt=com.example.unknown=1",
            "busybox", "sh", "-c", "cat /proc/sys/net/ipv4/conf/sc0/log_martians /proc/sys/net/ipv6/conf/sc0/accept_ra")
        #expect(r.status == 0 && r.out.split(separator: "\n") == [Substring(wanted), Substring(wantedRA)], "\(r)")

        r = root.skiff(
            "run", "--rm", "--network",
            "name=hnet-sc,driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.eth0.log_martians=1",
            "busybox", "true")
        #expect(
            r.status == 125
                && r.err.contains("unrecognised network interface sysctl 'net.ipv4.conf.eth0.log_martians=1'"),
            "\(r)")

        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            command: ["sleep", "300"]
            networks:
              default:
                driver_opts:
                  com.docker.network.endpoint.sysctls: net.ipv4.conf.IFNAME.log_martians=\(wanted)
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetsc", "up", "-d")
        try #require(r.status == 0, "\(r)")
        defer { root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetsc", "down") }
        #expect(Self.exec(root, "hnetsc-app-1", "cat /proc/sys/net/ipv4/conf/eth0/log_martians").hasPrefix(wanted))
        // A connect to the running container sets the new interface's sysctls too.
        try #require(root.skiff("network", "create", "hnet-sc2").status == 0)
        r = root.skiff(
            "network", "connect", "--driver-opt",
            "com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=\(wanted)", "hnet-sc2",
            "hnetsc-app-1")
        #expect(r.status == 0, "\(r)")
        #expect(Self.exec(root, "hnetsc-app-1", "cat /proc/sys/net/ipv4/conf/eth1/log_martians").hasPrefix(wanted))
        #expect(root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetsc", "down").status == 0)
    }

    /// Aux addresses are never handed out: with the first two after the gateway reserved, the
    /// containers get the next free ones; asking for one by --ip is refused; one outside the subnet is
    /// refused as Docker refuses it; network inspect shows them. Compose's `aux_addresses` the same.
    @Test func auxAddressesAreNeverHandedOut() throws {
        let root = try Self.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let (p, cidr) = Self.randomSubnet()
        var r = root.skiff(
            "network", "create", "--subnet", cidr, "--aux-address", "router=\(p).2", "--aux-address",
            "printer=\(p).3", "hnetauxnet")
        try #require(r.status == 0, "\(r)")
        let doc = root.skiff("network", "inspect", "hnetauxnet").out
        #expect(doc.contains("\"AuxiliaryAddresses\"") && doc.contains("\"router\" : \"\(p).2\""), "\(doc)")
        for name in ["hnet-aux1", "hnet-aux2"] {
            r = root.skiff("run", "-d", "--name", name, "--network", "hnetauxnet", "busybox", "sleep", "300")
            try #require(r.status == 0, "\(r)")
        }
        #expect(root.inspect("hnet-aux1", "{{.NetworkSettings.Networks.hnetauxnet.IPAddress}}") == "\(p).4")
        #expect(root.inspect("hnet-aux2", "{{.NetworkSettings.Networks.hnetauxnet.IPAddress}}") == "\(p).5")
        r = root.skiff("run", "--rm", "--network", "hnetauxnet", "--ip", "\(p).2", "busybox", "true")
        #expect(r.status != 0 && r.err.contains("reserved as aux address router"), "\(r)")

        r = root.skiff(
            "network", "create", "--subnet", Self.randomSubnet().cidr, "--aux-address", "x=10.1.1.1", "hnet-aux-bad")
        #expect(r.status != 0 && r.err.contains("no matching subnet for aux-address 10.1.1.1"), "\(r)")
        #expect(root.skiff("network", "inspect", "hnet-aux-bad").status != 0)

        let (q, cidr2) = Self.randomSubnet()
        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            command: ["sleep", "300"]
        networks:
          default:
            ipam:
              config:
                - subnet: \(cidr2)
                  aux_addresses:
                    gw2: \(q).2
                    gw3: \(q).3
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetaux", "up", "-d")
        try #require(r.status == 0, "\(r)")
        defer { root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetaux", "down") }
        #expect(root.inspect("hnetaux-app-1", "{{.NetworkSettings.Networks.hnetaux_default.IPAddress}}") == "\(q).4")
        #expect(root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetaux", "down").status == 0)
    }
}
