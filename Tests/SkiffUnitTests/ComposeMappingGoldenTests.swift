import Foundation
import SkiffKit
import Testing

/// The compose → container mapping as a value: the talk's Django file, loaded as `skiff compose` loads it,
/// gives each service's `RunOptions` (what `run` would be given), compared whole. No root, no containers:
/// a change to how a key is carried out shows here as a diff before the root suite runs.
@Suite("compose → container mapping (golden)")
struct ComposeMappingGoldenTests {
    static let compose = """
        services:
          db:
            image: postgres:15
            environment:
              POSTGRES_DB: app
              POSTGRES_PASSWORD: secret
            volumes:
              - dbdata:/var/lib/postgresql/data
            healthcheck:
              test: ["CMD-SHELL", "pg_isready -U postgres"]
              interval: 2s
              retries: 10
              start_period: 30s
              start_interval: 1s
          web:
            build: .
            command: python manage.py runserver 0.0.0.0:8000
            ports:
              - "8000:8000"
            volumes:
              - .:/code:ro
            environment:
              - DATABASE_HOST=db
            depends_on:
              db:
                condition: service_healthy
            restart: on-failure:3
            stop_grace_period: 5s
        volumes:
          dbdata:
        """

    /// The project, loaded from a temporary directory named `django` (so the project is `django`).
    static func project() throws -> (ComposeProject, String) {
        let base = NSTemporaryDirectory() + "compose-golden-\(UUID().uuidString)"
        let dir = base + "/django"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return (try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:])), dir)
    }

    static func labels(_ service: String, dir: String) -> [String: String] {
        [
            ComposeLabels.project: "django", ComposeLabels.service: service, ComposeLabels.number: "1",
            ComposeLabels.configHash: "HASH", ComposeLabels.workingDir: dir,
            ComposeLabels.configFiles: dir + "/compose.yaml",
        ]
    }

    @Test func databaseService() throws {
        let (project, dir) = try Self.project()
        let wiring = ComposeWiring(project: project)
        let db = try #require(project.service("db"))
        let actual = try wiring.runOptions(db, name: "django-db-1", number: 1, configHash: "HASH")

        var expected = RunOptions()
        expected.name = "django-db-1"
        expected.env = ["POSTGRES_DB=app", "POSTGRES_PASSWORD=secret"]
        expected.detach = true
        expected.labels = Self.labels("db", dir: dir)
        expected.healthCmd = "pg_isready -U postgres"
        expected.healthInterval = 2_000_000_000
        expected.healthStartPeriod = 30_000_000_000
        expected.healthStartInterval = 1_000_000_000
        expected.healthRetries = 10
        expected.mounts = [
            MountRequest(
                kind: .volume, source: "django_dbdata", target: "/var/lib/postgresql/data",
                origin: "services.db.volumes[0]")
        ]
        expected.network = .named("django_default")
        expected.networkAliases = ["db"]
        #expect(actual == expected, "\(StructuralDiff.report(actual, expected, path: "db"))")
    }

    @Test func webService() throws {
        let (project, dir) = try Self.project()
        let wiring = ComposeWiring(project: project)
        let web = try #require(project.service("web"))
        let actual = try wiring.runOptions(web, name: "django-web-1", number: 1, configHash: "HASH")

        var expected = RunOptions()
        expected.name = "django-web-1"
        expected.command = ["python", "manage.py", "runserver", "0.0.0.0:8000"]
        expected.env = ["DATABASE_HOST=db"]
        expected.detach = true
        expected.labels = Self.labels("web", dir: dir)
        expected.restart = try RestartPolicy(parsing: "on-failure:3")
        expected.stopTimeout = 5
        var code = MountRequest(kind: .bind, source: dir, target: "/code", origin: "services.web.volumes[0]")
        code.readOnly = true
        code.createHostPath = true
        expected.mounts = [code]
        expected.network = .named("django_default")
        expected.networkAliases = ["web"]
        expected.publish = ["8000:8000"]
        #expect(actual == expected, "\(StructuralDiff.report(actual, expected, path: "web"))")
    }
}
