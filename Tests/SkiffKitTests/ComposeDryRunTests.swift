import Foundation
import SkiffImage
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
        // exec, cp, commit and export on a project that is not up fail as the real ones do.
        for args in [
            ["exec", "-d", "web", "true"], ["cp", "web:/etc/hostname", p.root + "/h"], ["commit", "web"],
            ["export", "-o", p.root + "/fs.tar", "web"],
        ] {
            let real = p.compose(args)
            let dry = p.compose(["--dry-run"] + args)
            #expect(real.status != 0 && dry.status == real.status, "\(args): \(real.status) \(dry.status)")
            #expect(dry.err == real.err, "\(args): \(dry.err) vs \(real.err)")
        }
        try "services:\n  web:\n    image: busybox\n    bogus_key: 1\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let real = p.compose("up", "-d")
        let dry = p.compose("--dry-run", "up", "-d")
        #expect(real.status != 0 && dry.status == real.status && dry.err == real.err, "\(dry.err) vs \(real.err)")
        #expect(dry.err.contains("bogus_key"), "\(dry.err)")
        #expect(p.engine.listContainers().isEmpty)
    }

    /// Every regular file and directory under the state root with its size and modification time (the
    /// lock files a read takes left out): a dry run must leave each as it was.
    static func files(_ p: Project) -> [String: String] {
        var out: [String: String] = [:]
        for path in tree(p) {
            var st = stat()
            guard lstat(p.engine.root + "/" + path, &st) == 0 else { continue }
            out[path] = "\(st.st_mode) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
        return out
    }

    /// Issue 14: exec, cp, commit and export under --dry-run check what the real command checks and
    /// change nothing: no process runs in the container, no file is copied either way, no image is
    /// made, no archive written; the state root is the same file for file.
    @Test func execCopyCommitExportChangeNothing() throws {
        let p = try Project(Self.compose)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        let ids = p.engine.listContainers().map(\.id)
        let images = try p.engine.images.list().map(\.references)
        try "from the host\n".write(toFile: p.root + "/in.txt", atomically: true, encoding: .utf8)
        try "untouched\n".write(toFile: p.root + "/kept.txt", atomically: true, encoding: .utf8)
        let before = Self.files(p)

        // exec -d: created and started on paper (Docker Compose's dry-run client), nothing runs.
        let detached = p.compose("--dry-run", "exec", "-d", "web", "touch", "/tmp/ran")
        #expect(detached.status == 0 && detached.out.isEmpty, "\(detached)")
        // An attached exec fails as Docker Compose's dry run does (its client refuses the attach), after
        // the checks: a missing service or a relative -w fails first, as in a real run.
        let attached = p.compose("--dry-run", "exec", "-T", "web", "touch", "/tmp/ran")
        #expect(attached.status == 1, "\(attached)")
        #expect(attached.err == "Error: interactive exec is not supported in dry-run mode\n", "\(attached.err)")
        let nosuch = p.compose("exec", "-d", "nosuch", "true")
        let dryNosuch = p.compose("--dry-run", "exec", "-d", "nosuch", "true")
        #expect(nosuch.status != 0 && dryNosuch.status == nosuch.status && dryNosuch.err == nosuch.err, "\(dryNosuch)")
        let relative = p.compose("--dry-run", "exec", "-T", "-w", "rel", "web", "true")
        #expect(relative.status != 0 && relative.err.contains("must be an absolute path"), "\(relative)")

        // cp into the service's container and out of it: Compose's lines, no file written either side.
        let into = p.compose("--dry-run", "cp", p.root + "/in.txt", "web:/tmp/in.txt")
        #expect(into.status == 0, "\(into.err)")
        #expect(
            into.err
                == "DRY-RUN MODE -  Container drydemo-web-1  Copying\nDRY-RUN MODE -  Container drydemo-web-1  Copied\n",
            "\(into.err)")
        let out = p.compose("--dry-run", "cp", "web:/etc/hostname", p.root + "/hostname")
        #expect(out.status == 0 && out.err.contains("DRY-RUN MODE -  Container drydemo-web-1  Copied\n"), "\(out)")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/hostname"), "cp out of the container wrote")
        let over = p.compose("--dry-run", "cp", "web:/etc/hostname", p.root + "/kept.txt")
        #expect(over.status == 0, "\(over.err)")
        #expect(try String(contentsOfFile: p.root + "/kept.txt", encoding: .utf8) == "untouched\n")
        let whole = p.compose("--dry-run", "cp", "web:/etc/.", p.root + "/etc-copy")
        #expect(whole.status == 0, "\(whole.err)")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/etc-copy"), "cp of a directory made one")
        // What a real cp refuses, the dry one refuses with the same words.
        for args in [
            ["cp", "web:/no/such/file", p.root + "/x"], ["cp", p.root + "/no-such-file", "web:/tmp/"],
            ["cp", p.root + "/in.txt", "web:/no/such/dir/"], ["cp", "web:/etc/hostname", p.root + "/no/dir/x"],
        ] {
            let real = p.compose(args)
            let dry = p.compose(["--dry-run"] + args)
            #expect(real.status != 0 && dry.status == real.status, "\(args): \(real) \(dry)")
            #expect(
                dry.err.replacingOccurrences(of: ComposeDryRun.prefix, with: "") == real.err,
                "\(args): \(dry.err) vs \(real.err)")
        }

        // commit: Committing, Committed, and no image.
        let commit = p.compose("--dry-run", "commit", "web", "drydemo/snapshot:1")
        #expect(commit.status == 0, "\(commit.err)")
        #expect(
            commit.err
                == "DRY-RUN MODE -  Container drydemo-web-1  Committing\nDRY-RUN MODE -  Container drydemo-web-1  Committed\n",
            "\(commit.err)")
        let badName = p.compose("--dry-run", "commit", "web", "Not A Name")
        #expect(badName.status != 0 && badName.err == p.compose("commit", "web", "Not A Name").err, "\(badName)")

        // export: Exporting, Exported, and no archive; a directory that is not there fails as for real.
        let export = p.compose("--dry-run", "export", "-o", p.root + "/fs.tar", "web")
        #expect(export.status == 0, "\(export.err)")
        #expect(export.err.hasSuffix("DRY-RUN MODE -  Container drydemo-web-1  Exported\n"), "\(export.err)")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/fs.tar"), "the dry export wrote an archive")
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: p.root)) ?? []).allSatisfy {
                !$0.hasPrefix(".skiff-export")
            })
        let realMissing = p.compose("export", "-o", p.root + "/no/dir/fs.tar", "web")
        let dryMissing = p.compose("--dry-run", "export", "-o", p.root + "/no/dir/fs.tar", "web")
        #expect(realMissing.status != 0 && dryMissing.status == realMissing.status, "\(dryMissing)")
        #expect(dryMissing.err == realMissing.err, "\(dryMissing.err) vs \(realMissing.err)")

        #expect(Self.files(p) == before, "the dry runs changed the state root")
        #expect(try p.engine.images.list().map(\.references) == images, "an image was made")
        #expect(p.compose("exec", "-T", "web", "test", "-e", "/tmp/ran").status == 1, "the dry exec ran")
        #expect(p.compose("exec", "-T", "web", "test", "-e", "/tmp/in.txt").status == 1, "cp into it wrote")
        #expect(p.engine.listContainers().map(\.id).sorted() == ids.sorted())
        #expect(p.compose("down", "-v").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// A registry on 127.0.0.1 that only listens: whether anything connected to it.
    final class SilentRegistry {
        let fd: Int32
        let port: UInt16

        init() throws {
            port = FreePort.next()
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = port.bigEndian
            let bound = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            try #require(bound && listen(fd, 16) == 0, "cannot listen on 127.0.0.1:\(port)")
        }

        /// A connection waits to be accepted.
        var contacted: Bool {
            let c = accept(fd, nil, nil)
            if c >= 0 { close(c) }
            return c >= 0
        }

        deinit { close(fd) }
    }

    /// Issue 14: push and build --push under --dry-run print the push lines a real run prints and reach
    /// no registry; a tag with no image here fails as the real push does.
    @Test func pushAndBuildPushContactNoRegistry() throws {
        let registry = try SilentRegistry()
        let image = "127.0.0.1:\(registry.port)/drydemo/app:1"
        let p = try Project(
            """
            name: drypush
            services:
              app:
                build: .
                image: \(image)
              cache:
                image: busybox
            """)
        defer { p.cleanUp() }
        try "FROM busybox\nRUN touch /built\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        let images = try p.engine.images.list().map(\.references)

        // No image of that name yet: the real push and the dry one fail alike.
        let real = p.compose("push", "app")
        let before = Self.files(p)
        let missing = p.compose("--dry-run", "push", "app")
        #expect(real.status != 0 && missing.status == real.status, "\(missing)")
        #expect(missing.err.contains("Error: pushing \(image) (service app)"), "\(missing.err)")

        // build --push: built on paper, pushed on paper.
        let buildPush = p.compose("--dry-run", "build", "--push")
        #expect(buildPush.status == 0, "\(buildPush.err)")
        for line in [
            "DRY-RUN MODE -  Service app  Built", "DRY-RUN MODE -  app Pushing \(image)",
            "DRY-RUN MODE -  app Pushed \(image)",
        ] {
            #expect(buildPush.err.contains(line + "\n"), "missing \(line) in \(buildPush.err)")
        }
        #expect(try p.engine.images.list().map(\.references) == images, "the dry build made an image")
        #expect(Self.files(p) == before, "the dry runs changed the state root")

        // With the image here, push: every service's line, the one without build skipped.
        let busybox = try p.engine.images.resolve("busybox")
        try p.engine.images.tag(ImageReference(parsing: image), manifest: busybox.manifestDigest)
        let push = p.compose("--dry-run", "push")
        #expect(push.status == 0, "\(push.err)")
        #expect(
            push.err
                == "DRY-RUN MODE -  app Pushing \(image)\nDRY-RUN MODE -  app Pushed \(image)\nDRY-RUN MODE -  cache Skipped\n",
            "\(push.err)")
        #expect(!registry.contacted, "a dry run connected to the registry")
    }

    /// Issue 14: `watch` under --dry-run watches as the real one does (until Ctrl-C, as Docker Compose's,
    /// whose dry run fakes only the engine calls) and reports each sync, copying nothing.
    @Test func watchReportsSyncsAndCopiesNothing() throws {
        let p = try Project(
            """
            name: drywatch
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                develop:
                  watch:
                    - action: sync
                      path: ./src
                      target: /app/src
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/src", withIntermediateDirectories: true)
        #expect(p.compose("up", "-d").status == 0)
        let ids = p.engine.listContainers().map(\.id)
        let watch = ComposeDevelopWatchTests.Watcher(p, [], global: ["--dry-run"])
        #expect(Poll.until(30) { watch.err.contains("Watch enabled") }, "\(watch.err)")
        #expect(watch.err.contains("DRY-RUN MODE -  Container drywatch-app-1  Running\n"), "\(watch.err)")
        try "one\n".write(toFile: p.dir + "/src/a.txt", atomically: true, encoding: .utf8)
        #expect(
            Poll.until(20) {
                watch.err.contains("DRY-RUN MODE - Syncing service \"app\" after 1 changes were detected")
            },
            "\(watch.err)")
        #expect(watch.interrupt() == 130, "\(watch.err)")
        #expect(p.compose("exec", "-T", "app", "test", "-e", "/app/src/a.txt").status == 1, "the dry watch synced")
        #expect(p.engine.listContainers().map(\.id) == ids)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// Issue 14: `up --dry-run` on a running project whose db changed: db recreated on paper, web (which
    /// depends on it with `restart: true`) stopped and started again, as the real run does; the wait for
    /// a healthy db announced and met. Nothing changes.
    @Test func upRestartsRestartDependentsAndWaitsOnPaper() throws {
        func file(_ value: String) -> String {
            """
            name: dryrestart
            services:
              db:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
                environment: {VERSION: "\(value)"}
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 1s
                  start_interval: 1s
              web:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
                depends_on:
                  db:
                    condition: service_healthy
                    restart: true
            """
        }
        let p = try Project(file("1"))
        defer { p.cleanUp() }
        let up = p.compose("up", "-d")
        #expect(up.status == 0, "\(up.err)")
        let ids = p.engine.listContainers().map(\.id).sorted()
        try file("2").write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let before = Self.files(p)
        let dry = p.compose("--dry-run", "up", "-d")
        #expect(dry.status == 0, "\(dry.err)")
        let lines = dry.err.split(separator: "\n").map { String($0.dropFirst(ComposeDryRun.prefix.count)) }
        #expect(
            lines == [
                " Container dryrestart-web-1  Stopping", " Container dryrestart-web-1  Stopped",
                " Container dryrestart-db-1  Recreate", " Container dryrestart-db-1  Stopping",
                " Container dryrestart-db-1  Stopped", " Container dryrestart-db-1  Removing",
                " Container dryrestart-db-1  Removed", " Container dryrestart-db-1  Creating",
                " Container dryrestart-db-1  Created", " Container dryrestart-db-1  Starting",
                " Container dryrestart-db-1  Started", " Container dryrestart-db-1  Waiting",
                " Container dryrestart-db-1  Healthy", " Container dryrestart-web-1  Starting",
                " Container dryrestart-web-1  Started",
            ], "\(dry.err)")
        #expect(Self.files(p) == before, "the dry run changed the state root")
        #expect(p.engine.listContainers().map(\.id).sorted() == ids)
        #expect(
            p.compose("ps", "--format", "{{.Name}} {{.State}}").out
                == "dryrestart-db-1 running\ndryrestart-web-1 running\n")
        // The real run makes the same steps.
        let real = p.compose("up", "-d")
        #expect(real.status == 0, "\(real.err)")
        #expect(real.err.split(separator: "\n").map(String.init) == lines, "\(real.err)")
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
