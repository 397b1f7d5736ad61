import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// `skiff compose` end to end as root, driving the built CLI with the busybox image, each test with its
/// own SKIFF_ROOT and project directory; afterwards no process, cgroup, mount or container is left.
@Suite(
    "skiff compose end to end",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeEndToEndTests {
    final class Project {
        let root: String
        let dir: String
        let engine: Engine

        init(_ compose: String, directoryName: String = "proj") throws {
            root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-compose-test-")
            dir = root + "/" + directoryName
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
            engine = Engine(root: root + "/state")
            try FileManager.default.createDirectory(atPath: engine.root, withIntermediateDirectories: true)
            try TestImage.make(
                "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
                store: engine.images, scratch: root)
        }

        struct Result {
            var status: Int32
            var out: String
            var err: String
        }

        @discardableResult
        func compose(_ args: String..., env: [String: String] = [:], timeout: Double = 90) -> Result {
            compose(args, env: env, timeout: timeout)
        }

        @discardableResult
        func compose(_ args: [String], env: [String: String] = [:], timeout: Double = 90) -> Result {
            let id = UUID().uuidString
            let outPath = root + "/.out-" + id
            let errPath = root + "/.err-" + id
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            defer { unlink(outPath); unlink(errPath) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Engine.skiffPath)
            p.arguments = ["compose"] + args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            var environment = ProcessInfo.processInfo.environment
            environment["SKIFF_ROOT"] = engine.root
            for (k, v) in env { environment[k] = v }
            p.environment = environment
            p.standardOutput = FileHandle(forWritingAtPath: outPath)!
            p.standardError = FileHandle(forWritingAtPath: errPath)!
            p.standardInput = FileHandle.nullDevice
            try! p.run()
            let deadline = Date().addingTimeInterval(timeout)
            while p.isRunning && Date() < deadline { usleep(10_000) }
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                Issue.record("skiff compose \(args) did not finish in \(timeout) s")
            }
            p.waitUntilExit()
            return Result(
                status: p.terminationStatus,
                out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        }

        func container(_ name: String) -> Container? { engine.listContainers().first { $0.name == name } }

        /// Nothing of the project left: no container, no process mentioning the state root, no cgroup,
        /// no mount under it.
        func checkNothingLeft(ids: [String]) {
            #expect(engine.listContainers().isEmpty, "containers left: \(engine.listContainers().map(\.name))")
            let deadline = Date().addingTimeInterval(5)
            while !HostLeftovers.processesMentioning(engine.root).isEmpty && Date() < deadline { usleep(50_000) }
            #expect(
                HostLeftovers.processesMentioning(engine.root).isEmpty,
                "processes left: \(HostLeftovers.processesMentioning(engine.root))")
            for id in ids {
                let base = "/sys/fs/cgroup"
                let left = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
                    .map { "\(base)/\($0)/skiff/\(id)" }.filter { FileManager.default.fileExists(atPath: $0) }
                #expect(left.isEmpty, "cgroups left: \(left)")
            }
            let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(!mounts.contains(root), "a mount under \(root) is left")
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: engine.root + "/containers")) ?? []
            #expect(dirs.filter { !$0.hasPrefix(".") }.isEmpty, "container directories left: \(dirs)")
        }

        func cleanUp() {
            for c in engine.containers.all() { try? engine.remove(c.id, force: true) }
            _ = try? engine.pruneNetworks()
            FileIO.removeTree(root)
        }

    }

    static let twoServices = """
        name: shop
        services:
          db:
            image: busybox
            # httpd only after 2 s: web must wait for the healthcheck, not just the start.
            command: ["sh", "-c", "mkdir -p /www && echo db-ok > /www/index.html && sleep 2 && exec httpd -f -p 8080 -h /www"]
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/"]
              interval: 1s
              timeout: 2s
              retries: 30
            stop_grace_period: 1s
          web:
            image: busybox
            command: sh -c 'echo "web says ${GREETING:-ahoy}"; exec sleep 1000'
            environment:
              GREETING: ${GREETING:-ahoy}
            env_file: web.env
            depends_on:
              db:
                condition: service_healthy
            stop_grace_period: 1s
        """

    @Test func twoServiceProjectLifecycle() throws {
        let p = try Project(Self.twoServices)
        defer { p.cleanUp() }
        try "# read with Compose's rules\nexport FROM_FILE=\"quoted value\"\nGREETING=overridden-by-environment\n"
            .write(toFile: p.dir + "/web.env", atomically: true, encoding: .utf8)

        // up -d: db first, healthy, then web.
        let up = p.compose("up", "-d")
        #expect(up.status == 0, "\(up.err)")
        let db = try #require(p.container("shop-db-1"), "\(up.err)")
        let web = try #require(p.container("shop-web-1"), "\(up.err)")
        #expect(db.status == .running && web.status == .running)
        #expect(db.labels["com.docker.compose.project"] == "shop" && web.labels["com.docker.compose.service"] == "web")
        #expect(db.labels["com.docker.compose.config-hash"]?.count == 64)
        // service_healthy really waited: web started after db's first successful probe.
        let healthy = try #require(
            db.health?.log.first { $0.ExitCode == 0 }, "db has no successful probe: \(String(describing: db.health))")
        let webStart = try #require(web.startedAt.flatMap(Timestamp.parse))
        let healthyAt = try #require(Timestamp.parse(healthy.End))
        #expect(webStart >= healthyAt)
        #expect(webStart - (db.startedAt.flatMap(Timestamp.parse) ?? 0) >= 2)
        #expect(up.err.contains("Container shop-db-1  Healthy"))

        // ps lists both.
        let ps = p.compose("ps")
        #expect(ps.status == 0)
        #expect(ps.out.contains("shop-db-1") && ps.out.contains("shop-web-1"), "\(ps.out)")

        // The project network: web reaches db by its service name.
        let byName = p.compose("exec", "-T", "web", "wget", "-q", "-O", "-", "http://db:8080/")
        #expect(byName.out == "db-ok\n", "\(byName.err)")

        // exec into db; logs of web.
        let exec = p.compose("exec", "-T", "db", "cat", "/www/index.html")
        #expect(exec.out == "db-ok\n", "\(exec.err)")
        let logs = p.compose("logs", "web")
        #expect(logs.out.contains("web-1  | web says ahoy"), "\(logs.out)")

        // stop web / start web leaves db running (the same container, never restarted).
        #expect(p.compose("stop", "web").status == 0)
        #expect(p.container("shop-web-1")?.status == .exited)
        #expect(p.container("shop-db-1")?.status == .running)
        #expect(p.compose("start", "web").status == 0)
        #expect(p.container("shop-web-1")?.status == .running)
        #expect(p.container("shop-db-1")?.pid == db.pid)

        // run --rm: a one-off container with the service's environment, gone afterwards.
        let run = p.compose("run", "--rm", "-T", "web", "sh", "-c", "echo one-off $GREETING $FROM_FILE")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "one-off ahoy quoted value\n")
        #expect(p.engine.listContainers().count == 2, "\(p.engine.listContainers().map(\.name))")
        #expect(p.compose("run", "--rm", "-T", "web", "sh", "-c", "exit 3").status == 3)
        #expect(p.engine.listContainers().count == 2)

        // up again: nothing changed, nothing recreated; a changed service is recreated, alone.
        let again = p.compose("up", "-d")
        #expect(again.status == 0)
        #expect(p.container("shop-web-1")?.id == web.id && p.container("shop-db-1")?.id == db.id)
        let changed = p.compose("up", "-d", env: ["GREETING": "hello"])
        #expect(changed.status == 0, "\(changed.err)")
        let newWeb = try #require(p.container("shop-web-1"))
        #expect(newWeb.id != web.id && newWeb.status == .running)
        #expect(p.container("shop-db-1")?.id == db.id)
        // A changed env file changes the config too.
        try "FROM_FILE=changed\n".write(toFile: p.dir + "/web.env", atomically: true, encoding: .utf8)
        #expect(p.compose("up", "-d", env: ["GREETING": "hello"]).status == 0)
        let afterEnvFile = try #require(p.container("shop-web-1"))
        #expect(afterEnvFile.id != newWeb.id && p.container("shop-db-1")?.id == db.id)
        let forced = p.compose("up", "-d", "--force-recreate", "--no-deps", "web", env: ["GREETING": "hello"])
        #expect(forced.status == 0)
        #expect(p.container("shop-web-1")?.id != afterEnvFile.id && p.container("shop-db-1")?.id == db.id)

        // down removes everything.
        let ids = p.engine.listContainers().map(\.id)
        let down = p.compose("down")
        #expect(down.status == 0, "\(down.err)")
        p.checkNothingLeft(ids: ids)
    }

    @Test func volumesNetworksAndPorts() throws {
        let port = FreePort.next()
        let p = try Project(
            """
            services:
              db:
                image: busybox
                command: ["sh", "-c", "mkdir -p /www && echo db-ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
                volumes: ["data:/data", "./site:/site:ro", {type: tmpfs, target: /scratch}]
                networks:
                  default:
                  back: {aliases: [database]}
                stop_grace_period: 1s
              web:
                image: busybox
                command: ["sh", "-c", "mkdir -p /www && echo web-ok > /www/index.html && exec httpd -f -p 80 -h /www"]
                ports: ["127.0.0.1:\(port):80"]
                stop_grace_period: 1s
              client:
                image: busybox
                command: ["sleep", "1000"]
                networks: [back]
                stop_grace_period: 1s
            volumes:
              data:
            networks:
              back:
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/site", withIntermediateDirectories: true)
        try "from-host\n".write(toFile: p.dir + "/site/f", atomically: true, encoding: .utf8)
        let up = p.compose("up", "-d")
        #expect(up.status == 0, "\(up.err)")
        let name = (p.dir as NSString).lastPathComponent
        #expect(p.compose("exec", "-T", "client", "wget", "-q", "-O", "-", "http://database:8080/").out == "db-ok\n")
        #expect(p.compose("exec", "-T", "client", "wget", "-q", "-O", "-", "http://db:8080/").out == "db-ok\n")
        #expect(p.compose("exec", "-T", "db", "cat", "/site/f").out == "from-host\n")
        #expect(
            p.compose("exec", "-T", "db", "sh", "-c", "echo kept > /data/x && grep -c ' /scratch tmpfs' /proc/mounts")
                .out == "1\n")
        // The published port answers on the host.
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/bin/busybox")
        curl.arguments = ["wget", "-q", "-O", "-", "http://127.0.0.1:\(port)/"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        if FileManager.default.isExecutableFile(atPath: "/bin/busybox") {
            try curl.run()
            curl.waitUntilExit()
            #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "web-ok\n")
        }
        // run --rm joins the networks too.
        #expect(p.compose("run", "--rm", "-T", "client", "wget", "-q", "-O", "-", "http://db:8080/").out == "db-ok\n")

        // down keeps the named volume: the data is there after up; down -v removes it.
        #expect(p.compose("down").status == 0)
        #expect((try? p.engine.volume("\(name)_data")) != nil)
        #expect(p.compose("up", "-d", "db").status == 0)
        #expect(p.compose("exec", "-T", "db", "cat", "/data/x").out == "kept\n")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-v").status == 0)
        #expect(p.engine.listVolumes().isEmpty, "\(p.engine.listVolumes().map(\.Name))")
        #expect(((try? p.engine.listNetworks()) ?? []).filter { $0.name.hasPrefix(name) }.isEmpty)
        p.checkNothingLeft(ids: ids)
    }

    @Test func attachedUpPrefixesLogsAndCtrlCStops() throws {
        let p = try Project(
            """
            services:
              a:
                image: busybox
                command: ["sh", "-c", "trap 'echo a got TERM; exit 0' TERM; while true; do echo a tick; sleep 0.2; done"]
              b:
                image: busybox
                command: ["sh", "-c", "echo b once"]
            """)
        defer { p.cleanUp() }
        let outPath = p.root + "/attached.out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        proc.arguments = ["compose", "up"]
        proc.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        proc.environment = env
        proc.standardOutput = FileHandle(forWritingAtPath: outPath)!
        proc.standardError = FileHandle.nullDevice
        proc.standardInput = FileHandle.nullDevice
        try proc.run()
        func output() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(30)
        while !(output().contains("a-1  | a tick") && output().contains("b-1  | b once")) && Date() < deadline {
            usleep(50_000)
        }
        #expect(output().contains("a-1  | a tick") && output().contains("b-1  | b once"), "\(output())")
        kill(proc.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(30)
        while proc.isRunning && Date() < stopDeadline { usleep(50_000) }
        if proc.isRunning { kill(proc.processIdentifier, SIGKILL); Issue.record("compose up did not stop on SIGINT") }
        proc.waitUntilExit()
        #expect(proc.terminationStatus == 130)
        #expect(output().contains("a-1  | a got TERM"), "\(output())")
        #expect(p.engine.listContainers().allSatisfy { $0.status == .exited })
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func configAndErrors() throws {
        // An unknown key is an error, as docker compose has it (not a warning while up goes on).
        let p = try Project(Self.twoServices + "\n    bogus: 1\n")
        defer { p.cleanUp() }
        let unknown = p.compose("config")
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("compose.yaml: services.web.bogus: unknown key"), "\(unknown.err)")
        // config checks what up would: the env_file web.env is missing.
        try Self.twoServices.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let missing = p.compose("config")
        #expect(missing.status != 0)
        #expect(missing.err.contains("web.env") && missing.err.contains("not found"), "\(missing.err)")
        try "A=1\n".write(toFile: p.dir + "/web.env", atomically: true, encoding: .utf8)
        let config = p.compose("config")
        #expect(config.status == 0, "\(config.err)")
        #expect(config.out.contains("name: shop") && config.out.contains("condition: service_healthy"), "\(config.out)")
        #expect(config.err.isEmpty, "\(config.err)")
        try "services:\n  web:\n    image: busybox\n    ports: [\"80:x\"]\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let bad = p.compose("up", "-d")
        #expect(bad.status != 0)
        #expect(bad.err.contains("compose.yaml: services.web.ports[0]: invalid container port"), "\(bad.err)")
        #expect(p.engine.listContainers().isEmpty)
    }

    @Test func unhealthyDependencyFailsUp() throws {
        let p = try Project(
            """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 2}
                stop_grace_period: 1s
              web:
                image: busybox
                command: ["sleep", "1000"]
                depends_on: {db: {condition: service_healthy}}
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "-d")
        #expect(up.status != 0)
        #expect(up.err.contains("is unhealthy"), "\(up.err)")
        #expect(p.container(p.engine.listContainers().first?.name ?? "")?.composeService == "db")
        #expect(p.engine.listContainers().count == 1)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
