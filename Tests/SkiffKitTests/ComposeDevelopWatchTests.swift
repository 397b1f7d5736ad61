import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// Real compose files with `develop:` and `extends:` work unchanged: `up` ignores `develop` (Docker
/// Compose does), `compose watch` syncs changed files into the running container (and removes deleted
/// ones, leaves ignored ones), runs a sync+exec rule's command, and rebuilds and recreates on a rebuild
/// rule; an `extends`ed service runs with the merged settings.
@Suite(
    "compose develop (watch) and extends", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeDevelopWatchTests {
    typealias Project = ComposeEndToEndTests.Project

    /// `skiff compose watch ARGS` in the background, its stderr in a file.
    final class Watcher {
        let process: Process
        let errPath: String

        /// `global`: flags before `watch` (`--dry-run`).
        init(_ p: Project, _ args: [String], global: [String] = []) {
            errPath = p.root + "/.watch-err"
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: Engine.skiffPath)
            process.arguments = ["compose"] + global + ["watch"] + args
            process.currentDirectoryURL = URL(fileURLWithPath: p.dir)
            var env = ProcessInfo.processInfo.environment
            env["SKIFF_ROOT"] = p.engine.root
            process.environment = env
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: errPath)!
            process.standardInput = FileHandle.nullDevice
            try! process.run()
        }

        var err: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// SIGINT, as Ctrl-C; the exit status.
        func interrupt() -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func upIgnoresDevelopAndWatchSyncs() throws {
        let p = try Project(
            """
            name: cmpwatch
            services:
              app:
                extends:
                  file: common/base.yml
                  service: sleeper
                develop:
                  watch:
                    - action: sync
                      path: ./src
                      target: /app/src
                      ignore: ["*.tmp"]
                    - action: sync+exec
                      path: ./conf
                      target: /etc/appconf
                      exec:
                        command: ["sh", "-c", "cat /etc/appconf/c.conf >> /tmp/reloads"]
            """)
        defer { p.cleanUp() }
        try Self.write(
            """
            services:
              sleeper:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                environment: {FROM_BASE: "yes"}
            """, p.dir + "/common/base.yml")
        try Self.write("first\n", p.dir + "/src/keep.txt")
        try FileManager.default.createDirectory(atPath: p.dir + "/conf", withIntermediateDirectories: true)
        let up = p.compose("up", "-d")
        try #require(up.status == 0, "\(up.err)")
        let env = p.compose("exec", "-T", "app", "sh", "-c", "echo $FROM_BASE")
        #expect(env.out == "yes\n", "\(env.err)")
        let id = try #require(p.container("cmpwatch-app-1")).id

        let watch = Watcher(p, ["--no-up"])
        #expect(Poll.until(30) { watch.err.contains("Watch enabled") }, "\(watch.err)")
        func cat(_ path: String) -> String { p.compose("exec", "-T", "app", "cat", path).out }

        try Self.write("one\n", p.dir + "/src/a.txt")
        try Self.write("nested\n", p.dir + "/src/sub/dir/b.txt")
        try Self.write("scratch\n", p.dir + "/src/x.tmp")
        #expect(Poll.until(20) { cat("/app/src/a.txt") == "one\n" }, "\(watch.err)")
        #expect(Poll.until(20) { cat("/app/src/sub/dir/b.txt") == "nested\n" }, "\(watch.err)")
        #expect(
            p.compose("exec", "-T", "app", "test", "-e", "/app/src/x.tmp").status != 0, "an ignored file was synced")
        try Self.write("two\n", p.dir + "/src/a.txt")
        #expect(Poll.until(20) { cat("/app/src/a.txt") == "two\n" }, "\(watch.err)")
        try FileManager.default.removeItem(atPath: p.dir + "/src/sub")
        #expect(
            Poll.until(20) { p.compose("exec", "-T", "app", "test", "-e", "/app/src/sub").status != 0 }, "\(watch.err)")
        #expect(watch.err.contains("Syncing service \"app\" after"), "\(watch.err)")

        // A link the container makes where a synced directory goes stays inside the container: the
        // host directory it names is never written, and the watch goes on.
        let outside = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-compat-escape-")
        defer { FileIO.removeTree(outside) }
        #expect(p.compose("exec", "-T", "app", "ln", "-s", outside, "/app/src/out").status == 0)
        #expect(p.compose("exec", "-T", "app", "ln", "-s", "../../../../../../" + outside, "/app/src/rel").status == 0)
        try Self.write("escaped\n", p.dir + "/src/out/x.txt")
        try Self.write("escaped\n", p.dir + "/src/rel/x.txt")
        try Self.write("after\n", p.dir + "/src/after.txt")
        #expect(Poll.until(20) { cat("/app/src/after.txt") == "after\n" }, "\(watch.err)")
        #expect(
            (try? FileManager.default.contentsOfDirectory(atPath: outside)) == [], "a sync wrote outside the container")

        try Self.write("reload-1\n", p.dir + "/conf/c.conf")
        #expect(Poll.until(20) { cat("/tmp/reloads") == "reload-1\n" }, "\(watch.err)")
        #expect(cat("/etc/appconf/c.conf") == "reload-1\n")

        // Ctrl-C ends the watch (130, as Docker Compose); the container was never recreated and runs on.
        #expect(watch.interrupt() == 130, "\(watch.err)")
        #expect(p.container("cmpwatch-app-1")?.id == id && p.container("cmpwatch-app-1")?.status == .running)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: [id])
    }

    @Test func watchRebuildsAndRecreates() throws {
        let p = try Project(
            """
            name: cmprebuild
            services:
              web:
                build: .
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                develop:
                  watch:
                    - action: rebuild
                      path: version.txt
            """)
        defer { p.cleanUp() }
        try Self.write("FROM busybox\nCOPY version.txt /version.txt\n", p.dir + "/Dockerfile")
        try Self.write("v1\n", p.dir + "/version.txt")
        let watch = Watcher(p, [])
        defer { _ = watch.interrupt() }
        #expect(Poll.until(60) { watch.err.contains("Watch enabled") }, "\(watch.err)")
        #expect(p.compose("exec", "-T", "web", "cat", "/version.txt").out == "v1\n")
        let first = p.container("cmprebuild-web-1")?.id
        try Self.write("v2\n", p.dir + "/version.txt")
        #expect(
            Poll.until(60) { p.compose("exec", "-T", "web", "cat", "/version.txt").out == "v2\n" }, "\(watch.err)")
        #expect(p.container("cmprebuild-web-1")?.id != first)
        #expect(watch.err.contains("Rebuilding service \"web\""), "\(watch.err)")
        #expect(watch.interrupt() == 130)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func watchWithoutDevelopIsRefused() throws {
        let p = try Project("services:\n  app:\n    image: busybox\n")
        defer { p.cleanUp() }
        let r = p.compose("watch", "--no-up")
        #expect(r.status == 1 && r.err.contains("none of the selected services is configured for watch"), "\(r.err)")
    }
}
