import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffTestSupport
import Testing

/// Container networking end to end through the built CLI, each test in its own SKIFF_ROOT (so its own
/// bridge, subnet and nftables table): published ports from the host (127.0.0.1 and the host's own
/// address) and from other containers (hairpin), UDP, -P, names on a user network, outbound NAT to a
/// server in a network namespace the test makes, port clashes, 20 parallel runs; afterwards no link,
/// table, namespace or lease of the root is left. All traffic stays on this machine.
@Suite(
    "Networking (bridge, NAT, published ports, user networks)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkTests {
    typealias Root = CLIRoot

    /// A root with the busybox image, cleaned up with a check that nothing of its network is left.
    static func makeRoot(firewall: String? = nil) throws -> Root {
        try Root(prefix: "skiff-net-test-", environment: firewall.map { ["SKIFF_FIREWALL": $0] } ?? [:])
    }

    static func cleanUp(_ root: Root) {
        let ids = root.engine.containers.all().map(\.id)
        let store = root.engine.networks
        let bridges = store.all().map(\.bridge)
        root.cleanUp()
        // The kernel removes a container's veth pair with its namespace, in the background.
        _ = root.eventually(5) {
            !ids.contains {
                sh("/usr/sbin/ip", "-o", "link").out.contains(
                    String(NetworkStore.vethName(containerID: $0, index: 0).dropLast()))
            }
        }
        let links = sh("/usr/sbin/ip", "-o", "link").out
        for b in bridges { #expect(!links.contains(" \(b):") && !links.contains(" \(b)@"), "bridge \(b) left") }
        for id in ids {
            let veth = NetworkStore.vethName(containerID: id, index: 0).dropLast()
            #expect(!links.contains(String(veth)), "a veth of \(id) is left")
        }
        let tables = sh("/usr/sbin/nft", "list", "tables").out
        #expect(
            !tables.contains(store.tableName + "\n") && !tables.hasSuffix(store.tableName),
            "nftables table \(store.tableName) left")
        #expect(
            !sh("/usr/sbin/iptables-save").out.contains(store.chainPrefix + "-"),
            "iptables chains \(store.chainPrefix)-… left")
        #expect(
            !FileManager.default.fileExists(atPath: root.path + "/netns")
                || ((try? FileManager.default.contentsOfDirectory(atPath: root.path + "/netns")) ?? []).isEmpty)
    }

    struct Out { var status: Int32; var out: String; var err: String }

    @discardableResult
    static func sh(_ tool: String, _ args: String...) -> Out { sh(tool, args) }

    static func sh(_ tool: String, _ args: [String], input: String? = nil) -> Out {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return Out(status: -1, out: "", err: "\(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Out(
            status: p.terminationStatus, out: String(decoding: o, as: UTF8.self),
            err: String(decoding: e, as: UTF8.self))
    }

    /// A host port no one uses now (the kernel's choice), for -p.
    static func freePort(udp: Bool = false) -> UInt16 { FreePort.next(udp: udp) }

    /// The host's first global IPv4 address that is not a Skiff bridge's (e.g. eth0's).
    static func hostAddress() -> String? {
        for line in sh("/usr/sbin/ip", "-4", "-o", "addr", "show", "scope", "global").out.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count > 3, !f[1].hasPrefix("skiff"), !f[1].hasPrefix("skf") else { continue }
            if let i = f.firstIndex(of: "inet"), i + 1 < f.count { return String(f[i + 1].split(separator: "/")[0]) }
        }
        return nil
    }

    static func curl(_ url: String) -> String { sh("/usr/bin/curl", "-s", "-m", "3", url).out }

    static let httpd = [
        "sh", "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www",
    ]

    // MARK: tests

    /// Two state roots side by side: their own bridge, subnet and table; a host port is taken once for
    /// the whole host; taking one root's networking down leaves the other serving.
    @Test func twoStateRootsDoNotDisturbEachOther() throws {
        let a = try Self.makeRoot()
        defer { Self.cleanUp(a) }
        let b = try Self.makeRoot()
        var bCleaned = false
        defer { if !bCleaned { Self.cleanUp(b) } }
        let portA = Self.freePort(), portB = Self.freePort()
        #expect(
            a.skiff(["run", "-d", "-h", "rootA", "-p", "127.0.0.1:\(portA):80", "busybox"] + Self.httpd).status == 0)
        #expect(
            b.skiff(["run", "-d", "-h", "rootB", "-p", "127.0.0.1:\(portB):80", "busybox"] + Self.httpd).status == 0)
        #expect(a.eventually(30) { Self.curl("http://127.0.0.1:\(portA)/").contains("hello-rootA") })
        #expect(b.eventually(30) { Self.curl("http://127.0.0.1:\(portB)/").contains("hello-rootB") })
        let netA = try #require(a.engine.networks.load("bridge")), netB = try #require(b.engine.networks.load("bridge"))
        #expect(netA.bridge != netB.bridge && !netA.subnet!.overlaps(netB.subnet!))
        #expect(a.engine.networks.tableName != b.engine.networks.tableName)
        let clash = b.skiff("run", "-d", "-p", "127.0.0.1:\(portA):80", "busybox", "sleep", "30")
        #expect(clash.status != 0 && clash.err.contains("already allocated"), "\(clash.err)")
        Self.cleanUp(b)
        bCleaned = true
        #expect(
            Self.curl("http://127.0.0.1:\(portA)/").contains("hello-rootA"), "root A still serves after root B is gone")
        #expect(Self.sh("/usr/sbin/nft", "list", "tables").out.contains(a.engine.networks.tableName))
    }

    @Test func publishedPortFromHostLoopbackHostAddressAndOtherContainers() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        let port = Self.freePort()
        let run = root.skiff(
            ["run", "-d", "--name", "web", "-h", "webhost", "-p", "\(port):80", "busybox"] + Self.httpd)
        try #require(run.status == 0, "run: \(run.err)")
        #expect(root.eventually(30) { Self.curl("http://127.0.0.1:\(port)/").contains("hello-webhost") })
        if let host = Self.hostAddress() {
            #expect(Self.curl("http://\(host):\(port)/").contains("hello-webhost"), "via \(host)")
            // Hairpin: another container reaches the published port through the host's address.
            let other = root.skiff(
                "run", "--rm", "busybox", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc \(host) \(port)")
            #expect(other.out.contains("hello-webhost"), "hairpin: \(other.out) \(other.err)")
        }
        let ports = root.skiff("port", "web")
        // Docker lists every address as 0.0.0.0 and, on a host with IPv6, [::] too.
        let v6 = HostIPv6.enabled
        #expect(ports.out.contains("80/tcp -> 0.0.0.0:\(port)"), "\(ports.out)")
        #expect(ports.out.contains("80/tcp -> [::]:\(port)") == v6, "\(ports.out)")
        #expect(
            root.skiff("ps", "--format", "{{.Ports}} {{.Networks}}").out
                == "0.0.0.0:\(port)->80/tcp\(v6 ? ", [::]:\(port)->80/tcp" : "") bridge\n")
        #expect(root.skiff("ps", "--format", "table {{.Names}}\t{{.Ports}}").out.contains("0.0.0.0:\(port)->80/tcp"))
        #expect(root.skiff("port", "web", "80").out == "0.0.0.0:\(port)\n" + (v6 ? "[::]:\(port)\n" : ""))
        // Stop: the port is free again and nothing answers.
        #expect(root.skiff("stop", "-t", "1", "web").status == 0)
        #expect(Self.curl("http://127.0.0.1:\(port)/").isEmpty)
        #expect(root.engine.networks.leases("bridge").isEmpty)
        // Start again: the same port comes back.
        #expect(root.skiff("start", "web").status == 0)
        #expect(root.eventually(30) { Self.curl("http://127.0.0.1:\(port)/").contains("hello-webhost") })
    }

    /// UDP through a published port: busybox has no UDP server applet, so a static echo server is
    /// compiled at test time (Support/UDPEcho.swift) and bind-mounted in.
    @Test func udpEcho() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        let echo = try UDPEcho.build(in: root.path)
        let port = Self.freePort(udp: true)
        let run = root.skiff(
            "run", "-d", "--name", "echo", "-v", "\(echo):/udp-echo:ro", "-p", "127.0.0.1:\(port):7/udp",
            "busybox", "/udp-echo", "7")
        try #require(run.status == 0, "run: \(run.err)")
        var reply = ""
        _ = root.eventually(30) {
            reply = Self.udpExchange(port: port, message: "ping-udp")
            return reply == "ping-udp"
        }
        #expect(reply == "ping-udp", "logs: \(root.skiff("logs", "echo").err)")
        #expect(Self.udpExchange(port: port, message: "second datagram") == "second datagram")
        let ports = root.skiff("port", "echo")
        #expect(ports.out == "7/udp -> 127.0.0.1:\(port)\n", "\(ports.out) \(ports.err)")
        #expect(root.skiff("port", "echo", "7/udp").out == "127.0.0.1:\(port)\n")
        #expect(root.skiff("port", "echo", "7").status != 0, "7/tcp is not published")
    }

    static func udpExchange(port: UInt16, message: String) -> String {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    /// `inspect` of a container, parsed.
    static func inspectDoc(_ root: Root, _ name: String) throws -> [String: Any] {
        let r = root.skiff("inspect", name)
        let docs = try #require(
            try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]], "inspect \(name): \(r.err)")
        return try #require(docs.first)
    }

    /// Docker's NetworkSettings and HostConfig network fields: on the default bridge with published and
    /// exposed ports, on a user network with an alias, and after stop (configured networks, no addresses).
    @Test func inspectShowsNetworkSettingsAsDocker() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        var config = TestImage.busyboxConfig()
        config.ExposedPorts = ["80/tcp": EmptyObject(), "443/tcp": EmptyObject()]
        try TestImage.make(
            "exposing", layers: [TestImage.busyboxRootfs], config: config, store: root.engine.images, scratch: root.path
        )
        let port = Self.freePort(), udpPort = Self.freePort(udp: true)
        var r = root.skiff(
            "run", "-d", "--name", "web", "-p", "\(port):80", "-p", "127.0.0.1:\(udpPort):53/udp", "exposing", "sleep",
            "1000")
        try #require(r.status == 0, "web: \(r.err)")
        let webID = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.skiff("network", "create", "appnet").status == 0)
        r = root.skiff(
            "run", "-d", "--name", "db", "--network", "appnet", "--network-alias", "database", "busybox", "sleep",
            "1000")
        try #require(r.status == 0, "db: \(r.err)")
        let bridge = try #require(root.engine.networks.load("bridge"))
        let appnet = try #require(root.engine.networks.load("appnet"))
        let webIP = try #require(root.engine.networks.leases("bridge").first).ip!.description
        let dbIP = try #require(root.engine.networks.leases("appnet").first).ip!.description

        // The default bridge: the top-level fields are its endpoint's, as Docker's.
        var doc = try Self.inspectDoc(root, "web")
        var host = try #require(doc["HostConfig"] as? [String: Any])
        var settings = try #require(doc["NetworkSettings"] as? [String: Any])
        // No --network: Docker's CLI sends "default", and inspect shows it.
        #expect(host["NetworkMode"] as? String == "default")
        let bindings = try #require(host["PortBindings"] as? [String: [[String: String]]])
        #expect(
            bindings == [
                "80/tcp": [["HostIp": "", "HostPort": "\(port)"]],
                "53/udp": [["HostIp": "127.0.0.1", "HostPort": "\(udpPort)"]],
            ])
        let ports = try #require(settings["Ports"] as? [String: Any])
        #expect(Set(ports.keys) == ["80/tcp", "443/tcp", "53/udp"])
        #expect(
            ports["80/tcp"] as? [[String: String]]
                == [["HostIp": "0.0.0.0", "HostPort": "\(port)"]]
                + (HostIPv6.enabled ? [["HostIp": "::", "HostPort": "\(port)"]] : []))
        #expect(ports["53/udp"] as? [[String: String]] == [["HostIp": "127.0.0.1", "HostPort": "\(udpPort)"]])
        #expect(ports["443/tcp"] is NSNull, "exposed, not published: null")
        let mac = root.skiff("exec", "web", "cat", "/sys/class/net/eth0/address").out.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(mac.hasPrefix("02:42:") && mac.count == 17, "eth0: \(mac)")
        #expect(settings["IPAddress"] as? String == webIP)
        #expect(settings["Gateway"] as? String == bridge.gateway!.description)
        #expect(settings["IPPrefixLen"] as? Int == bridge.subnet!.prefix)
        #expect(settings["MacAddress"] as? String == mac)
        #expect((settings["SandboxKey"] as? String)?.hasPrefix(root.path + "/netns/") == true)
        var networks = try #require(settings["Networks"] as? [String: [String: Any]])
        #expect(Array(networks.keys) == ["bridge"])
        var endpoint = try #require(networks["bridge"])
        #expect(endpoint["NetworkID"] as? String == bridge.id)
        #expect(endpoint["IPAddress"] as? String == webIP)
        #expect(endpoint["IPPrefixLen"] as? Int == bridge.subnet!.prefix)
        #expect(endpoint["Gateway"] as? String == bridge.gateway!.description)
        #expect(endpoint["MacAddress"] as? String == mac)
        #expect((endpoint["EndpointID"] as? String)?.count == 64)
        #expect(endpoint["EndpointID"] as? String == settings["EndpointID"] as? String)
        #expect(endpoint["Aliases"] is NSNull)
        let exposed = try #require((doc["Config"] as? [String: Any])?["ExposedPorts"] as? [String: Any])
        #expect(Set(exposed.keys) == ["80/tcp", "443/tcp", "53/udp"])
        // The Go-template lookups scripts use.
        #expect(root.inspect("web", "{{.NetworkSettings.IPAddress}}") == webIP)
        #expect(root.inspect("web", "{{.NetworkSettings.Networks.bridge.IPAddress}}") == webIP)
        #expect(root.inspect("web", "{{(index .NetworkSettings.Networks \"bridge\").IPAddress}}") == webIP)
        #expect(root.inspect("web", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}") == webIP)
        #expect(root.inspect("web", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}") == "\(port)")
        #expect(root.inspect("web", "{{json .NetworkSettings.Ports}}").contains("\"443/tcp\":null"))
        #expect(root.inspect("web", "{{.HostConfig.NetworkMode}}") == "default")

        // A user network: the top-level fields stay empty (Docker's), the network's endpoint has it all.
        doc = try Self.inspectDoc(root, "db")
        host = try #require(doc["HostConfig"] as? [String: Any])
        settings = try #require(doc["NetworkSettings"] as? [String: Any])
        #expect(host["NetworkMode"] as? String == "appnet")
        #expect((host["PortBindings"] as? [String: Any])?.isEmpty == true)
        #expect((settings["Ports"] as? [String: Any])?.isEmpty == true)
        #expect(settings["IPAddress"] as? String == "")
        #expect(settings["Gateway"] as? String == "")
        #expect(settings["MacAddress"] as? String == "")
        networks = try #require(settings["Networks"] as? [String: [String: Any]])
        #expect(Array(networks.keys) == ["appnet"])
        endpoint = try #require(networks["appnet"])
        #expect(endpoint["NetworkID"] as? String == appnet.id)
        #expect(endpoint["IPAddress"] as? String == dbIP)
        #expect(endpoint["Gateway"] as? String == appnet.gateway!.description)
        #expect(endpoint["IPPrefixLen"] as? Int == appnet.subnet!.prefix)
        #expect(endpoint["Aliases"] as? [String] == ["database"])
        #expect((endpoint["DNSNames"] as? [String]).map { $0.contains("db") && $0.contains("database") } == true)
        let dbMac = root.skiff("exec", "db", "cat", "/sys/class/net/eth0/address").out.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(endpoint["MacAddress"] as? String == dbMac)
        #expect(
            root.inspect(
                "db", "{{(index .NetworkSettings.Networks \"appnet\").IPAddress}} {{.NetworkSettings.IPAddress}}")
                == dbIP)

        // Other modes: none, host, another container's namespace.
        #expect(root.skiff("run", "-d", "--name", "quiet", "--network", "none", "busybox", "sleep", "1000").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "side", "--network", "container:web", "busybox", "sleep", "1000").status
                == 0)
        #expect(
            root.skiff("run", "-d", "--name", "hosted", "--network", "host", "busybox", "sleep", "1000").status == 0)
        #expect(
            root.inspect(
                "quiet",
                "{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Ports}} {{len .NetworkSettings.Networks}} {{.NetworkSettings.Networks.none.IPAddress}}|"
            )
                == "none {} 1 |")
        #expect(
            root.inspect("hosted", "{{.HostConfig.NetworkMode}} {{.NetworkSettings.Networks.host.IPAddress}}|")
                == "host |")
        #expect(
            root.inspect("side", "{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}")
                == "container:\(webID) 0")

        // Stopped: the networks it is configured for, without addresses; the bindings as asked.
        #expect(root.skiff("stop", "-t", "0", "side", "web", "db").status == 0)
        doc = try Self.inspectDoc(root, "web")
        host = try #require(doc["HostConfig"] as? [String: Any])
        settings = try #require(doc["NetworkSettings"] as? [String: Any])
        #expect(host["NetworkMode"] as? String == "default")
        #expect((host["PortBindings"] as? [String: Any])?.count == 2)
        #expect((settings["Ports"] as? [String: Any])?.isEmpty == true)
        #expect(
            settings["IPAddress"] as? String == "" && settings["MacAddress"] as? String == ""
                && settings["SandboxKey"] as? String == "")
        endpoint = try #require((settings["Networks"] as? [String: [String: Any]])?["bridge"])
        #expect(endpoint["NetworkID"] as? String == bridge.id)
        #expect(
            endpoint["IPAddress"] as? String == "" && endpoint["EndpointID"] as? String == ""
                && endpoint["MacAddress"] as? String == "")
        #expect(endpoint["IPPrefixLen"] as? Int == 0)
        #expect(
            root.inspect(
                "db",
                "{{.HostConfig.NetworkMode}} {{range .NetworkSettings.Networks}}{{.NetworkID}} [{{.IPAddress}}] {{join .Aliases \",\"}}{{end}}"
            )
                == "appnet \(appnet.id) [] database")
    }

    @Test func publishAllExposedPorts() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        var config = TestImage.busyboxConfig()
        config.ExposedPorts = ["80/tcp": EmptyObject()]
        try TestImage.make(
            "exposing", layers: [TestImage.busyboxRootfs], config: config, store: root.engine.images, scratch: root.path
        )
        // --expose adds to the image's ports (a range too), and -P publishes them all, as Docker does.
        let run = root.skiff(
            [
                "run", "-d", "--name", "auto", "-h", "auto", "-P", "--expose", "8081", "--expose", "9000-9001/udp",
                "exposing",
            ]
                + Self.httpd)
        try #require(run.status == 0, "run: \(run.err)")
        let mapped = root.skiff("port", "auto", "80").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = mapped.split(separator: ":").last.map(String.init) ?? ""
        #expect(UInt16(port) != nil && UInt16(port) != 0, "port: \(mapped)")
        #expect(root.eventually(30) { Self.curl("http://127.0.0.1:\(port)/").contains("hello-auto") })
        for extra in ["8081", "9000/udp", "9001/udp"] {
            let other = root.skiff("port", "auto", extra).out
            #expect(other.hasPrefix("0.0.0.0:"), "\(extra): \(other)")
        }
        #expect(
            root.inspect("auto", "{{json .Config.ExposedPorts}}")
                == #"{"80/tcp":{},"8081/tcp":{},"9000/udp":{},"9001/udp":{}}"#)
        let bad = root.skiff("run", "--rm", "--expose", "80-", "exposing", "true")
        #expect(bad.status == 125 && bad.err.contains("--expose \"80-\""), "\(bad)")
    }

    @Test func userNetworkNamesAndAliasesIncludingLaterContainers() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        #expect(root.skiff("network", "create", "appnet").status == 0)
        #expect(root.skiff("network", "ls").out.contains("appnet"))
        var r = root.skiff(
            [
                "run", "-d", "--name", "db", "--network", "appnet", "--network-alias", "database", "-h", "dbhost",
                "busybox",
            ] + Self.httpd)
        try #require(r.status == 0, "db: \(r.err)")
        r = root.skiff(["run", "-d", "--name", "web", "--network", "appnet", "-h", "webhost", "busybox"] + Self.httpd)
        try #require(r.status == 0, "web: \(r.err)")
        let get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc"
        // web (started later) reaches db by name and by alias, and db (already running) reaches web.
        #expect(
            root.eventually(30) { root.skiff("exec", "web", "sh", "-c", "\(get) db 80").out.contains("hello-dbhost") })
        #expect(root.skiff("exec", "web", "sh", "-c", "\(get) database 80").out.contains("hello-dbhost"))
        #expect(root.skiff("exec", "db", "sh", "-c", "\(get) web 80").out.contains("hello-webhost"))
        // A third container started after both: the running ones resolve it at once.
        r = root.skiff(
            [
                "run", "-d", "--name", "late", "--network", "appnet", "--network-alias", "cache", "-h", "latehost",
                "busybox",
            ] + Self.httpd)
        try #require(r.status == 0, "late: \(r.err)")
        #expect(
            root.eventually(30) {
                root.skiff("exec", "db", "sh", "-c", "\(get) cache 80").out.contains("hello-latehost")
            })
        #expect(root.skiff("exec", "web", "sh", "-c", "\(get) late 80").out.contains("hello-latehost"))
        // Gone from the others' hosts files when it stops.
        #expect(root.skiff("stop", "-t", "1", "late").status == 0)
        #expect(!root.skiff("exec", "db", "cat", "/etc/hosts").out.contains("late"))
        // rm refused while containers use it; fine afterwards.
        #expect(root.skiff("network", "rm", "appnet").status != 0)
        let inspect = root.skiff("network", "inspect", "appnet").out
        #expect(inspect.contains("\"database\"") && inspect.contains("\"Subnet\""), "\(inspect)")
    }

    /// Also the iptables rendering (where nftables is missing): outbound NAT, and a published port
    /// from 127.0.0.1 (DNAT, route_localnet and the loopback masquerade), in the root's own chains.
    @Test(arguments: ["nftables", "iptables"])
    func outboundNATReachesAServerOutside(firewall: String) throws {
        let root = try Self.makeRoot(firewall: firewall)
        defer { Self.cleanUp(root) }
        if firewall == "iptables" {
            let port = Self.freePort()
            let web = root.skiff(
                "run", "-d", "-p", "127.0.0.1:\(port):80", "busybox", "sh", "-c",
                "mkdir -p /w && echo hello-iptables > /w/index.html && exec httpd -f -p 80 -h /w")
            try #require(web.status == 0, "run: \(web.err)")
            #expect(root.eventually(30) { Self.curl("http://127.0.0.1:\(port)/").contains("hello-iptables") })
            let rules = Self.sh("/usr/sbin/iptables-save", "-t", "nat").out
            let prefix = root.engine.networks.chainPrefix
            #expect(
                rules.contains("-A \(prefix)-PORTS -d 127.0.0.1/32 -p tcp -m tcp --dport \(port) -j DNAT"), "\(rules)")
            #expect(!Self.sh("/usr/sbin/nft", "list", "tables").out.contains(root.engine.networks.tableName))
        }
        let outside = try OutsideServer(directory: root.path, greeting: "hello-from-outside")
        defer { outside.stop() }
        var out = ""
        #expect(
            root.eventually(30) {
                out =
                    root.skiff(
                        "run", "--rm", "busybox", "sh", "-c",
                        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc \(outside.address) 8080"
                    ).out
                return out.contains("hello-from-outside")
            }, "outbound: \(out)")
    }

    /// Docker sets iptables' FORWARD policy to DROP when it starts (ufw by default); nftables' accept in
    /// Skiff's table does not overrule it, so Skiff opens FORWARD for its bridges in iptables too. In
    /// a network namespace of its own, so the policy reaches no other test.
    @Test func aForwardPolicyOfDropIsOpenedForTheBridges() throws {
        let ns = "skifftest-fwd-\(String(UUID().uuidString.prefix(6)).lowercased())"
        try #require(Self.sh("/usr/sbin/ip", "netns", "add", ns).status == 0)
        defer { Self.sh("/usr/sbin/ip", "netns", "del", ns) }
        func inside(_ args: String...) -> Out { Self.sh("/usr/sbin/ip", ["netns", "exec", ns] + args) }
        try #require(inside("/usr/sbin/ip", "link", "set", "lo", "up").status == 0)
        try #require(inside("/usr/sbin/iptables", "-P", "FORWARD", "DROP").status == 0)
        let root = try Root(
            prefix: "skiff-net-test-", environment: ["SKIFF_FIREWALL": "nftables"],
            launcher: ["/usr/bin/nsenter", "--net=/run/netns/\(ns)"])
        defer { Self.cleanUp(root) }
        let outside = try OutsideServer(directory: root.path, greeting: "hello-past-drop", hostNetns: ns)
        defer { outside.stop() }
        let get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 \(outside.address) 8080"
        let run = root.skiff("run", "--rm", "busybox", "sh", "-c", get)
        #expect(run.out.contains("hello-past-drop"), "outbound: \(run.out) \(run.err)")
        let prefix = root.engine.networks.chainPrefix
        let rules = inside("/usr/sbin/iptables-save", "-t", "filter").out
        #expect(rules.contains("-A FORWARD -j \(prefix)-FWD") && rules.contains("-A \(prefix)-FWD -i "), "\(rules)")
        // Pruning the network takes the chain out again.
        #expect(root.skiff("network", "prune", "-f").status == 0)
        #expect(!inside("/usr/sbin/iptables-save", "-t", "filter").out.contains(prefix))
    }

    @Test func hostPortInUseIsAClearErrorBeforeTheContainerStarts() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        // Held by a host process.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let held = UInt16(bigEndian: addr.sin_port)
        let r = root.skiff("run", "-d", "--name", "clash", "-p", "\(held):80", "busybox", "sleep", "30")
        #expect(r.status != 0)
        #expect(r.err.contains("\(held)") && r.err.contains("in use"), "\(r.err)")
        #expect(root.inspect("clash", "{{.State.Status}}") != "running")
        // Published by another container.
        let port = Self.freePort()
        #expect(root.skiff("run", "-d", "--name", "first", "-p", "\(port):80", "busybox", "sleep", "30").status == 0)
        let second = root.skiff("run", "-d", "--name", "second", "-p", "\(port):80", "busybox", "sleep", "30")
        #expect(second.status != 0)
        #expect(second.err.contains("already allocated"), "\(second.err)")
        #expect(root.engine.networks.leases("bridge").count == 1)
    }

    @Test func twentyParallelRunsGetTwentyAddresses() throws {
        let root = try Self.makeRoot()
        defer { Self.cleanUp(root) }
        let processes = (0..<20).map { i in root.launch(["run", "-d", "--name", "p\(i)", "busybox", "sleep", "60"]) }
        for p in processes {
            _ = (p.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
        let leases = root.engine.networks.leases("bridge")
        #expect(leases.count == 20)
        #expect(Set(leases.map(\.ip)).count == 20)
        #expect(Set(leases.map(\.containerID)).count == 20)
        // Every container sees its own address on eth0.
        let first = leases[0]
        #expect(
            root.skiff("exec", first.name, "ip", "-4", "addr", "show", "eth0").out.contains(first.ip!.description + "/")
        )
    }

    @Test func portSpecParsing() throws {
        #expect(try PortMapping.parse("8080:80") == [PortMapping(hostPort: 8080, containerPort: 80)])
        #expect(
            try PortMapping.parse("127.0.0.1:53:53/udp") == [
                PortMapping(hostIP: "127.0.0.1", hostPort: 53, containerPort: 53, proto: "udp")
            ])
        #expect(try PortMapping.parse("80") == [PortMapping(hostPort: 0, containerPort: 80)])
        #expect(
            try PortMapping.parse("127.0.0.1::80") == [PortMapping(hostIP: "127.0.0.1", hostPort: 0, containerPort: 80)]
        )
        #expect(try PortMapping.parse("9000-9002:8000-8002").map(\.hostPort) == [9000, 9001, 9002])
        #expect(throws: KitError.self) { try PortMapping.parse("80/sctp") }
        #expect(throws: KitError.self) { try PortMapping.parse("9000-9001:80-82") }
        #expect(throws: KitError.self) { try PortMapping.parse("x:80") }
        #expect(IPv4Subnet("10.88.0.0/16")!.overlaps(IPv4Subnet("10.88.3.0/24")!))
        #expect(!IPv4Subnet("10.88.0.0/16")!.overlaps(IPv4Subnet("10.89.0.0/24")!))
    }

    @Test func resolvConfDropsLoopbackServers() {
        let gw = IPv4Address("10.88.0.1")!
        let kept = HostNetworkProbe.resolv(
            "nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example\n", gateway: gw)
        #expect(
            kept.text.contains("nameserver 192.0.2.53") && !kept.text.contains("127.0.0.53")
                && kept.text.contains("search example"))
        // An IPv6-only network (no IPv4 gateway) keeps the IPv6 servers alone, link-local ones not.
        let v6 = HostNetworkProbe.resolv(
            "nameserver 10.0.0.53\nnameserver fd00::53\nnameserver fe80::1\nnameserver ::1\n", gateway: nil)
        #expect(v6.text == "nameserver fd00::53\n" && v6.resolver == nil, "\(v6.text)")
        let only = HostNetworkProbe.resolv("nameserver 127.0.0.53\n", gateway: gw)
        #expect(only.text.contains("nameserver 10.88.0.1") && only.resolver == "127.0.0.53")
    }
}
