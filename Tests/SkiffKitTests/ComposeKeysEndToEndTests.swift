import Foundation
import SkiffKit
import Testing

/// Issue 14 items 7 and 9, through the CLI: the network keys (ipam, driver_opts, ipv4_address, links)
/// and the resource keys (ulimits, shm_size, oom_score_adj, mem_reservation, cpu_shares, domainname,
/// logging) are carried out on the running containers, not ignored.
@Suite("Compose keys end to end", .serialized)
struct ComposeKeysEndToEndTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func ipamFixedAddressIpRangeMtuAndLinks() throws {
        let p = try Project(
            """
            name: s14net
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                networks:
                  back:
                    ipv4_address: 172.29.213.10
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                links: ["db:database"]
                networks: [back]
                ports: ["80"]
            networks:
              back:
                driver_opts:
                  com.docker.network.driver.mtu: "1400"
                  com.docker.network.bridge.host_binding_ipv4: 127.0.0.1
                ipam:
                  config:
                    - subnet: 172.29.213.0/24
                      gateway: 172.29.213.254
                      ip_range: 172.29.213.128/25
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "-d")
        #expect(up.status == 0, "\(up.err)")
        let dbAddr = p.compose("exec", "-T", "db", "ip", "-4", "addr", "show", "eth0").out
        #expect(dbAddr.contains("inet 172.29.213.10/24"), "\(dbAddr)")
        #expect(dbAddr.contains("mtu 1400"), "\(dbAddr)")
        let webAddr = p.compose("exec", "-T", "web", "ip", "-4", "addr", "show", "eth0").out
        let webHost = webAddr.components(separatedBy: "inet 172.29.213.").dropFirst().first?.split(separator: "/").first
            .flatMap { Int($0) }
        #expect(webHost.map { $0 >= 128 } == true, "web's address comes from ip_range: \(webAddr)")
        let route = p.compose("exec", "-T", "web", "ip", "route").out
        #expect(route.contains("default via 172.29.213.254"), "\(route)")
        // links: web reaches db by the alias (its own link line) and by the service name.
        let hosts = p.compose("exec", "-T", "web", "cat", "/etc/hosts").out
        let dbNames = hosts.split(separator: "\n").filter { $0.hasPrefix("172.29.213.10\t") }
            .flatMap { $0.split(separator: "\t").dropFirst().flatMap { $0.split(separator: " ") } }
        #expect(dbNames.contains("database") && dbNames.contains("db"), "\(hosts)")
        // host_binding_ipv4: a port published without a host address lands on 127.0.0.1.
        let port = p.compose("port", "web", "80").out
        #expect(port.hasPrefix("127.0.0.1:"), "\(port)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func resourceKeysAreCarriedOut() throws {
        let p = try Project(
            """
            name: s14res
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                ulimits:
                  nofile: {soft: 1234, hard: 2345}
                shm_size: 32m
                oom_score_adj: 321
                mem_reservation: 48m
                cpu_shares: 512
                domainname: example.test
                extra_hosts: ["somehost:10.1.2.3", "host.docker.internal:host-gateway"]
                dns: 9.9.9.9
                dns_search: example.test
                dns_opt: ["ndots:2"]
                logging:
                  driver: json-file
                  options: {max-size: 1k, max-file: "2"}
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "-d")
        #expect(up.status == 0, "\(up.err)")
        // The service's own process (pid 1), as the runtime started it.
        let out = p.compose(
            "exec", "-T", "app", "sh", "-c",
            "grep 'Max open files' /proc/1/limits; cat /proc/1/oom_score_adj; df -k /dev/shm | tail -n 1; cat /proc/sys/kernel/domainname"
        ).out
        let lines = out.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(lines.count == 4, "\(out)")
        if lines.count == 4 {
            #expect(lines[0].suffix(3) == ["1234", "2345", "files"], "\(out)")
            #expect(lines[1] == ["321"], "\(out)")
            #expect(lines[2].dropFirst().first == "32768", "\(out)")
            #expect(lines[3] == ["example.test"], "\(out)")
        }
        let hosts = p.compose("exec", "-T", "app", "cat", "/etc/hosts").out
        #expect(hosts.contains("10.1.2.3\tsomehost\n"), "\(hosts)")
        let gateway = try #require(try p.engine.network("s14res_default").gateway)
        #expect(hosts.contains("\(gateway)\thost.docker.internal\n"), "\(hosts)")
        let resolv = p.compose("exec", "-T", "app", "cat", "/etc/resolv.conf").out
        #expect(
            resolv.hasPrefix("nameserver 127.0.0.11\n") && resolv.contains("# ExtServers: [9.9.9.9]")
                && resolv.contains("search example.test") && resolv.contains("options ndots:2"), "\(resolv)")
        let c = try #require(p.container("s14res-app-1"))
        #expect(c.logMaxSize == 1024 && c.logMaxFiles == 2)
        #expect(c.logOptions == ["max-size": "1k", "max-file": "2"])
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
        let v2 = "/sys/fs/cgroup/skiff/" + c.id
        if FileManager.default.fileExists(atPath: v2 + "/memory.low") {
            #expect(read(v2 + "/memory.low") == "50331648\n")
            // runc's mapping of cpu.shares 512 to cgroup v2 cpu.weight: 1 + (510 * 9999) / 262142.
            #expect(read(v2 + "/cpu.weight") == "20\n")
        } else {
            #expect(read("/sys/fs/cgroup/memory/skiff/\(c.id)/memory.soft_limit_in_bytes") == "50331648\n")
            #expect(read("/sys/fs/cgroup/cpu/skiff/\(c.id)/cpu.shares") == "512\n")
        }
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// The same machinery from `skiff network create` and `skiff run`, as Docker has the flags.
    @Test func networkCreateAndRunFlags() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let made = root.skiff(
            "network", "create", "--subnet", "172.29.214.0/24", "--ip-range", "172.29.214.64/26",
            "-o", "com.docker.network.driver.mtu=1300", "s14flags")
        #expect(made.status == 0, "\(made.err)")
        let r = root.skiff(
            "run", "--rm", "--network", "s14flags", "--add-host", "db.local:10.7.7.7", "--dns", "9.9.9.9",
            "--dns-search", "example.test", "busybox", "sh", "-c",
            "ip -4 addr show eth0; cat /etc/hosts /etc/resolv.conf")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("mtu 1300") && r.out.contains("inet 172.29.214.64/24"), "\(r.out)")
        #expect(
            r.out.contains("10.7.7.7\tdb.local") && r.out.contains("nameserver 127.0.0.11\n")
                && r.out.contains("# ExtServers: [9.9.9.9]") && r.out.contains("search example.test"), "\(r.out)")
        let fixed = root.skiff(
            "run", "--rm", "--network", "s14flags", "--ip", "172.29.214.9", "busybox", "ip", "-4", "addr", "show",
            "eth0")
        #expect(fixed.out.contains("inet 172.29.214.9/24"), "\(fixed.out) \(fixed.err)")
        let bad = root.skiff("run", "--rm", "--network", "none", "--add-host", "nocolon", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("--add-host nocolon"), "\(bad.err)")
        #expect(root.skiff("network", "rm", "s14flags").status == 0)
    }
}
