import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `-p P:C` without a host address, through the built CLI, as Docker publishes it: on 0.0.0.0 and [::]
/// (on an IPv4-only network docker-proxy listens on [::]:P and relays to the container's IPv4 address),
/// so [::1]:P and the host's own IPv6 addresses answer, TCP and UDP. Host-port claims are per (address,
/// port, protocol): two containers publish one port on 127.0.0.1 and 127.0.0.2; every address then
/// clashes with Docker's words. Attacks: a port published on 127.0.0.1 must not answer on any IPv6
/// address nor on the host's other addresses, and one container's claim must not reach the other's.
@Suite(
    "publishing on every address: 0.0.0.0 and [::], per-address port claims",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && HostIPv6.enabled))
struct PublishEveryAddressTests {
    /// A global IPv6 address of the host's own (not a Skiff bridge's), if it has one.
    static func hostIPv6Address() -> String? {
        let out = NetworkTests.sh("/usr/sbin/ip", "-6", "-o", "addr", "show", "scope", "global").out
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count > 3, !f[1].hasPrefix("skiff"), !f[1].hasPrefix("skf") else { continue }
            if let i = f.firstIndex(of: "inet6"), i + 1 < f.count { return String(f[i + 1].split(separator: "/")[0]) }
        }
        return nil
    }

    static func curl(_ host: String, _ port: UInt16) -> String {
        let h = host.contains(":") ? "[\(host)]" : host
        return PublishIPv6HostTests.curl("http://\(h):\(port)/")
    }

    @Test func everyAddressIsIPv4AndIPv6AndClaimsArePerAddress() throws {
        let root = try CLIRoot(prefix: "skiff-hnet-any-")
        defer { NetworkIPv6Tests.cleanUp(root) }
        let echo = try StaticHelper.build("udp6-echo", source: PublishIPv6HostTests.echoSource, in: root.path)
        let (tcp, udp) = (FreePort.next(), FreePort.next(udp: true))
        let serve = "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && httpd -p 80 -h /www && exec /udp-echo 7"
        var r = root.skiff(
            "run", "-d", "--name", "any4", "--hostname", "any4", "-v", echo + ":/udp-echo:ro", "-p", "\(tcp):80",
            "-p", "\(udp):7/udp", "busybox", "sh", "-c", serve)
        try #require(r.status == 0, "\(r)")
        #expect(root.eventually(10) { Self.curl("127.0.0.1", tcp).contains("hello-any4") })
        #expect(Self.curl("::1", tcp).contains("hello-any4"), "-p \(tcp):80 does not answer on [::1]")
        #expect(PublishIPv6HostTests.udp("::1", udp, "one") == "one", "UDP on [::1]")
        #expect(PublishIPv6HostTests.udp("127.0.0.1", udp, "two") == "two", "UDP on 127.0.0.1")
        let v6 = Self.hostIPv6Address()
        if let v6 {
            #expect(Self.curl(v6, tcp).contains("hello-any4"), "-p \(tcp):80 does not answer on [\(v6)]")
            #expect(PublishIPv6HostTests.udp(v6, udp, "three") == "three", "UDP on [\(v6)]")
        }
        #expect(root.skiff("port", "any4", "80").out == "0.0.0.0:\(tcp)\n[::]:\(tcp)\n")
        #expect(
            root.skiff("inspect", "--format", "{{json .NetworkSettings.Ports}}", "any4").out.contains(
                #"[{"HostIp":"0.0.0.0","HostPort":"\#(tcp)"},{"HostIp":"::","HostPort":"\#(tcp)"}]"#))

        // Per-address claims: one port on two loopback addresses, by two containers.
        let shared = FreePort.next()
        for (name, address) in [("lo1", "127.0.0.1"), ("lo2", "127.0.0.2")] {
            r = root.skiff(
                "run", "-d", "--name", name, "--hostname", name, "-p", "\(address):\(shared):80", "busybox", "sh",
                "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www")
            try #require(r.status == 0, "\(name): \(r)")
        }
        #expect(root.eventually(10) { Self.curl("127.0.0.1", shared).contains("hello-lo1") })
        #expect(root.eventually(10) { Self.curl("127.0.0.2", shared).contains("hello-lo2") })
        // Attack: a port published on 127.0.0.1 must not answer on IPv6 nor on another host address.
        #expect(Self.curl("::1", shared).isEmpty, "127.0.0.1:\(shared) answers on [::1]")
        if let v6 { #expect(Self.curl(v6, shared).isEmpty, "127.0.0.1:\(shared) answers on [\(v6)]") }
        if let v4 = NetworkTests.hostAddress() {
            #expect(Self.curl(v4, shared).isEmpty, "127.0.0.1:\(shared) answers on \(v4)")
        }
        // A real clash: every address overlaps both claims; the same address overlaps its own.
        r = root.skiff("run", "-d", "--name", "clash", "-p", "\(shared):80", "busybox", "sleep", "30")
        #expect(r.status == 125, "\(r)")
        #expect(r.err.contains("Bind for 0.0.0.0:\(shared) failed: port is already allocated"), "\(r.err)")
        r = root.skiff("run", "-d", "--name", "clash2", "-p", "127.0.0.2:\(shared):80", "busybox", "sleep", "30")
        #expect(r.status == 125 && r.err.contains("Bind for 127.0.0.2:\(shared) failed: port is already allocated"))
        r = root.skiff("run", "-d", "--name", "clash3", "-p", "[::]:\(tcp):80", "busybox", "sleep", "30")
        #expect(r.status == 125 && r.err.contains("Bind for [::]:\(tcp) failed: port is already allocated"), "\(r)")

        #expect(root.skiff("rm", "-f", "any4", "lo1", "lo2").status == 0)
        for name in ["clash", "clash2", "clash3"] { _ = root.skiff("rm", "-f", name) }
        let relays = root.eventually(5) {
            !NetworkTests.sh("/usr/bin/pgrep", "-f", "loopback-proxy.*\(root.path)").out.contains("\n")
        }
        #expect(relays, "a relay outlived its container")
        #expect(Self.curl("::1", tcp).isEmpty, "[::1]:\(tcp) still answers")
        // Every claim is released: the port is free on every address again.
        r = root.skiff("run", "-d", "--name", "again", "-p", "\(shared):80", "busybox", "sleep", "30")
        #expect(r.status == 0, "\(r)")
        #expect(root.skiff("rm", "-f", "again").status == 0)
    }
    /// Attack: the [::] relay must not carry another host to a container on an internal network (the
    /// firewall keeps the IPv4 side of its published ports from other hosts), while a normal network's
    /// port is reachable from that host over IPv6 (so the attack could have worked).
    @Test func anInternalNetworksPortIsNotRelayedToOtherHosts() throws {
        let root = try CLIRoot(prefix: "skiff-hnet-int-")
        defer { NetworkIPv6Tests.cleanUp(root) }
        let outside = try OutsideServer6(greeting: "unused")
        defer { outside.stop() }
        let hostSide = String(outside.address.dropLast()) + "1"
        func fromOutside(_ port: UInt16) -> String {
            NetworkTests.sh(
                "/usr/sbin/ip", "netns", "exec", outside.namespace, "/usr/bin/curl", "-s", "-m", "3", "-g",
                "http://[\(hostSide)]:\(port)/"
            ).out
        }
        try #require(root.skiff("network", "create", "--internal", "hnetint").status == 0)
        try #require(root.skiff("network", "create", "hnetext").status == 0)
        let (inner, outer) = (FreePort.next(), FreePort.next())
        for (name, net, port) in [("inner", "hnetint", inner), ("outer", "hnetext", outer)] {
            let r = root.skiff(
                "run", "-d", "--name", name, "--hostname", name, "--network", net, "-p", "\(port):80", "busybox",
                "sh", "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www")
            try #require(r.status == 0, "\(name): \(r)")
        }
        #expect(
            root.eventually(10) { fromOutside(outer).contains("hello-outer") }, "control: [::]:\(outer) from outside")
        #expect(root.eventually(10) { Self.curl("::1", inner).contains("hello-inner") }, "the host itself, on [::1]")
        #expect(fromOutside(inner).isEmpty, "another host reached an internal network's container over IPv6")
        #expect(Self.curl(hostSide, inner).isEmpty, "[::]:\(inner) of an internal network answers on a host address")
        #expect(root.skiff("rm", "-f", "inner", "outer").status == 0)
    }
}
