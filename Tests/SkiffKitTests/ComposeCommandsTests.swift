import Foundation
import SkiffKit
import Testing

/// Issue 14 item 10: the compose commands Docker Compose has and Skiff lacked, driven as a user would:
/// create, ps --format, port, top, cp, pause/unpause, kill -s, ls, version, events --json, wait.
@Suite("Compose commands", .serialized)
struct ComposeCommandsTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func projectCommands() throws {
        let p = try Project(
            """
            name: s14cmd
            services:
              a:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; trap 'echo got-usr1' USR1; echo hello > /tmp/hello; while :; do sleep 0.1; done"]
                ports: ["80"]
            """)
        defer { p.cleanUp() }
        // create: the container, not started.
        let create = p.compose("create")
        #expect(create.status == 0, "\(create.err)")
        #expect(p.container("s14cmd-a-1")?.status == .created)
        #expect(p.compose("start").status == 0)
        let c = try #require(p.container("s14cmd-a-1"))
        #expect(c.status == .running)

        // ps --format json (one object per line) and a template.
        let json = p.compose("ps", "--format", "json")
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(
            object?["Service"] as? String == "a" && object?["State"] as? String == "running"
                && object?["Project"] as? String == "s14cmd", "\(json.out)")
        #expect(p.compose("ps", "--format", "{{.Name}} {{.State}}").out == "s14cmd-a-1 running\n")

        // port: the host address of container port 80.
        let published = try #require(p.engine.publishedPorts(c.id).first)
        #expect(p.compose("port", "a", "80").out == "0.0.0.0:\(published.hostPort)\n")
        #expect(p.compose("port", "a", "81").status != 0)

        // top: the service's processes.
        let top = p.compose("top")
        #expect(top.out.contains("s14cmd-a-1") && top.out.contains("PID") && top.out.contains("sleep"), "\(top.out)")

        // cp both ways.
        _ = p.compose("exec", "-T", "a", "sh", "-c", "while [ ! -f /tmp/hello ]; do sleep 0.1; done")
        #expect(p.compose("cp", "a:/tmp/hello", p.root + "/hello").status == 0)
        #expect((try? String(contentsOfFile: p.root + "/hello", encoding: .utf8)) == "hello\n")
        try "from-host\n".write(toFile: p.root + "/in.txt", atomically: true, encoding: .utf8)
        #expect(p.compose("cp", p.root + "/in.txt", "a:/tmp/in.txt").status == 0)
        #expect(p.compose("exec", "-T", "a", "cat", "/tmp/in.txt").out == "from-host\n")

        // pause freezes every process (the cgroup freezer); unpause thaws them.
        #expect(p.compose("pause").status == 0)
        #expect(p.compose("ps", "--format", "{{.State}}").out == "paused\n")
        #expect(p.engine.inspect(try p.engine.container(c.id)).State.Paused)
        #expect(p.compose("unpause").status == 0)
        #expect(p.compose("ps", "--format", "{{.State}}").out == "running\n")

        // kill -s: the signal reaches the service.
        #expect(p.compose("kill", "-s", "USR1", "a").status == 0)
        var logs = ""
        for _ in 0..<50 where !logs.contains("got-usr1") { logs = p.compose("logs", "a").out; usleep(100_000) }
        #expect(logs.contains("got-usr1"), "\(logs)")

        // ls: the project, running; -q names only; -a not needed while it runs.
        let ls = p.compose("ls", "--format", "json")
        let rows = try JSONSerialization.jsonObject(with: Data(ls.out.utf8)) as? [[String: Any]]
        #expect(rows?.first { $0["Name"] as? String == "s14cmd" }?["Status"] as? String == "running(1)", "\(ls.out)")
        #expect(p.compose("ls", "-q").out == "s14cmd\n")
        #expect(p.compose("version").out.hasPrefix("Skiff Compose version v"))

        // events --json sees the container die; wait reports its exit code.
        let eventsPath = p.root + "/events.out"
        _ = FileManager.default.createFile(atPath: eventsPath, contents: nil)
        let events = Process()
        events.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        events.arguments = ["compose", "events", "--json"]
        events.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        events.environment = env
        events.standardOutput = FileHandle(forWritingAtPath: eventsPath)!
        events.standardError = FileHandle.nullDevice
        try events.run()
        usleep(500_000)
        #expect(p.compose("kill", "a").status == 0)
        let wait = p.compose("wait", "a")
        #expect(wait.status == 137, "\(wait.err)")
        func eventLines() -> String { (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(10)
        while !eventLines().contains("\"action\":\"die\"") && Date() < deadline { usleep(50_000) }
        kill(events.processIdentifier, SIGTERM)
        events.waitUntilExit()
        #expect(
            events.terminationReason == .exit && events.terminationStatus == 0, "events ends on SIGTERM, with 0")
        let die = eventLines().split(separator: "\n").first { $0.contains("\"action\":\"die\"") } ?? ""
        #expect(die.contains("\"service\":\"a\"") && die.contains("\"exitCode\":\"137\""), "\(eventLines())")
        #expect(p.compose("ls", "-q").out == "", "a stopped project is listed with -a only")
        #expect(p.compose("ls", "-a", "-q").out == "s14cmd\n")

        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func imageInspectFormat() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let r = root.skiff("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", "busybox")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("linux/"), "\(r.out)")
    }
}
