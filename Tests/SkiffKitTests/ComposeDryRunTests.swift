import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `skiff compose --dry-run COMMAND`, driven as a user would. The dry run prints the real run's
/// progress lines with Docker Compose's `DRY-RUN MODE - ` prefix and changes nothing: no container,
/// network or volume appears, a running project keeps running, `run` starts nothing, the state root is
/// the same file for file; a bad file or service fails as a real run does.
@Suite(
    "compose --dry-run",
    .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeDryRunTests {
    typealias Project = ComposeEndToEndTests.Project

    static let compose = """
        name: drydemo
        services:
          db:
            image: busybox
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
            volumes: ["data:/data"]
          web:
            image: busybox
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
            depends_on: [db]
            networks: [default, back]
        networks:
          back:
        volumes:
          data:
        """

    /// Every path under the state root but the lock files a read takes (the image fixture included).
    static func tree(_ p: Project) -> [String] {
        (FileManager.default.enumerator(atPath: p.engine.root)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix(".lock") }.sorted()
    }

    @Test func upPrintsThePlanAndMakesNothing() throws {
        let p = try Project(Self.compose)
        defer { p.cleanUp() }
        let before = Self.tree(p)
        let dry = p.compose("--dry-run", "up", "-d")
        #expect(dry.status == 0, "\(dry.err)")
        // (Before anything reads the networks: the first read sets up the default bridge's record.)
        #expect(Self.tree(p) == before, "the dry run wrote under the state root")
        for line in [
            "DRY-RUN MODE -  Volume drydemo_data  Creating", "DRY-RUN MODE -  Volume drydemo_data  Created",
            "DRY-RUN MODE -  Network drydemo_default  Creating", "DRY-RUN MODE -  Network drydemo_back  Created",
            "DRY-RUN MODE -  Container drydemo-db-1  Creating", "DRY-RUN MODE -  Container drydemo-db-1  Created",
            "DRY-RUN MODE -  Container drydemo-db-1  Starting", "DRY-RUN MODE -  Container drydemo-db-1  Started",
            "DRY-RUN MODE -  Container drydemo-web-1  Started",
        ] {
            #expect(dry.err.contains(line + "\n"), "missing \(line) in \(dry.err)")
        }
        // Every progress line has the prefix; db's before web's, as the real run orders them.
        let lines = dry.err.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.hasPrefix("DRY-RUN MODE - ") }, "\(dry.err)")
        let dbStarted = lines.firstIndex(of: "DRY-RUN MODE -  Container drydemo-db-1  Started")
        let webCreating = lines.firstIndex(of: "DRY-RUN MODE -  Container drydemo-web-1  Creating")
        #expect(dbStarted != nil && webCreating != nil && dbStarted! < webCreating!, "\(dry.err)")

        #expect(p.compose("ps", "-a", "-q").out == "")
        #expect(p.engine.listContainers().isEmpty)
        #expect(try p.engine.listNetworks().filter { $0.name.hasPrefix("drydemo") }.isEmpty)
        #expect(p.engine.listVolumes().isEmpty)

        // The real run prints the same lines, unprefixed.
        let real = p.compose("up", "-d")
        #expect(real.status == 0, "\(real.err)")
        let realLines = real.err.split(separator: "\n").map(String.init)
        #expect(realLines == lines.map { String($0.dropFirst(ComposeDryRun.prefix.count)) }, "\(real.err)")
        #expect(p.compose("down", "-v").status == 0)
        p.checkNothingLeft(ids: [])
    }

    @Test func downOnARunningProjectLeavesItRunning() throws {
        let p = try Project(Self.compose)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        let ids = p.engine.listContainers().map(\.id)
        let dry = p.compose("--dry-run", "down", "-v")
        #expect(dry.status == 0, "\(dry.err)")
        for line in [
            "DRY-RUN MODE -  Container drydemo-web-1  Stopping", "DRY-RUN MODE -  Container drydemo-web-1  Removed",
            "DRY-RUN MODE -  Container drydemo-db-1  Stopped", "DRY-RUN MODE -  Network drydemo_back  Removing",
            "DRY-RUN MODE -  Volume drydemo_data  Removed",
        ] {
            #expect(dry.err.contains(line + "\n"), "missing \(line) in \(dry.err)")
        }
        #expect(
            p.compose("ps", "--format", "{{.Name}} {{.State}}").out == "drydemo-db-1 running\ndrydemo-web-1 running\n")
        #expect(try p.engine.listNetworks().filter { $0.name.hasPrefix("drydemo") }.count == 2)
        #expect(p.engine.listVolumes().map(\.Name) == ["drydemo_data"])
        // stop, kill and pause in a dry run leave it running too.
        for command in [["stop"], ["kill"], ["pause"], ["restart"], ["rm", "-s", "-f"]] {
            let r = p.compose(["--dry-run"] + command)
            #expect(r.status == 0, "\(command): \(r.err)")
        }
        #expect(
            p.compose("ps", "--format", "{{.Name}} {{.State}}").out == "drydemo-db-1 running\ndrydemo-web-1 running\n")
        // restart: the stop and the start the real one would make, each container once.
        let restart = p.compose("--dry-run", "restart", "web")
        let expected = ["Stopping", "Stopped", "Starting", "Started"].map {
            "DRY-RUN MODE -  Container drydemo-web-1  \($0)\n"
        }
        #expect(restart.status == 0 && restart.err == expected.joined(), "\(restart.err)")
        #expect(p.engine.listContainers().map(\.id).sorted() == ids.sorted(), "a container was recreated")
        #expect(
            p.compose("ps", "--format", "{{.Name}} {{.State}}").out == "drydemo-db-1 running\ndrydemo-web-1 running\n")
        #expect(p.compose("down", "-v").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func runStartsNothing() throws {
        let p = try Project(Self.compose)
        defer { p.cleanUp() }
        let before = Self.tree(p)
        let dry = p.compose("--dry-run", "run", "--rm", "web", "echo", "hi")
        #expect(dry.status == 0, "\(dry.err)")
        #expect(!dry.out.contains("hi"), "\(dry.out)")
        #expect(dry.err.contains("DRY-RUN MODE -  Container drydemo-db-1  Started\n"), "\(dry.err)")
        #expect(p.engine.listContainers().isEmpty)
        #expect(Self.tree(p) == before, "the dry run wrote under the state root")
        p.checkNothingLeft(ids: [])
    }

    @Test func badInputFailsAsARealRunDoes() throws {
        let p = try Project(Self.compose)
        defer { p.cleanUp() }
        for args in [["up", "-d", "nosuch"], ["run", "nosuch"], ["stop", "nosuch"]] {
            let real = p.compose(args)
            let dry = p.compose(["--dry-run"] + args)
            #expect(real.status != 0 && dry.status == real.status, "\(args): \(real.status) \(dry.status)")
            #expect(dry.err == real.err, "\(args): \(dry.err) vs \(real.err)")
        }
        // A command that would act inside its containers refuses the dry run rather than act.
        let exec = p.compose("--dry-run", "exec", "web", "true")
        #expect(exec.status == 1 && exec.err.contains("--dry-run"), "\(exec.err)")
        try "services:\n  web:\n    image: busybox\n    bogus_key: 1\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let real = p.compose("up", "-d")
        let dry = p.compose("--dry-run", "up", "-d")
        #expect(real.status != 0 && dry.status == real.status && dry.err == real.err, "\(dry.err) vs \(real.err)")
        #expect(dry.err.contains("bogus_key"), "\(dry.err)")
        #expect(p.engine.listContainers().isEmpty)
    }
}
