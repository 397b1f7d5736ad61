import Foundation
import SkiffKit
import Testing

/// `compose --dry-run`: the runner's own steps (the same code as a real `up`, `down`, `run`), each
/// reported, none carried out. No root, no containers: an empty engine in a temporary directory, whose
/// tree must be the same after the dry run as before (nothing pulled, no network, volume, container or
/// secret file written).
@Suite("compose --dry-run plan")
struct ComposeDryRunPlanTests {
    static let compose = """
        name: drydemo
        services:
          db:
            image: registry.invalid/db:1
            volumes: ["data:/data"]
            secrets: [token]
            healthcheck:
              test: ["CMD", "true"]
          web:
            image: registry.invalid/web:1
            depends_on:
              db:
                condition: service_healthy
        volumes:
          data:
        secrets:
          token:
            environment: TOKEN
        """

    final class Fixture {
        let base: String
        let engine: Engine
        let runner: ComposeRunner
        let lines: Lines

        final class Lines: @unchecked Sendable {
            var all: [String] = []
        }

        init(_ compose: String = ComposeDryRunPlanTests.compose) throws {
            base = NSTemporaryDirectory() + "compose-dryrun-\(UUID().uuidString)"
            let dir = base + "/drydemo"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
            let project = try ComposeLoader.load(
                ComposeLoadOptions(workingDirectory: dir, environment: ["TOKEN": "t0k"]))
            engine = Engine(root: base + "/state")
            try FileManager.default.createDirectory(atPath: engine.root, withIntermediateDirectories: true)
            var r = ComposeRunner(engine: engine, project: project)
            r.callerEnvironment = ["TOKEN": "t0k"]
            r.dryRun = true
            let lines = Lines()
            r.progress = { lines.all.append(ComposeDryRun.line($0)) }
            self.lines = lines
            runner = r
        }

        /// Every path under the state root.
        func tree() -> [String] {
            (FileManager.default.enumerator(atPath: engine.root)?.allObjects as? [String] ?? []).sorted()
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test func upPlansEveryStepInOrderAndChangesNothing() throws {
        let f = try Fixture()
        let before = f.tree()
        var options = ComposeRunner.UpOptions()
        options.noStart = false
        let planned = try f.runner.up(options)
        #expect(planned.map(\.name) == ["drydemo-db-1", "drydemo-web-1"])
        #expect(
            f.lines.all == [
                "DRY-RUN MODE -  db Pulling", "DRY-RUN MODE -  db Pulled",
                "DRY-RUN MODE -  web Pulling", "DRY-RUN MODE -  web Pulled",
                "DRY-RUN MODE -  Volume drydemo_data  Creating", "DRY-RUN MODE -  Volume drydemo_data  Created",
                "DRY-RUN MODE -  Network drydemo_default  Creating",
                "DRY-RUN MODE -  Network drydemo_default  Created",
                "DRY-RUN MODE -  Container drydemo-db-1  Creating", "DRY-RUN MODE -  Container drydemo-db-1  Created",
                "DRY-RUN MODE -  Container drydemo-db-1  Starting", "DRY-RUN MODE -  Container drydemo-db-1  Started",
                // web waits for db to be healthy: the wait announced, and met on paper.
                "DRY-RUN MODE -  Container drydemo-db-1  Waiting", "DRY-RUN MODE -  Container drydemo-db-1  Healthy",
                "DRY-RUN MODE -  Container drydemo-web-1  Creating",
                "DRY-RUN MODE -  Container drydemo-web-1  Created",
                "DRY-RUN MODE -  Container drydemo-web-1  Starting",
                "DRY-RUN MODE -  Container drydemo-web-1  Started",
            ], "\(f.lines.all)")
        #expect(f.tree() == before, "the dry run wrote under the state root: \(f.tree())")
        #expect(f.engine.listContainers().isEmpty)
    }

    @Test func validationStillFails() throws {
        let f = try Fixture()
        var options = ComposeRunner.UpOptions()
        options.services = ["nosuch"]
        #expect(throws: ComposeError.self) { try f.runner.up(options) }
        var broken = f.runner
        broken.callerEnvironment = [:]
        // The secret's variable unset: the error a real `up` gives when it makes db's container.
        #expect {
            try broken.up(ComposeRunner.UpOptions())
        } throws: { error in
            "\(error)".contains("environment variable TOKEN is not set")
        }
    }

    @Test func runPlansTheDependenciesAndNoOneOffContainer() throws {
        let f = try Fixture()
        let before = f.tree()
        var request = ComposeRunner.RunRequest(service: "web")
        request.command = ["echo", "hi"]
        request.remove = true
        let result = try f.runner.run(request)
        #expect(result.status == nil)
        #expect(result.container.name.hasPrefix("drydemo-web-run-"))
        #expect(f.lines.all.contains("DRY-RUN MODE -  Container drydemo-db-1  Started"), "\(f.lines.all)")
        #expect(f.tree() == before, "the dry run wrote under the state root: \(f.tree())")
    }

    /// A one-shot dependency (`service_completed_successfully`) is waited for as it exits; a plain
    /// `service_started` one is not announced, as Docker Compose waits only for the other conditions.
    @Test func upAnnouncesEachConditionsWait() throws {
        let f = try Fixture(
            """
            name: drywait
            services:
              migrate:
                image: registry.invalid/migrate:1
              cache:
                image: registry.invalid/cache:1
              app:
                image: registry.invalid/app:1
                depends_on:
                  migrate:
                    condition: service_completed_successfully
                  cache:
                    condition: service_started
            """)
        let before = f.tree()
        try f.runner.up(ComposeRunner.UpOptions())
        let waits = f.lines.all.filter { $0.hasSuffix("Waiting") || $0.hasSuffix("Exited") || $0.hasSuffix("Healthy") }
        #expect(
            waits == [
                "DRY-RUN MODE -  Container drywait-migrate-1  Waiting",
                "DRY-RUN MODE -  Container drywait-migrate-1  Exited",
            ],
            "\(f.lines.all)")
        let exited = f.lines.all.firstIndex(of: "DRY-RUN MODE -  Container drywait-migrate-1  Exited")
        let appCreating = f.lines.all.firstIndex(of: "DRY-RUN MODE -  Container drywait-app-1  Creating")
        #expect(exited != nil && appCreating != nil && exited! < appCreating!, "\(f.lines.all)")
        #expect(f.tree() == before, "the dry run wrote under the state root: \(f.tree())")
    }
}
