import Foundation
import SkiffKit
import Testing

/// Docker Compose's dependents, through the built CLI: a service that joins another's namespace
/// (`network_mode` / `pid: service:NAME`) is made again when `up` recreates that service and restarted
/// with it by `compose restart`, so it never stays in a dead container's namespace; `depends_on:
/// restart: true` restarts the dependent likewise; a `required: false` dependency that the profiles
/// leave out is skipped, a required one refused before anything is made.
@Suite(.serialized) struct ComposeDependentsTests {
    static func write(_ root: CLIRoot, _ yaml: String) throws -> String {
        let dir = root.path + "/deps"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return dir + "/compose.yaml"
    }

    static func joining(generation: Int) -> String {
        """
        services:
          joiner:
            image: busybox
            network_mode: "service:app"
            pid: "service:app"
            command: ["sleep", "4242"]
          app:
            image: busybox
            environment: {GENERATION: "\(generation)"}
            command: ["sleep", "31337"]
        """
    }

    @Test func aJoinerFollowsTheServiceItJoinsWhenUpRecreatesOrRestartsIt() throws {
        let root = try CLIRoot(prefix: "skiff-compose-joiner-")
        defer { root.cleanUp() }
        let file = try Self.write(root, Self.joining(generation: 1))
        #expect(root.skiff("compose", "-f", file, "up", "-d").status == 0)
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        func netns(_ service: String) -> String {
            root.skiff("compose", "-f", file, "exec", "-T", service, "readlink", "/proc/self/ns/net").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let firstApp = root.inspect("deps-app-1", "{{.Id}}")
        let firstJoiner = root.inspect("deps-joiner-1", "{{.Id}}")
        #expect(netns("joiner") == netns("app"))

        // app's config changed: up recreates it, and the joiner with it (its namespaces were app's).
        try Self.joining(generation: 2).write(toFile: file, atomically: true, encoding: .utf8)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        let app = root.inspect("deps-app-1", "{{.Id}}")
        #expect(app != firstApp)
        #expect(
            root.inspect("deps-joiner-1", "{{.Id}}") != firstJoiner, "the joiner was left in the old app's namespace")
        #expect(root.inspect("deps-joiner-1", "{{.HostConfig.NetworkMode}}") == "container:" + app)
        #expect(root.inspect("deps-joiner-1", "{{.State.Status}}") == "running")
        #expect(netns("joiner") == netns("app"))
        let ps = root.skiff("compose", "-f", file, "exec", "-T", "joiner", "ps", "-o", "args")
        #expect(ps.out.contains("sleep 31337"), "the joiner does not see the new app's processes: \(ps)")

        // Nothing changed: up leaves both alone.
        let joiner = root.inspect("deps-joiner-1", "{{.Id}}")
        #expect(root.skiff("compose", "-f", file, "up", "-d").status == 0)
        #expect(root.inspect("deps-app-1", "{{.Id}}") == app)
        #expect(root.inspect("deps-joiner-1", "{{.Id}}") == joiner)

        // restart app: the joiner is restarted after it, into the new namespaces (a namespace's inode
        // number may be reused, so the new app process is what tells them apart).
        let appPid = root.inspect("deps-app-1", "{{.State.Pid}}")
        let restart = root.skiff("compose", "-f", file, "restart", "-t", "0", "app")
        #expect(restart.status == 0, "\(restart)")
        #expect(root.inspect("deps-app-1", "{{.State.Pid}}") != appPid)
        #expect(root.inspect("deps-joiner-1", "{{.State.Status}}") == "running", "compose restart app lost the joiner")
        #expect(netns("joiner") == netns("app"), "compose restart app left the joiner in the old namespace")
        let after = root.skiff("compose", "-f", file, "exec", "-T", "joiner", "ps", "-o", "args")
        #expect(after.out.contains("sleep 31337"), "the joiner does not see the restarted app: \(after)")
    }

    static func restarting(generation: Int) -> String {
        """
        services:
          web:
            image: busybox
            network_mode: none
            command: ["sleep", "4242"]
            depends_on:
              db: {condition: service_started, restart: true}
              cache: {condition: service_started}
          db:
            image: busybox
            network_mode: none
            environment: {GENERATION: "\(generation)"}
            command: ["sleep", "31337"]
          cache:
            image: busybox
            network_mode: none
            environment: {GENERATION: "\(generation)"}
            command: ["sleep", "1234"]
        """
    }

    /// `restart: true`: `compose restart db` and `up` recreating db restart web (the same container,
    /// started again); a plain dependency (cache) does neither.
    @Test func restartTrueRestartsTheDependent() throws {
        let root = try CLIRoot(prefix: "skiff-compose-restart-true-")
        defer { root.cleanUp() }
        let file = try Self.write(root, Self.restarting(generation: 1))
        #expect(root.skiff("compose", "-f", file, "up", "-d").status == 0)
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        func pid(_ name: String) -> String { root.inspect(name, "{{.State.Pid}}") }
        let web = root.inspect("deps-web-1", "{{.Id}}")
        var webPid = pid("deps-web-1")

        let restart = root.skiff("compose", "-f", file, "restart", "-t", "0", "db")
        #expect(restart.status == 0, "\(restart)")
        #expect(pid("deps-web-1") != webPid, "compose restart db did not restart web")
        #expect(root.inspect("deps-web-1", "{{.State.Status}}") == "running")
        webPid = pid("deps-web-1")
        #expect(root.skiff("compose", "-f", file, "restart", "-t", "0", "cache").status == 0)
        #expect(pid("deps-web-1") == webPid, "a plain depends_on restarted web")
        #expect(root.skiff("compose", "-f", file, "restart", "--no-deps", "-t", "0", "db").status == 0)
        #expect(pid("deps-web-1") == webPid, "restart --no-deps db restarted web")

        // Recreating db (and cache) by up: web is stopped first and started again, not recreated.
        try Self.restarting(generation: 2).write(toFile: file, atomically: true, encoding: .utf8)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        #expect(up.err.contains("Container deps-web-1  Stopping"), "\(up)")
        #expect(root.inspect("deps-web-1", "{{.Id}}") == web)
        #expect(pid("deps-web-1") != webPid)
        #expect(root.inspect("deps-web-1", "{{.State.Status}}") == "running")
    }

    /// A dependency the profiles leave out: skipped when `required: false`; when required, `up` is
    /// refused naming both services, and nothing is made.
    @Test func optionalDependencyOutsideTheProfilesIsSkipped() throws {
        let root = try CLIRoot(prefix: "skiff-compose-required-")
        defer { root.cleanUp() }
        let file = try Self.write(
            root,
            """
            services:
              web:
                image: busybox
                network_mode: none
                command: ["sleep", "4242"]
                depends_on:
                  metrics: {condition: service_healthy, required: false}
              metrics:
                image: busybox
                network_mode: none
                profiles: [observability]
                command: ["sleep", "4243"]
            """)
        let up = root.skiff("compose", "-f", file, "up", "-d")
        #expect(up.status == 0, "\(up)")
        #expect(root.inspect("deps-web-1", "{{.State.Status}}") == "running")
        #expect(root.skiff("inspect", "deps-metrics-1").status != 0, "a disabled optional dependency was started")
        #expect(root.skiff("compose", "-f", file, "down", "-t", "0").status == 0)

        try """
        services:
          web:
            image: busybox
            network_mode: none
            depends_on: [metrics]
          metrics:
            image: busybox
            network_mode: none
            profiles: [observability]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = root.skiff("compose", "-f", file, "up", "-d")
        #expect(refused.status != 0)
        #expect(
            refused.err.contains("service web depends on service metrics, which is disabled (profiles: observability)"),
            "\(refused)")
        #expect(root.skiff("ps", "-a", "-q").out.isEmpty)
    }

    /// `compose start web` starts what web depends on first, as Docker Compose's start does.
    @Test func startingAServiceStartsItsDependencies() throws {
        let root = try CLIRoot(prefix: "skiff-compose-start-deps-")
        defer { root.cleanUp() }
        let file = try Self.write(
            root,
            """
            services:
              web:
                image: busybox
                network_mode: none
                command: ["sleep", "4242"]
                depends_on: [db]
              db:
                image: busybox
                network_mode: none
                command: ["sleep", "4243"]
            """)
        #expect(root.skiff("compose", "-f", file, "up", "-d").status == 0)
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        #expect(root.skiff("compose", "-f", file, "stop", "-t", "0").status == 0)
        #expect(root.inspect("deps-db-1", "{{.State.Status}}") == "exited")
        let start = root.skiff("compose", "-f", file, "start", "web")
        #expect(start.status == 0, "\(start)")
        #expect(root.inspect("deps-db-1", "{{.State.Status}}") == "running", "start web left db stopped")
        #expect(root.inspect("deps-web-1", "{{.State.Status}}") == "running")
    }

    /// `up --no-deps web` neither starts nor waits for web's dependencies: an unhealthy db does not stop
    /// it, as Docker Compose drops the dependencies it does not take.
    @Test func upNoDepsDoesNotWaitForTheDependencies() throws {
        let root = try CLIRoot(prefix: "skiff-compose-nodeps-")
        defer { root.cleanUp() }
        let file = try Self.write(
            root,
            """
            services:
              web:
                image: busybox
                network_mode: none
                command: ["sleep", "4242"]
                depends_on:
                  db: {condition: service_healthy}
              db:
                image: busybox
                network_mode: none
                command: ["sleep", "4243"]
                healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 1}
            """)
        defer { root.skiff("compose", "-f", file, "down", "-t", "0") }
        #expect(root.skiff("compose", "-f", file, "up", "-d", "db").status == 0)
        #expect(root.eventually(20) { root.inspect("deps-db-1", "{{.State.Health.Status}}") == "unhealthy" })
        let up = root.skiff("compose", "-f", file, "up", "-d", "--no-deps", "web")
        #expect(up.status == 0, "\(up)")
        #expect(root.inspect("deps-web-1", "{{.State.Status}}") == "running")
    }
}
