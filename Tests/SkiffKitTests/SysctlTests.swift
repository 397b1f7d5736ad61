import Foundation
import SkiffKit
import Testing

/// Docker's kernel settings in a container with its own network namespace (any user binds ports below
/// 1024 and pings), `--sysctl` on top, compose's `sysctls:`, and the settings that would reach the host
/// refused, driven through the built CLI as a user would.
@Suite(.serialized) struct SysctlTests {
    static func read(_ root: CLIRoot, _ flags: [String], _ key: String) -> CLIRoot.Result {
        root.skiff(
            ["run", "--rm"] + flags + ["busybox", "cat", "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")])
    }

    @Test func dockersNetworkDefaultsLetAnyUserBindLowPortsAndPing() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let start = Self.read(root, ["--network", "none"], "net.ipv4.ip_unprivileged_port_start")
        #expect(start.status == 0 && start.out.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(start)")
        let ping = Self.read(root, ["--network", "none"], "net.ipv4.ping_group_range")
        #expect(ping.out.split(whereSeparator: \.isWhitespace) == ["0", "2147483647"], "\(ping)")

        // The official-image pattern: a service as a non-root user on port 80.
        let bound = root.skiff(
            "run", "--rm", "--network", "none", "-u", "1000:1000", "busybox",
            "sh", "-c", "httpd -p 80 && echo bound")
        #expect(bound.status == 0 && bound.out.contains("bound"), "\(bound)")
    }

    @Test func sysctlFlagOverridesAndIsAppliedInTheContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let flags = ["--network", "none", "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024"]
        let start = Self.read(root, flags, "net.ipv4.ip_unprivileged_port_start")
        #expect(start.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1024", "\(start)")
        let refused = root.skiff(
            ["run", "--rm"] + flags + ["-u", "1000:1000", "busybox", "sh", "-c", "httpd -p 80 && echo bound"])
        #expect(!refused.out.contains("bound"), "a non-root user bound port 80 with the default put back: \(refused)")
        let shm = Self.read(root, ["--network", "none", "--sysctl", "kernel.shmmni=1234"], "kernel.shmmni")
        #expect(shm.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1234", "\(shm)")
        // The host's own settings are untouched.
        let host = try String(contentsOfFile: "/proc/sys/kernel/shmmni", encoding: .utf8)
        #expect(host.trimmingCharacters(in: .whitespacesAndNewlines) != "1234")
    }

    @Test func settingsThatWouldReachTheHostAreRefused() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let hostNet = root.skiff(
            "run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=0", "busybox", "true")
        #expect(hostNet.status == 125 && hostNet.err.contains("--sysctl net.ipv4.ip_forward=0"), "\(hostNet)")
        let kernel = root.skiff("run", "--rm", "--network", "none", "--sysctl", "kernel.panic=1", "busybox", "true")
        #expect(kernel.status == 125 && kernel.err.contains("kernel.panic"), "\(kernel)")
        let malformed = root.skiff("run", "--rm", "--sysctl", "net.ipv4.ip_forward", "busybox", "true")
        #expect(malformed.status == 125 && malformed.err.contains("KEY=VALUE"), "\(malformed)")
        #expect(root.skiff("ps", "-aq").out.isEmpty, "a refused run left a container")
        // With the host's network namespace Docker's defaults are not applied: the host's value shows.
        let hostValue = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8)
        let shared = Self.read(root, ["--network", "host"], "net.ipv4.ip_unprivileged_port_start")
        #expect(shared.out == hostValue, "\(shared)")
    }

    @Test func composeSysctlsAsMapAndList() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          map:
            image: busybox
            network_mode: none
            sysctls:
              net.core.somaxconn: 1000
            command: ["cat", "/proc/sys/net/core/somaxconn"]
          list:
            image: busybox
            network_mode: none
            sysctls:
              - net.ipv4.ip_unprivileged_port_start=80
            command: ["cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"]
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let map = root.skiff("compose", "run", "-f", dir + "/compose.yaml", "--rm", "map")
        #expect(map.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1000", "\(map)")
        let list = root.skiff("compose", "run", "-f", dir + "/compose.yaml", "--rm", "list")
        #expect(list.out.trimmingCharacters(in: .whitespacesAndNewlines) == "80", "\(list)")
        let config = root.skiff("compose", "config", "-f", dir + "/compose.yaml")
        #expect(config.out.contains("net.core.somaxconn"), "\(config)")
        root.skiff("compose", "down", "-f", dir + "/compose.yaml")
    }
}
