import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: what `docker compose` has that `skiff compose` lacked — config's --variables,
/// --environment, --no-interpolate, --no-path-resolution, --no-normalize, --no-consistency and
/// services; run's and exec's stdin (`-i`, on by default, `-i=false` off); export, commit, volumes.
@Suite(
    "Compose command-line gaps",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeCLIGapsTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func configVariablesEnvironmentAndUnresolvedModels() throws {
        let p = try Project(
            """
            name: s14vars
            services:
              web:
                image: "busybox:${TAG:-1.36}"
                command: ["echo", "$$HOME", "${GREETING?say hi}"]
                build:
                  context: ./app
                volumes:
                  - ./data:/data
                  - cache:/cache
                environment:
                  MODE: ${MODE:+set}
                  FROM_ENV_FILE: overridden
                env_file: web.env
                depends_on: [db]
              db:
                image: busybox
              other:
                image: busybox
            volumes:
              cache: {}
              unused: {}
            networks:
              lonely: {}
            """)
        defer { p.cleanUp() }
        try "GREETING=hello\n".write(toFile: p.dir + "/.env", atomically: true, encoding: .utf8)
        try "FROM_ENV_FILE=file\nONLY_IN_FILE=1\nGREETING\n".write(
            toFile: p.dir + "/web.env", atomically: true, encoding: .utf8)

        let table = p.compose("config", "--variables")
        #expect(table.status == 0, "\(table)")
        #expect(
            table.out == """
                NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE
                GREETING            true                                    
                MODE                false                                   set
                TAG                 false               1.36                

                """, "\(table.out)")
        let json = p.compose("config", "--variables", "--format", "json")
        let variables = try #require(
            try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: [String: Any]], "\(json)")
        #expect(variables["TAG"]?["DefaultValue"] as? String == "1.36")
        #expect(variables["GREETING"]?["Required"] as? Bool == true)

        // The environment interpolation reads: .env under the caller's.
        let env = p.compose("config", "--environment", env: ["S14_CALLER": "yes", "GREETING": "from-caller"])
        #expect(env.status == 0, "\(env)")
        let lines = env.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("S14_CALLER=yes") && lines.contains("GREETING=from-caller"), "\(env.out)")
        #expect(lines == lines.sorted())

        // --no-interpolate: the file as merged, every expression and $$ as written.
        let raw = p.compose("config", "--no-interpolate")
        #expect(raw.status == 0, "\(raw)")
        #expect(raw.out.contains("busybox:${TAG:-1.36}") && raw.out.contains("$$HOME"), "\(raw.out)")
        #expect(raw.out.contains("${MODE:+set}") && raw.out.contains("${GREETING?say hi}"))
        // Without it a required variable that is unset is an error, with it not.
        try FileManager.default.removeItem(atPath: p.dir + "/.env")
        let required = p.compose("config")
        #expect(required.status == 1 && required.err.contains("GREETING"), "\(required)")
        #expect(p.compose("config", "--no-interpolate").status == 0)
        try "GREETING=hello\n".write(toFile: p.dir + "/.env", atomically: true, encoding: .utf8)

        // Resolved, normalized (the default) against as written.
        let full = p.compose("config")
        #expect(full.status == 0, "\(full)")
        #expect(full.out.contains("source: \(p.dir)/data") && full.out.contains("context: \(p.dir)/app"))
        #expect(full.out.contains("name: s14vars_cache") && full.out.contains("default: null"), "\(full.out)")
        #expect(full.out.contains("MODE: \"\""), "an empty string stays a string: \(full.out)")
        // The env file resolved into the environment (environment: wins; a name alone takes the
        // variable), as the container gets it; --no-env-resolution keeps env_file.
        #expect(full.out.contains("ONLY_IN_FILE: 1") && full.out.contains("FROM_ENV_FILE: overridden"))
        #expect(full.out.contains("GREETING: hello") && !full.out.contains("env_file"), "\(full.out)")
        let unresolved = p.compose("config", "--no-env-resolution")
        #expect(unresolved.out.contains("env_file") && !unresolved.out.contains("ONLY_IN_FILE"), "\(unresolved)")
        let relative = p.compose("config", "--no-path-resolution")
        #expect(relative.out.contains("source: ./data") && relative.out.contains("context: ./app"), "\(relative)")
        let plain = p.compose("config", "--no-normalize")
        #expect(plain.status == 0, "\(plain)")
        #expect(!plain.out.contains("s14vars_cache") && !plain.out.contains("networks:"), "\(plain.out)")
        #expect(!plain.out.contains("dockerfile:") && full.out.contains("dockerfile: Dockerfile"))

        // What no service uses is left out, unless --all-resources.
        #expect(p.compose("config", "--volumes").out == "cache\n")
        #expect(!full.out.contains("unused") && !full.out.contains("lonely"))
        let everything = p.compose("--all-resources", "config")
        #expect(everything.out.contains("unused:") && everything.out.contains("lonely:"), "\(everything)")
        #expect(p.compose("--all-resources", "config", "--volumes").out == "cache\nunused\n")

        // SERVICE…: those and what they depend on.
        // Compose's order: by name, each after what it depends on.
        #expect(p.compose("config", "--services", "web").out == "db\nweb\n")
        #expect(p.compose("config", "--services").out == "db\nother\nweb\n")
        let only = p.compose("config", "other")
        #expect(only.status == 0 && only.out.contains("other:") && !only.out.contains("web:"), "\(only)")
        #expect(p.compose("config", "nope").status == 1)

        // -q: nothing printed; a broken model still fails.
        let quiet = p.compose("config", "-q")
        #expect(quiet.status == 0 && quiet.out.isEmpty, "\(quiet)")
        try """
        services:
          web:
            image: busybox
            volumes: ["undeclared:/data"]
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let inconsistent = p.compose("config", "-q")
        #expect(inconsistent.status == 1 && inconsistent.err.contains("undefined volume"), "\(inconsistent)")
        let unchecked = p.compose("config", "--no-consistency")
        #expect(unchecked.status == 0 && unchecked.out.contains("source: undeclared"), "\(unchecked)")
    }

    @Test func runAndExecPassStdinUnlessInteractiveIsFalse() throws {
        let p = try Project(
            """
            name: s14stdin
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        let exec = Self.compose(p, ["exec", "-T", "web", "cat"], stdin: "to exec\n")
        #expect(exec.status == 0 && exec.out == "to exec\n", "\(exec)")
        for off in ["-i=false", "--interactive=false", "--no-interactive"] {
            let closed = Self.compose(p, ["exec", off, "-T", "web", "cat"], stdin: "not read\n")
            #expect(closed.status == 0 && closed.out.isEmpty, "\(off): \(closed)")
        }
        let run = Self.compose(p, ["run", "--rm", "--name", "s14once", "-T", "web", "cat"], stdin: "to run\n")
        #expect(run.status == 0 && run.out == "to run\n", "\(run)")
        // Attached, so an `attach` before its start, as `run`'s (Docker Compose attaches through the API).
        let actions = SpawnedCLI.skiff(
            ["events", "--since", "1h", "--until", "0s", "-f", "container=s14once", "--format", "{{.Action}}"],
            root: p.engine.root)
        #expect(actions.out == "create\nattach\nstart\ndie\ndestroy\n", "\(actions)")
        for off in ["-i=false", "--interactive=false"] {
            let closed = Self.compose(p, ["run", "--rm", off, "-T", "web", "cat"], stdin: "not read\n")
            #expect(closed.status == 0 && closed.out.isEmpty, "\(off): \(closed)")
        }
        // -P is --service-ports (Compose's short flag): refused with -p as --service-ports is.
        let both = Self.compose(p, ["run", "--rm", "-P", "-p", "1:1", "web", "true"], stdin: "")
        #expect(both.status == 1 && both.err.contains("--service-ports and --publish are incompatible"), "\(both)")
        let bad = Self.compose(p, ["run", "--rm", "-i=maybe", "web", "true"], stdin: "")
        #expect(bad.status != 0)
        // exec --index 0 is the first container, as Compose's default.
        #expect(Self.compose(p, ["exec", "--index", "0", "-T", "web", "true"], stdin: "").status == 0)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func exportCommitAndVolumesOfAService() throws {
        let p = try Project(
            """
            name: s14exp
            services:
              web:
                image: busybox
                command: ["sh", "-c", "echo marked > /marker; exec sleep 1000"]
                stop_grace_period: 0s
                volumes: ["data:/data"]
              side:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            volumes:
              data: {}
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        var marked = false
        for _ in 0..<100 where !marked {
            marked = p.compose("exec", "-T", "web", "cat", "/marker").out == "marked\n"
            if !marked { usleep(50_000) }
        }
        #expect(marked)

        let file = p.root + "/web.tar"
        let export = p.compose("export", "web", "-o", file)
        #expect(export.status == 0 && export.out.isEmpty, "\(export)")
        let names = try ContainerDiffExportCommitTests.tarNames(file)
        #expect(names.contains("marker") && names.contains("bin/busybox"), "\(names.count) names")
        #expect(p.compose("export", "nope", "-o", p.root + "/x.tar").status == 1)
        #expect(access(p.root + "/x.tar", F_OK) != 0)

        let commit = p.compose("commit", "-m", "snapshot", "-c", "ENV COMMITTED=1", "web", "s14exp/snap:1")
        #expect(commit.status == 0, "\(commit)")
        let image = try p.engine.images.resolve("s14exp/snap:1")
        #expect(image.config.config?.Env?.contains("COMMITTED=1") == true)
        let check = p.compose("run", "--rm", "-T", "web", "true")
        #expect(check.status == 0)
        let unpaused = p.compose("commit", "-p=false", "side", "s14exp/side:1")
        #expect(unpaused.status == 0, "\(unpaused)")
        #expect((try? p.engine.images.resolve("s14exp/side:1")) != nil)

        let table = p.compose("volumes")
        #expect(table.status == 0, "\(table)")
        let rows = table.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows.first == ["DRIVER", "VOLUME", "NAME"] && rows.dropFirst().map { $0.last } == ["s14exp_data"])
        #expect(p.compose("volumes", "-q").out == "s14exp_data\n")
        #expect(p.compose("volumes", "-q", "web").out == "s14exp_data\n")
        #expect(p.compose("volumes", "-q", "side").out == "")
        #expect(p.compose("volumes", "--format", "{{.Name}} {{.Driver}}").out == "s14exp_data local\n")
        #expect(p.compose("volumes", "nope").status == 1)

        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-v").status == 0)
        #expect(p.compose("volumes", "-q").out == "")
        p.checkNothingLeft(ids: ids)
    }

    /// `skiff compose ARGS` with `stdin` as its standard input (a pipe).
    static func compose(_ p: Project, _ args: [String], stdin: String) -> Project.Result {
        let outPath = p.root + "/.out-" + UUID().uuidString
        let errPath = p.root + "/.err-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { unlink(outPath); unlink(errPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        process.arguments = ["compose"] + args
        process.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var environment = ProcessInfo.processInfo.environment
        environment["SKIFF_ROOT"] = p.engine.root
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: outPath)!
        process.standardError = FileHandle(forWritingAtPath: errPath)!
        let input = Pipe()
        process.standardInput = input
        try! process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("skiff compose \(args) did not finish")
        }
        process.waitUntilExit()
        return Project.Result(
            status: process.terminationStatus,
            out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

extension ComposeCLIGapsTests {
    /// `compose build -m`: the classic builder's memory limit on each RUN step's container — a step
    /// that needs more than the limit is killed, the same step without it builds.
    @Test func buildMemoryLimitsTheRunSteps() throws {
        let p = try Project(
            """
            name: s14mem
            services:
              app:
                build: ./app
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/app", withIntermediateDirectories: true)
        try """
        FROM busybox
        RUN set -o pipefail; head -c 96m /dev/zero | tail -c 90m | wc -c
        """.write(toFile: p.dir + "/app/Dockerfile", atomically: true, encoding: .utf8)
        let limited = p.compose("build", "--no-cache", "-m", "24m", "app")
        #expect(limited.status != 0, "a 90 MB step under a 24 MB limit: \(limited)")
        let free = p.compose("build", "--no-cache", "app")
        #expect(free.status == 0 && free.out.contains("94371840"), "\(free)")
        // --builder (or BUILDX_BUILDER): skiff's one builder is "default"; another is not found.
        #expect(p.compose("build", "--builder", "default", "app").status == 0)
        let other = p.compose("build", "--builder", "remote", "app")
        #expect(other.status == 1 && other.err.contains("no builder \"remote\" found"), "\(other)")
        #expect(p.compose("build", "app", env: ["BUILDX_BUILDER": "remote"]).status == 1)
        let bad = p.compose("build", "-m", "lots", "app")
        #expect(bad.status != 0 && bad.err.contains("--memory"), "\(bad)")
        #expect(p.compose("down", "--rmi", "all").status == 0)
        p.checkNothingLeft(ids: [])
    }
}

extension ComposeCLIGapsTests {
    /// `compose logs --since/--until/--index/--no-color`, `compose images --format json` and Compose's
    /// table columns.
    @Test func logsWindowIndexAndImagesFormat() throws {
        let p = try Project(
            """
            name: s14logs
            services:
              web:
                image: busybox
                scale: 2
                command: ["sh", "-c", "echo first; sleep 2; echo second; exec sleep 1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        let before = Date().timeIntervalSince1970
        #expect(p.compose("up", "-d").status == 0)
        let started = Date().timeIntervalSince1970
        var all = ""
        for _ in 0..<100 {
            all = p.compose("logs", "--no-color").out
            if all.components(separatedBy: "second").count == 3 { break }
            usleep(100_000)
        }
        #expect(all.components(separatedBy: "second").count == 3, "\(all)")
        #expect(!all.contains("\u{1b}["))

        let second = p.compose("logs", "--index", "2", "web").out
        #expect(second.contains("web-2") && !second.contains("web-1") && second.contains("first"), "\(second)")
        let since = p.compose("logs", "--since", String(format: "%.3f", started + 1.0)).out
        #expect(since.contains("second") && !since.contains("first"), "\(since)")
        let until = p.compose("logs", "--until", String(format: "%.3f", before)).out
        #expect(until.isEmpty, "\(until)")
        let bad = p.compose("logs", "--since", "yesterday-ish")
        #expect(bad.status != 0 && bad.err.contains("--since"), "\(bad)")

        let json = p.compose("images", "--format", "json")
        #expect(json.status == 0, "\(json)")
        let list = try #require(
            try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]], "\(json.out)")
        #expect(list.map { $0["ContainerName"] as? String } == ["s14logs-web-1", "s14logs-web-2"])
        #expect(list.allSatisfy { $0["Repository"] as? String == "busybox" && $0["Tag"] as? String == "latest" })
        #expect(
            list.allSatisfy { ($0["Size"] as? Int ?? 0) > 0 && ($0["ID"] as? String)?.hasPrefix("sha256:") == true })
        let ids = p.compose("images", "-q").out.split(separator: "\n")
        #expect(ids.count == 1 && !ids[0].hasPrefix("sha256:") && ids[0].count == 64, "\(ids)")
        let table = p.compose("images").out
        #expect(table.hasPrefix("CONTAINER") && table.contains("PLATFORM") && table.contains("linux/"), "\(table)")
        #expect(p.compose("images", "--format", "yaml").status != 0)

        let containers = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: containers)
    }
}

extension ComposeCLIGapsTests {
    /// `compose up --watch`: attached, the develop.watch rules are carried out while the logs are shown
    /// — a synced file lands in the container, a rebuild's new container is followed (its output in
    /// `up`'s), and `up` goes on until Ctrl-C, which stops the project. -d and --no-build refuse it.
    @Test func upWatchSyncsRebuildsAndKeepsShowingLogs() throws {
        let p = try Project(
            """
            name: s14upw
            services:
              app:
                build: ./app
                command: ["sh", "-c", "echo says $$(cat /msg); exec sleep 1000"]
                stop_grace_period: 0s
                develop:
                  watch:
                    - action: sync
                      path: ./src
                      target: /src
                    - action: rebuild
                      path: ./app
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/src", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: p.dir + "/app", withIntermediateDirectories: true)
        try "FROM busybox\nCOPY msg /msg\n".write(toFile: p.dir + "/app/Dockerfile", atomically: true, encoding: .utf8)
        try "one\n".write(toFile: p.dir + "/app/msg", atomically: true, encoding: .utf8)

        let detached = p.compose("up", "-d", "--watch")
        #expect(detached.status == 1 && detached.err.contains("--watch"), "\(detached)")
        let noBuild = p.compose("up", "--no-build", "--watch")
        #expect(noBuild.status == 1 && noBuild.err.contains("--no-build and --watch"), "\(noBuild)")

        let outPath = p.root + "/.up-out"
        let errPath = p.root + "/.up-err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let up = Process()
        up.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        up.arguments = ["compose", "up", "--watch", "--no-color"]
        up.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        up.environment = env
        up.standardOutput = FileHandle(forWritingAtPath: outPath)!
        up.standardError = FileHandle(forWritingAtPath: errPath)!
        up.standardInput = FileHandle.nullDevice
        try up.run()
        func out() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        func err() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
        func waitFor(_ what: String, _ check: () -> Bool) {
            let deadline = Date().addingTimeInterval(60)
            while !check() && Date() < deadline && up.isRunning { usleep(100_000) }
            #expect(check(), "\(what): out \(out()) err \(err())")
        }
        defer {
            if up.isRunning { kill(up.processIdentifier, SIGKILL) }
            up.waitUntilExit()
        }
        waitFor("watch enabled, first output") { err().contains("Watch enabled") && out().contains("says one") }

        try "synced\n".write(toFile: p.dir + "/src/new.txt", atomically: true, encoding: .utf8)
        waitFor("the synced file in the container") {
            p.compose("exec", "-T", "app", "cat", "/src/new.txt").out == "synced\n"
        }

        try "two\n".write(toFile: p.dir + "/app/msg", atomically: true, encoding: .utf8)
        waitFor("the rebuilt container's output in up's") { out().contains("says two") }
        #expect(up.isRunning, "up goes on after the rebuild: \(err())")

        kill(up.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while up.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!up.isRunning)
        up.waitUntilExit()
        #expect(up.terminationStatus == 130, "\(err())")
        #expect(p.engine.listContainers().allSatisfy { $0.status != .running })
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "--rmi", "all").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}

extension ComposeCLIGapsTests {
    /// Compose's global output flags before the command: --ansi never|always|auto, --progress
    /// quiet (no progress lines) and --parallel.
    @Test func globalAnsiProgressAndParallelFlags() throws {
        let p = try Project(
            """
            name: s14glob
            services:
              web:
                image: busybox
                command: ["sh", "-c", "echo hello; exec sleep 1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        let loud = p.compose("up", "-d")
        #expect(loud.status == 0 && loud.err.contains("Container s14glob-web-1"), "\(loud)")
        let quiet = p.compose("--progress", "quiet", "up", "-d", "--force-recreate")
        #expect(quiet.status == 0 && quiet.err.isEmpty, "\(quiet)")
        #expect(p.compose("--progress", "plain", "--parallel", "1", "ps", "-q").out.count == 65)

        var colored = ""
        for _ in 0..<50 where !colored.contains("hello") {
            colored = p.compose("--ansi", "always", "logs").out
            usleep(100_000)
        }
        #expect(colored.contains("\u{1b}[") && colored.contains("hello"), "\(colored)")
        #expect(!p.compose("--ansi", "never", "logs").out.contains("\u{1b}["))
        #expect(!p.compose("logs").out.contains("\u{1b}["), "auto: stdout is not a terminal here")

        for bad in [["--ansi", "sometimes"], ["--progress", "json"], ["--parallel", "0"]] {
            let refused = p.compose(bad[0], bad[1], "ps")
            #expect(refused.status != 0 && refused.err.contains(bad[0]), "\(bad): \(refused)")
        }
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}

extension ComposeCLIGapsTests {
    /// `compose cp` into a service copies into every one of its containers (unless --index), out of
    /// the first, as Compose's; `exec -e KEY` takes KEY from the project's environment (.env too).
    @Test func copyIntoEveryContainerAndExecEnvFromDotEnv() throws {
        let p = try Project(
            """
            name: s14cp
            services:
              web:
                image: busybox
                scale: 2
                command: ["sh", "-c", "hostname > /who; exec sleep 1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        try "FROM_DOT_ENV=dotenv\n".write(toFile: p.dir + "/.env", atomically: true, encoding: .utf8)
        #expect(p.compose("up", "-d").status == 0)
        try "copied\n".write(toFile: p.root + "/file.txt", atomically: true, encoding: .utf8)
        let into = p.compose("cp", p.root + "/file.txt", "web:/file.txt")
        #expect(into.status == 0, "\(into)")
        for i in ["1", "2"] {
            let read = p.compose("exec", "-T", "--index", i, "web", "cat", "/file.txt")
            #expect(read.out == "copied\n", "container \(i): \(read)")
        }
        try "only two\n".write(toFile: p.root + "/two.txt", atomically: true, encoding: .utf8)
        #expect(p.compose("cp", "--index", "2", p.root + "/two.txt", "web:/two.txt").status == 0)
        #expect(p.compose("exec", "-T", "--index", "2", "web", "cat", "/two.txt").out == "only two\n")
        #expect(p.compose("exec", "-T", "--index", "1", "web", "cat", "/two.txt").status != 0)

        var first = ""
        for _ in 0..<50 where first.isEmpty {
            first = p.compose("exec", "-T", "--index", "1", "web", "cat", "/who").out
            if first.isEmpty { usleep(100_000) }
        }
        let out = p.root + "/who"
        #expect(p.compose("cp", "web:/who", out).status == 0)
        #expect((try? String(contentsOfFile: out, encoding: .utf8)) == first, "out of the first container")
        #expect(p.compose("cp", p.root + "/file.txt", "nope:/x").status != 0)

        let env = p.compose("exec", "-T", "-e", "FROM_DOT_ENV", "web", "sh", "-c", "echo $FROM_DOT_ENV")
        #expect(env.out == "dotenv\n", "\(env)")
        let runEnv = p.compose("run", "--rm", "-T", "-e", "FROM_DOT_ENV", "web", "sh", "-c", "echo $FROM_DOT_ENV")
        #expect(runEnv.out == "dotenv\n", "\(runEnv)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}

extension ComposeCLIGapsTests {
    /// `compose --compatibility` (or COMPOSE_COMPATIBILITY=true): Docker Compose v1's names,
    /// `project_service_1`, `project_service` for a built image, `project_service_run_…` for `run`.
    @Test func compatibilityNames() throws {
        let p = try Project(
            """
            name: s14compat
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
              app:
                build: ./app
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/app", withIntermediateDirectories: true)
        try "FROM busybox\n".write(toFile: p.dir + "/app/Dockerfile", atomically: true, encoding: .utf8)
        let up = p.compose("--compatibility", "up", "-d")
        #expect(up.status == 0, "\(up)")
        #expect(p.container("s14compat_web_1") != nil && p.container("s14compat_app_1") != nil)
        #expect((try? p.engine.images.resolve("s14compat_app")) != nil)
        #expect(p.compose("--compatibility", "config", "--images").out.contains("s14compat_app\n"))
        let run = p.compose("run", "-d", "web", "true", env: ["COMPOSE_COMPATIBILITY": "true"])
        #expect(run.status == 0, "\(run)")
        let oneOff = p.engine.listContainers().first { $0.isComposeOneOff }
        #expect(oneOff?.name.hasPrefix("s14compat_web_run_") == true, "\(oneOff?.name ?? "none")")
        // The containers are found by their labels, whatever their names.
        #expect(p.compose("ps", "-q").out.split(separator: "\n").count == 2)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "--rmi", "local").status == 0)
        for c in p.engine.listContainers() { try? p.engine.remove(c.id, force: true) }
        p.checkNothingLeft(ids: ids)
    }
}

extension ComposeCLIGapsTests {
    /// `compose --progress quiet pull`: no progress lines and no layer progress; the image is pulled.
    @Test func quietProgressPull() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let reg = registry.host
        let p = try Project(
            """
            name: s14qpull
            services:
              web:
                image: \(reg)/s14q/web:1
            """)
        defer { p.cleanUp() }
        let busybox = try p.engine.images.resolve("busybox")
        let ref = try ImageReference(parsing: "\(reg)/s14q/web:1")
        try p.engine.images.tag(ref, manifest: busybox.manifestDigest)
        #expect(ComposeUpFlagsEndToEndTests.skiff(p, "push", "\(reg)/s14q/web:1") == 0)
        _ = try p.engine.images.untag(ref)
        _ = try p.engine.collectGarbage()

        let loud = p.compose("pull")
        #expect(loud.status == 0 && loud.err.contains("web Pulled"), "\(loud)")
        _ = try p.engine.images.untag(ref)
        _ = try p.engine.collectGarbage()
        let quiet = p.compose("--progress", "quiet", "pull")
        #expect(quiet.status == 0 && quiet.err.isEmpty && quiet.out.isEmpty, "\(quiet)")
        #expect((try? p.engine.images.resolve("\(reg)/s14q/web:1")) != nil)
    }
}

extension ComposeCLIGapsTests {
    /// With stdin passed on (the default), a command that ends without reading it ends `exec` and
    /// `run` at once: a stdin that stays open (a terminal nobody types in) does not hold them.
    @Test func openStdinDoesNotHoldExecOrRun() throws {
        let p = try Project(
            """
            name: s14open
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        for args in [["exec", "-T", "web", "echo", "done"], ["run", "--rm", "-T", "web", "echo", "done"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Engine.skiffPath)
            process.arguments = ["compose"] + args
            process.currentDirectoryURL = URL(fileURLWithPath: p.dir)
            var environment = ProcessInfo.processInfo.environment
            environment["SKIFF_ROOT"] = p.engine.root
            process.environment = environment
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            let held = process.isRunning
            #expect(!held, "\(args) waits for stdin to close")
            try? input.fileHandleForWriting.close()
            if held {
                usleep(500_000)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
            let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(out == "done\n" && process.terminationStatus == 0, "\(args): \(out)")
        }
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}

extension ComposeCLIGapsTests {
    /// `config --resolve-image-digests`: each image pinned to the digest its registry serves for the
    /// tag, written in full; an image the registry lacks is an error.
    @Test func configResolvesImageDigests() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let reg = registry.host
        let p = try Project(
            """
            name: s14dig
            services:
              web:
                image: \(reg)/s14d/web:1
              tool:
                build: .
            """)
        defer { p.cleanUp() }
        try "FROM busybox\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        let busybox = try p.engine.images.resolve("busybox")
        let ref = try ImageReference(parsing: "\(reg)/s14d/web:1")
        try p.engine.images.tag(ref, manifest: busybox.manifestDigest)
        #expect(ComposeUpFlagsEndToEndTests.skiff(p, "push", "\(reg)/s14d/web:1") == 0)
        let served = try RegistryClient(registry: reg).manifest(repository: "s14d/web", reference: "1").digest

        let pinned = p.compose("config", "--resolve-image-digests")
        #expect(pinned.status == 0, "\(pinned)")
        #expect(pinned.out.contains("image: \(reg)/s14d/web:1@\(served)"), "\(pinned.out)")
        #expect(!p.compose("config").out.contains("@sha256:"))
        // --lock-image-digests: an override file of the pinned images alone.
        let lock = p.compose("config", "--lock-image-digests")
        #expect(
            lock.out == "services:\n  web:\n    image: \(reg)/s14d/web:1@\(served)\n  tool: {}\n", "\(lock)")

        try """
        services:
          web:
            image: \(reg)/s14d/absent:1
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let absent = p.compose("config", "--resolve-image-digests")
        #expect(absent.status == 1 && absent.err.contains("s14d/absent"), "\(absent)")
    }
}
