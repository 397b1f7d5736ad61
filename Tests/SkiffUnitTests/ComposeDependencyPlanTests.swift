import Foundation
import SkiffKit
import Testing

/// Docker Compose's dependency rules, planned without root: the `restart: true` that `links:` and
/// `service:NAME` namespaces imply, which services `compose restart` takes with it, the config hash that
/// follows the container a service joins, and which dependencies `up` takes when profiles leave some out.
@Suite("compose dependencies: restart, required, joined namespaces")
struct ComposeDependencyPlanTests {
    static func load(_ text: String) throws -> ComposeProject {
        let dir = NSTemporaryDirectory() + "compose-deps-\(UUID().uuidString)/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        try text.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:]))
    }

    static let joins = """
        services:
          db: {image: busybox}
          vpn: {image: busybox}
          app: {image: busybox, network_mode: "service:vpn", pid: "service:db"}
          sidecar: {image: busybox, ipc: "service:app", volumes_from: [db]}
          web: {image: busybox, links: [db], depends_on: {cache: {condition: service_started, restart: true}}}
          cache: {image: busybox}
          worker: {image: busybox, depends_on: [web]}
        """

    /// compose-go's normalisation: links and `service:NAME` namespaces imply `restart: true`,
    /// `volumes_from` does not; `compose config` shows it.
    @Test func linksAndJoinedNamespacesImplyRestart() throws {
        let p = try Self.load(Self.joins)
        func restart(_ service: String, _ on: String) -> Bool? {
            p.service(service)?.dependsOn.first { $0.service == on }?.restart
        }
        #expect(restart("app", "vpn") == true)
        #expect(restart("app", "db") == true)
        #expect(restart("sidecar", "app") == true)
        #expect(restart("sidecar", "db") == false)
        #expect(restart("web", "db") == true)
        #expect(restart("web", "cache") == true)
        #expect(restart("worker", "web") == false)
        let config = p.yaml()
        // app (2), sidecar, web (2): the implied ones too.
        #expect(config.components(separatedBy: "restart: true\n").count - 1 == 5, "\(config)")
    }

    /// `compose restart NAME` takes the services that depend on NAME with `restart: true`, transitively;
    /// not a plain `depends_on`.
    @Test func restartTakesItsRestartDependents() throws {
        let p = try Self.load(Self.joins)
        #expect(ComposeOrder.restartDependents(of: "vpn", in: p.services) == ["app"])
        #expect(ComposeOrder.withRestartDependents(["vpn"], in: p.services) == ["vpn", "app", "sidecar"])
        #expect(ComposeOrder.withRestartDependents(["cache"], in: p.services) == ["web", "cache"])
        #expect(ComposeOrder.withRestartDependents(["web"], in: p.services) == ["web"])
    }

    /// The hash of a service that joins another's namespace follows that container: made again with a new
    /// ID, the joiner's hash differs, so `up` recreates it too. Without references nothing is added.
    @Test func configHashFollowsTheJoinedContainer() throws {
        let p = try Self.load(Self.joins)
        let app = try #require(p.service("app"))
        let before = ComposeLabels.configHash(app, imageID: "sha256:1", joined: ["network_mode=aaa", "pid=bbb"])
        let after = ComposeLabels.configHash(app, imageID: "sha256:1", joined: ["network_mode=ccc", "pid=bbb"])
        #expect(before != after)
        #expect(before == ComposeLabels.configHash(app, imageID: "sha256:1", joined: ["network_mode=aaa", "pid=bbb"]))
        let db = try #require(p.service("db"))
        #expect(ComposeLabels.configHash(db, imageID: "x", joined: []) == ComposeLabels.configHash(db, imageID: "x"))
    }

    static let profiled = """
        services:
          web:
            image: busybox
            depends_on:
              metrics: {condition: service_started, required: false}
              db: {condition: service_started}
          db: {image: busybox}
          metrics: {image: busybox, profiles: [observability]}
          tool:
            image: busybox
            profiles: [tools]
            depends_on:
              debug: {condition: service_started, required: false}
          debug: {image: busybox, profiles: [debugging]}
        """

    /// `required: false` on a service the profiles leave out: skipped; with its profile on, started first.
    @Test func anOptionalDependencyOutsideTheProfilesIsSkipped() throws {
        let p = try Self.load(Self.profiled)
        #expect(try p.selectServices([], profiles: []).map(\.name) == ["web", "db"])
        #expect(try p.selectServices(["web"], profiles: []).map(\.name) == ["web", "db"])
        #expect(
            try p.selectServices([], profiles: ["observability"]).map(\.name) == ["web", "db", "metrics"])
        // Naming a service turns its own profile on, not its dependency's.
        #expect(try p.selectServices(["tool"], profiles: []).map(\.name) == ["tool"])
        #expect(try p.selectServices(["tool"], profiles: ["debugging"]).map(\.name) == ["tool", "debug"])
    }

    /// A required dependency the profiles leave out is an error naming both services, as Docker Compose
    /// refuses it ("depends on undefined service"), not a service started behind the profiles' back.
    @Test func aRequiredDependencyOutsideTheProfilesIsAnError() throws {
        let p = try Self.load(
            """
            services:
              web: {image: busybox, depends_on: [db]}
              db: {image: busybox, profiles: [database]}
            """)
        #expect(throws: ComposeError.self) { try p.selectServices([], profiles: []) }
        do {
            _ = try p.selectServices(["web"], profiles: [])
            Issue.record("web started without its required dependency")
        } catch {
            #expect("\(error)".contains("service web depends on service db, which is disabled (profiles: database)"))
        }
        #expect(try p.selectServices([], profiles: ["database"]).map(\.name) == ["web", "db"])
        // Docker Compose checks the services the profiles enable whichever is named: `up db` fails too.
        #expect(throws: ComposeError.self) { try p.selectServices(["db"], profiles: []) }
    }
}
