import Foundation
import SkiffKit
import Testing

/// Compose's `pid:`, `ipc:`, `uts:` and `cgroup:` through the built CLI: `service:NAME` joins that
/// service's container (started first), `compose config` shows the keys, and bad values are refused
/// naming the key.
@Suite(.serialized) struct ComposeNamespaceTests {
    static func write(_ root: CLIRoot, _ yaml: String) throws -> String {
        let dir = root.path + "/nsproj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return dir + "/compose.yaml"
    }

    @Test func aSidecarJoinsTheAppsPIDAndIPCNamespacesAfterItStarts() throws {
        let root = try CLIRoot(prefix: "skiff-ns-compose-")
        defer { root.cleanUp() }
        // The sidecar comes first in the file: only the implied dependency starts app before it.
        let file = try Self.write(
            root,
            """
            services:
              debug:
                image: busybox
                network_mode: none
                pid: "service:app"
                ipc: "service:app"
                command: ["sleep", "4242"]
              app:
                image: busybox
                network_mode: none
                ipc: shareable
                command: ["sh", "-c", "echo from-app > /dev/shm/note; exec sleep 31337"]
              hosty:
                image: busybox
                network_mode: none
                uts: host
                cgroup: private
                command: ["sleep", "1000"]
            """)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        let ps = root.skiff("compose", "-f", file, "exec", "-T", "debug", "ps", "-o", "args")
        #expect(ps.out.contains("sleep 31337") && ps.out.contains("sleep 4242"), "\(ps)")
        #expect(
            root.eventually(10) {
                root.skiff("compose", "-f", file, "exec", "-T", "debug", "cat", "/dev/shm/note").out.contains(
                    "from-app")
            })
        let hostname = root.skiff("compose", "-f", file, "exec", "-T", "hosty", "hostname")
        #expect(hostname.out.trimmingCharacters(in: .whitespacesAndNewlines) == ProcessInfo.processInfo.hostName)
        #expect(
            root.inspect("nsproj-debug-1", "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}}")
                == "container:nsproj-app-1 container:nsproj-app-1")
        #expect(
            root.inspect("nsproj-hosty-1", "{{.HostConfig.UTSMode}} {{.HostConfig.CgroupnsMode}}") == "host private")

        let config = root.skiff("compose", "-f", file, "config")
        for line in ["pid: service:app", "ipc: service:app", "ipc: shareable", "uts: host", "cgroup: private"] {
            #expect(config.out.contains(line), "compose config lacks \(line): \(config.out)")
        }
        #expect(config.out.contains("depends_on"), "\(config.out)")
    }

    /// `network_mode: service:NAME` (awesome-compose's shape for a VPN sidecar): the container is in the
    /// other service's network namespace (the same one, not one like it), started after it.
    @Test func aServiceJoinsAnotherServicesNetworkNamespace() throws {
        let root = try CLIRoot(prefix: "skiff-ns-compose-net-")
        defer { root.cleanUp() }
        let file = try Self.write(
            root,
            """
            services:
              joiner:
                image: busybox
                network_mode: "service:app"
                command: ["sleep", "4242"]
              app:
                image: busybox
                network_mode: none
                command: ["sleep", "31337"]
            """)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        func netns(_ service: String) -> String {
            root.skiff("compose", "-f", file, "exec", "-T", service, "readlink", "/proc/self/ns/net").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let app = netns("app")
        #expect(app.hasPrefix("net:["), "\(app)")
        #expect(netns("joiner") == app)
        #expect(netns("joiner") != Self.hostNetns())
        // Docker keeps the donor by its ID there.
        let appID = root.inspect("nsproj-app-1", "{{.Id}}")
        #expect(root.inspect("nsproj-joiner-1", "{{.HostConfig.NetworkMode}}") == "container:" + appID)
        let config = root.skiff("compose", "-f", file, "config")
        #expect(config.out.contains("network_mode: service:app") && config.out.contains("depends_on"), "\(config)")
    }

    /// `network_mode: NAME` joins an existing network by its own name (Docker Compose hands it to the
    /// engine unprefixed); `down` leaves that network, which the project does not own.
    @Test func aServiceJoinsAnExistingNetworkByName() throws {
        let root = try CLIRoot(prefix: "skiff-ns-compose-netname-")
        defer { root.cleanUp() }
        let made = root.skiff("network", "create", "--subnet", "10.231.7.0/24", "shared-by-name")
        #expect(made.status == 0, "\(made)")
        let file = try Self.write(
            root,
            """
            services:
              app:
                image: busybox
                network_mode: shared-by-name
                command: ["sleep", "4242"]
            """)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        #expect(root.inspect("nsproj-app-1", "{{.HostConfig.NetworkMode}}") == "shared-by-name")
        let address = root.skiff("compose", "-f", file, "exec", "-T", "app", "ip", "-4", "-o", "addr", "show", "eth0")
        #expect(address.out.contains("inet 10.231.7."), "\(address)")
        let peer = root.skiff(
            "run", "--rm", "--network", "shared-by-name", "busybox", "ping", "-c", "1", "-W", "3",
            root.inspect("nsproj-app-1", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"))
        #expect(peer.status == 0, "\(peer)")
        #expect(root.skiff("compose", "-f", file, "down", "-t", "0").status == 0)
        #expect(root.skiff("network", "ls", "-q", "--filter", "name=shared-by-name").out.isEmpty == false)
        #expect(root.skiff("network", "inspect", "shared-by-name").status == 0)
        #expect(root.skiff("network", "rm", "shared-by-name").status == 0)
    }

    static func hostNetns() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? ""
    }

    /// A runtime skiff lacks loads (Docker Compose shows it in `config`), and `up` refuses it, before
    /// anything is made, in dockerd's words.
    @Test func anUnknownRuntimeLoadsAndUpRefusesIt() throws {
        let root = try CLIRoot(prefix: "skiff-ns-compose-runtime-")
        defer { root.cleanUp() }
        let file = try Self.write(
            root,
            "services:\n  wasm:\n    image: busybox\n    network_mode: none\n    runtime: io.containerd.wasmedge.v1\n")
        let config = root.skiff("compose", "-f", file, "config")
        #expect(config.status == 0 && config.out.contains("runtime: io.containerd.wasmedge.v1"), "\(config)")
        let up = root.skiff("compose", "-f", file, "up", "-d")
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        #expect(
            up.status != 0 && up.err.contains("unknown or invalid runtime name: io.containerd.wasmedge.v1"), "\(up)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }

    @Test func badNamespaceKeysAreRefusedNamingTheKey() throws {
        let root = try CLIRoot(prefix: "skiff-ns-compose-bad-")
        defer { root.cleanUp() }
        let cases: [(String, String)] = [
            ("pid: \"service:nope\"", "services.a.pid: refers to undefined service \"nope\""),
            ("ipc: sharable", "services.a.ipc"),
            ("pid: private", "services.a.pid"),
            ("cgroup: shared", "services.a.cgroup"),
            ("uts: host\n    hostname: x", "conflicting options: hostname and the UTS mode"),
            ("network_mode: \"service:nope\"", "services.a.network_mode: refers to undefined service \"nope\""),
            ("network_mode: \"\"", "services.a.network_mode: needs a mode"),
        ]
        for (key, expected) in cases {
            let file = try Self.write(root, "services:\n  a:\n    image: busybox\n    \(key)\n")
            let config = root.skiff("compose", "-f", file, "config")
            #expect(config.status != 0 && config.err.contains(expected), "\(key): \(config)")
        }
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }
}
