import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `compose up`'s flags as Docker Compose has them, driving the CLI: the abort flags and their
/// exit codes (the CI idiom `up --exit-code-from tests`), which services are attached, the log format
/// flags, --always-recreate-deps, --no-build, --pull and --quiet-pull, and the refused combinations.
@Suite(
    "Compose up flags",
    .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeUpFlagsEndToEndTests {
    typealias Project = ComposeEndToEndTests.Project

    static let abortProject = """
        name: s14abort
        services:
          fail:
            image: busybox
            command: ["sh", "-c", "echo failing; sleep 0.5; exit 3"]
          sleep:
            image: busybox
            # PID 1 ignores SIGTERM: the stop kills it after the grace period, 137.
            command: ["sleep", "1000"]
            stop_grace_period: 1s
        """

    @Test func abortOnContainerExitAndExitCodeFrom() throws {
        let p = try Project(Self.abortProject)
        defer { p.cleanUp() }
        // Without the flag `up` would follow `sleep` for 1000 s (the helper gives up at 60 s).
        let abort = p.compose("up", "--abort-on-container-exit", timeout: 60)
        #expect(abort.status == 3, "\(abort)")
        #expect(abort.out.contains("s14abort-fail-1 exited with code 3"), "\(abort.out)")
        #expect(abort.err.contains("Aborting on container exit..."), "\(abort.err)")
        // The stop the abort makes is not reported as an exit.
        #expect(!abort.out.contains("s14abort-sleep-1 exited"), "\(abort.out)")
        #expect(p.engine.listContainers().allSatisfy { $0.status == .exited })

        let from = p.compose("up", "--exit-code-from", "sleep", timeout: 60)
        #expect(from.status == 137, "\(from)")
        #expect(p.engine.listContainers().allSatisfy { $0.status == .exited })

        let unknown = p.compose("up", "--exit-code-from", "nope")
        #expect(unknown.status == 1 && unknown.err.contains("no such service: nope"), "\(unknown)")

        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func abortOnContainerFailure() throws {
        let p = try Project(
            """
            name: s14fail
            services:
              ok:
                image: busybox
                command: ["sh", "-c", "exit 0"]
              bad:
                image: busybox
                command: ["sh", "-c", "sleep 1; exit 5"]
              long:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "--abort-on-container-failure", timeout: 60)
        // ok's exit 0 did not abort; bad's 5 did, and is up's code.
        #expect(up.status == 5, "\(up)")
        #expect(up.out.contains("s14fail-ok-1 exited with code 0"), "\(up.out)")
        #expect(up.out.contains("s14fail-bad-1 exited with code 5"), "\(up.out)")
        #expect(up.err.contains("Aborting on container exit..."), "\(up.err)")
        #expect(p.container("s14fail-long-1")?.status == .exited)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func attachNoAttachAndAttachDependencies() throws {
        let p = try Project(
            """
            name: s14attach
            services:
              db:
                image: busybox
                command: ["sh", "-c", "echo db-line; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
              web:
                image: busybox
                command: ["sh", "-c", "echo web-line; sleep 1; exit 4"]
                depends_on: [db]
            """)
        defer { p.cleanUp() }
        // `up web`: web attached, db started but not shown; the abort stops both.
        let named = p.compose("up", "--exit-code-from", "web", "web", timeout: 60)
        #expect(named.status == 4, "\(named)")
        #expect(named.out.contains("web-1  | web-line") && !named.out.contains("db-line"), "\(named.out)")
        #expect(p.container("s14attach-db-1")?.status == .exited)

        let deps = p.compose("up", "--exit-code-from", "web", "--attach-dependencies", "web", timeout: 60)
        #expect(deps.status == 4, "\(deps)")
        #expect(deps.out.contains("db-1   | db-line") && deps.out.contains("web-line"), "\(deps.out)")

        let noAttach = p.compose("up", "--exit-code-from", "web", "--no-attach", "db", timeout: 60)
        #expect(noAttach.status == 4, "\(noAttach)")
        #expect(noAttach.out.contains("web-line") && !noAttach.out.contains("db-line"), "\(noAttach.out)")
        #expect(p.container("s14attach-db-1")?.status == .exited)

        let attach = p.compose("up", "--exit-code-from", "web", "--attach", "web", timeout: 60)
        #expect(attach.status == 4, "\(attach)")
        #expect(attach.out.contains("web-line") && !attach.out.contains("db-line"), "\(attach.out)")

        let outside = p.compose("up", "--attach", "db", "--no-deps", "web")
        #expect(outside.status == 1 && outside.err.contains("cannot attach to services not included in up: db"))
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func refusedCombinations() throws {
        let p = try Project(Self.abortProject)
        defer { p.cleanUp() }
        let detach = p.compose("up", "-d", "--abort-on-container-exit")
        #expect(detach.status == 1, "\(detach)")
        #expect(
            detach.err
                == "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch\n"
        )
        let wait = p.compose("up", "--wait", "--exit-code-from", "fail")
        #expect(wait.status == 1 && wait.err.hasPrefix("--wait cannot be combined"), "\(wait)")
        let both = p.compose("up", "--abort-on-container-exit", "--abort-on-container-failure")
        #expect(both.status == 1 && both.err.contains("cannot be combined"), "\(both)")
        let build = p.compose("up", "--build", "--no-build")
        #expect(build.status == 1 && build.err == "--build and --no-build are incompatible\n", "\(build)")
        let deps = p.compose("up", "--always-recreate-deps", "--no-recreate")
        #expect(deps.status == 1 && deps.err.contains("--always-recreate-deps and --no-recreate"), "\(deps)")
        let pull = p.compose("up", "--pull", "sometimes")
        #expect(pull.status == 1 && pull.err.contains("invalid --pull option \"sometimes\""), "\(pull)")
        #expect(p.engine.listContainers().isEmpty)
    }

    @Test func logPrefixTimestampsAndColor() throws {
        let p = try Project(
            """
            name: s14logs
            services:
              say:
                image: busybox
                command: ["sh", "-c", "echo hello there"]
            """)
        defer { p.cleanUp() }
        let bare = p.compose("up", "--no-log-prefix")
        #expect(bare.status == 0 && bare.out.split(separator: "\n").contains("hello there"), "\(bare)")
        let stamped = p.compose("up", "--timestamps")
        let line = stamped.out.split(separator: "\n").first { $0.hasSuffix("hello there") }.map(String.init) ?? ""
        // say-1  | 2026-12-04T21:40:01.123456789Z hello there
        #expect(
            line.range(of: #"^say-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ ]* hello there$"#, options: .regularExpression)
                != nil, "\(stamped.out)")
        // Colors only on a terminal: `script` gives skiff one.
        func throughTerminal(_ flags: String) -> String {
            let out = p.root + "/typescript"
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            proc.arguments = ["-qec", "\(Engine.skiffPath) compose up \(flags)", out]
            proc.currentDirectoryURL = URL(fileURLWithPath: p.dir)
            var env = ProcessInfo.processInfo.environment
            env["SKIFF_ROOT"] = p.engine.root
            proc.environment = env
            proc.standardInput = FileHandle.nullDevice
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            try? proc.run()
            proc.waitUntilExit()
            return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }
        let colored = throughTerminal("")
        #expect(colored.contains("\u{1b}[36msay-1  |\u{1b}[0m hello there"), "\(colored.debugDescription)")
        let plain = throughTerminal("--no-color")
        #expect(plain.contains("say-1  | hello there") && !plain.contains("\u{1b}["), "\(plain.debugDescription)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func alwaysRecreateDeps() throws {
        let p = try Project(
            """
            name: s14deps
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
                depends_on: [db]
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d", "-y", "web").status == 0)
        let db1 = p.container("s14deps-db-1")?.id
        let web1 = p.container("s14deps-web-1")?.id
        // --force-recreate recreates the named service only, as Compose's.
        #expect(p.compose("up", "-d", "--force-recreate", "web").status == 0)
        #expect(p.container("s14deps-db-1")?.id == db1)
        #expect(p.container("s14deps-web-1")?.id != web1)
        let web2 = p.container("s14deps-web-1")?.id
        let again = p.compose("up", "-d", "--always-recreate-deps", "web")
        #expect(again.status == 0, "\(again)")
        #expect(p.container("s14deps-db-1")?.id != db1)
        #expect(p.container("s14deps-web-1")?.id == web2)
        #expect(p.container("s14deps-db-1")?.status == .running)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func noBuildAndPullPolicies() throws {
        let nowhere = "127.0.0.1:\(FreePort.next())"
        let p = try Project(
            """
            name: s14pull
            services:
              built:
                build: .
                command: ["sleep", "1000"]
              here:
                image: \(nowhere)/s14/here:1
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        try "FROM busybox\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        let busybox = try p.engine.images.resolve("busybox")
        try p.engine.images.tag(ImageReference(parsing: "\(nowhere)/s14/here:1"), manifest: busybox.manifestDigest)
        // --no-build: the missing image is not built.
        let noBuild = p.compose("up", "-d", "--no-build", "built")
        #expect(noBuild.status != 0 && noBuild.err.contains("s14pull-built"), "\(noBuild)")
        #expect((try? p.engine.images.resolve("s14pull-built")) == nil)
        // --pull always: the image here is pulled again (from a registry that is not there).
        let always = p.compose("up", "-d", "--pull", "always", "here")
        #expect(always.status != 0 && always.err.contains("pull access for \(nowhere)/s14/here:1"), "\(always)")
        #expect(p.compose("up", "-d", "here").status == 0)
        // --pull never: a missing image is an error, no pull is tried.
        #expect(p.compose("down").status == 0)
        _ = try p.engine.images.untag(ImageReference(parsing: "\(nowhere)/s14/here:1"))
        let never = p.compose("up", "-d", "--pull", "never", "here")
        #expect(never.status != 0 && never.err.contains("pull_policy is never"), "\(never)")
        // compose create takes the same flags.
        let createNever = p.compose("create", "-y", "--pull", "never", "here")
        #expect(createNever.status != 0 && createNever.err.contains("pull_policy is never"), "\(createNever)")
        let createNoBuild = p.compose("create", "--no-build", "--quiet-pull", "built")
        #expect(createNoBuild.status != 0 && createNoBuild.err.contains("s14pull-built"), "\(createNoBuild)")
        let createBoth = p.compose("create", "--build", "--no-build")
        #expect(createBoth.status == 1 && createBoth.err == "--build and --no-build are incompatible\n")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func quietPull() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let image = "\(registry.host)/s14/quiet:1"
        let p = try Project(
            """
            name: s14quiet
            services:
              app:
                image: \(image)
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        let busybox = try p.engine.images.resolve("busybox")
        try p.engine.images.tag(ImageReference(parsing: image), manifest: busybox.manifestDigest)
        #expect(Self.skiff(p, "push", image) == 0)
        _ = try p.engine.images.untag(ImageReference(parsing: image))
        let loud = p.compose("up", "-d", "--pull", "always")
        #expect(loud.status == 0 && loud.err.contains("resolved to"), "\(loud)")
        #expect(p.compose("down").status == 0)
        let quiet = p.compose("up", "-d", "--pull", "always", "--quiet-pull")
        #expect(quiet.status == 0, "\(quiet)")
        #expect(quiet.err.contains("app Pulled") && !quiet.err.contains("resolved to"), "\(quiet.err)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// `skiff ARGS` in the project's root; its exit status.
    static func skiff(_ p: Project, _ args: String...) -> Int32 {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        proc.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        proc.environment = env
        proc.standardInput = FileHandle.nullDevice
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = FileHandle.nullDevice
        guard (try? proc.run()) != nil else { return -1 }
        proc.waitUntilExit()
        return proc.terminationStatus
    }
}
