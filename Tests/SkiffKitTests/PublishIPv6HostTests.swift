import Foundation
import SkiffKit
import Testing

/// Ports published on an IPv6 host address, as Docker takes them, through the built CLI: `-p
/// [::1]:P:80` answers on [::1] only, `-p [::]:P:80` on IPv6 only (relayed to an IPv4-only container,
/// as docker-proxy does), UDP is relayed on [::1] like TCP, and compose's `"[::1]:P:80"` the same.
/// Removing the containers leaves no relay and frees the ports.
@Suite(
    "publishing on IPv6 host addresses ([::1], [::]) and UDP on [::1]",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && HostIPv6.enabled))
struct PublishIPv6HostTests {
    typealias Root = CLIRoot

    /// A dual-stack UDP echo (the fixture's busybox has no UDP server), bind-mounted in as /udp-echo.
    static let echoSource = #"""
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/socket.h>

        int main(int argc, char **argv) {
            int port = argc > 1 ? atoi(argv[1]) : 7, off = 0;
            int fd = socket(AF_INET6, SOCK_DGRAM, 0);
            if (fd < 0) { perror("socket"); return 1; }
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
            struct sockaddr_in6 addr = {0};
            addr.sin6_family = AF_INET6;
            addr.sin6_port = htons((unsigned short)port);
            addr.sin6_addr = in6addr_any;
            if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
            for (;;) {
                char buf[2048];
                struct sockaddr_in6 peer;
                socklen_t len = sizeof peer;
                ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
                if (n < 0) continue;
                sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
            }
        }
        """#

    /// Send `text` to host:port over UDP and return the answer ("" when none came within ~5 s).
    static func udp(_ host: String, _ port: UInt16, _ text: String) -> String {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var storage = sockaddr_storage()
        var length: socklen_t
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &a.sin6_addr)
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &a.sin_addr)
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let bytes = Array(text.utf8)
        var buf = [UInt8](repeating: 0, count: 2048)
        for _ in 0..<10 {
            _ = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, length) }
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 500) > 0 {
                let n = recv(fd, &buf, buf.count, 0)
                if n > 0 { return String(decoding: buf[0..<n], as: UTF8.self) }
            }
        }
        return ""
    }

    static func curl(_ url: String) -> String {
        NetworkTests.sh("/usr/bin/curl", "-s", "-m", "3", "-g", url).out
    }

    static func randomPorts(_ n: Int) -> [UInt16] {
        let base = UInt16.random(in: 20000...60000)
        return (0..<UInt16(n)).map { base + $0 }
    }

    @Test func ipv6HostAddressesAndUDPOnLoopback() throws {
        let root = try CLIRoot(prefix: "skiff-hnet-v6p-")
        defer { NetworkIPv6Tests.cleanUp(root) }
        let echo = try StaticHelper.build("udp6-echo", source: Self.echoSource, in: root.path)
        let ports = Self.randomPorts(6)
        try #require(root.skiff("network", "create", "--ipv6", "hnet6p").status == 0)
        try #require(root.skiff("network", "create", "hnet4p").status == 0)
        let serve = "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && httpd -p 80 -h /www && exec /udp-echo 7"
        var r = root.skiff(
            "run", "-d", "--name", "hnet-p6", "--hostname", "p6", "--network", "hnet6p", "-v", echo + ":/udp-echo:ro",
            "-p", "[::1]:\(ports[0]):80", "-p", "[::1]:\(ports[1]):7/udp", "-p", "\(ports[2]):7/udp",
            "busybox", "sh", "-c", serve)
        try #require(r.status == 0, "\(r)")
        #expect(root.eventually(10) { Self.curl("http://[::1]:\(ports[0])/").contains("hello-p6") })
        #expect(Self.curl("http://127.0.0.1:\(ports[0])/").isEmpty, "published on [::1] only, yet IPv4 answered")
        #expect(Self.udp("::1", ports[1], "one") == "one", "UDP on [::1]:\(ports[1])")
        #expect(Self.udp("::1", ports[2], "two") == "two", "UDP published on every address, on [::1]")
        #expect(Self.udp("127.0.0.1", ports[2], "three") == "three", "UDP published on every address, on 127.0.0.1")
        #expect(root.skiff("port", "hnet-p6", "80").out.contains("[::1]:\(ports[0])"))

        r = root.skiff(
            "run", "-d", "--name", "hnet-p4", "--hostname", "p4", "--network", "hnet4p", "-v", echo + ":/udp-echo:ro",
            "-p", "[::]:\(ports[3]):80", "-p", "[::1]:\(ports[4]):7/udp", "busybox", "sh", "-c", serve)
        try #require(r.status == 0, "\(r)")
        #expect(root.eventually(10) { Self.curl("http://[::1]:\(ports[3])/").contains("hello-p4") })
        #expect(Self.curl("http://127.0.0.1:\(ports[3])/").isEmpty, "published on [::] only, yet IPv4 answered")
        #expect(Self.udp("::1", ports[4], "four") == "four", "UDP on [::1] to an IPv4-only container")

        r = root.skiff("run", "--rm", "-p", "[fe80::zz]:1:2", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("-p [fe80::zz]:1:2") && r.err.contains("not an IPv6 address"), "\(r)")

        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          web:
            image: busybox
            hostname: pc
            command: ["sh", "-c", "mkdir -p /www && echo hello-pc > /www/index.html && exec httpd -f -p 80 -h /www"]
            ports: ["[::1]:\(ports[5]):80"]
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetp", "up", "-d")
        try #require(r.status == 0, "\(r)")
        #expect(root.eventually(10) { Self.curl("http://[::1]:\(ports[5])/").contains("hello-pc") })
        #expect(root.skiff("compose", "-f", dir + "/compose.yaml", "-p", "hnetp", "down").status == 0)

        #expect(root.skiff("rm", "-f", "hnet-p6", "hnet-p4").status == 0)
        let relays = root.eventually(5) {
            !NetworkTests.sh("/usr/bin/pgrep", "-f", "loopback-proxy.*\(root.path)").out.contains("\n")
        }
        #expect(relays, "a relay outlived its container")
        for p in ports {
            #expect(Self.curl("http://[::1]:\(p)/").isEmpty, "[::1]:\(p) still answers")
        }
    }
}
