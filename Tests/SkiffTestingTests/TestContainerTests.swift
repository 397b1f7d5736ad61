import Foundation
import SkiffKit
import Testing

@testable import SkiffTesting

/// What a test does with its containers: options applied, exec/logs/copy, stop and restart with the data
/// kept, networks with aliases, compose projects, reuse; and removal when a test's container goes.
@Suite("SkiffTesting containers", .enabled(if: TestRoot.available), .serialized)
struct TestContainerTests {
    @Test func optionsReachTheContainer() async throws {
        let root = try await TestRoot()
        let host = try root.scratch("bind")
        try "from-the-host\n".write(toFile: host + "/seed.txt", atomically: true, encoding: .utf8)
        let c = try await ContainerRequest(image: "busybox")
            .withEntrypoint(["sh", "-c"])
            .withCommand(["echo \"greeting=$GREETING\"; exec sleep 1000"])
            .withEnvironment("GREETING", "ahoy")
            .withFile(contents: "#!/bin/sh\necho copied-in\n", at: "/bin/hello", mode: 0o755)
            .withFile(host + "/seed.txt", at: "/seed.txt")
            .withBind(host, at: "/host", readOnly: true)
            .withVolume("data", at: "/data")
            .withTmpfs("/scratch", options: "size=8m")
            .withLabel("team", "payments")
            .withResources(memory: 64 * 1024 * 1024, pids: 64)
            .withWorkingDirectory("/data")
            .waitingFor(.log("greeting=ahoy"))
            .start(in: root.session)
        #expect(try await c.exec(["hello"]).stdout == "copied-in\n")
        #expect(try await c.exec(["cat", "/seed.txt"]).stdout == "from-the-host\n")
        #expect(try await c.exec(["cat", "/host/seed.txt"]).stdout == "from-the-host\n")
        #expect(try await c.exec(["touch", "/host/nope"]).exitCode != 0, "the bind is read-only")
        #expect(try await c.exec(["pwd"]).stdout == "/data\n")
        #expect(
            try await c.exec(["sh", "-c", "grep ' /scratch ' /proc/mounts"]).stdout.contains("tmpfs /scratch tmpfs"))
        // cgroup v2, or v1's per-controller hierarchies (a hybrid host).
        let memory = "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
        #expect(try await c.exec(["sh", "-c", memory]).stdout == "67108864\n")
        let pids = "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max"
        #expect(try await c.exec(["sh", "-c", pids]).stdout == "64\n")
        let record = try root.engine.container(c.id)
        #expect(record.labels["team"] == "payments")
        #expect(record.labels[TestSession.labelKey] == root.session.id)
        #expect(c.name.hasPrefix(root.session.namePrefix + "-"))
        #expect(
            try root.engine.volume(root.session.namePrefix + "-data").Labels[TestSession.labelKey] == root.session.id)
        #expect(root.cleanUp() == [])
    }

    @Test func execLogsCopyStopRestartKeepsData() async throws {
        let root = try await TestRoot()
        let c = try await ContainerRequest(image: "busybox")
            .withCommand([
                "sh", "-c", "echo started; mkdir -p /www; echo v1 > /www/index.html; exec httpd -f -p 8080 -h /www",
            ])
            .withExposedPorts(8080)
            .start(in: root.session)
        let r = try await c.exec(["sh", "-c", "echo out; echo err >&2; exit 4"])
        #expect(r == ExecResult(exitCode: 4, stdout: "out\n", stderr: "err\n"))
        #expect(try await c.logs() == "started\n")

        try await c.copy(contents: "written-by-the-test\n", to: "/www/note.txt")
        #expect(try httpGet(port: c.mappedPort(8080), path: "/note.txt").body == "written-by-the-test\n")
        let out = try root.scratch("out")
        try await c.copy(from: "/www/note.txt", toHost: out + "/note.txt")
        #expect(try String(contentsOfFile: out + "/note.txt", encoding: .utf8) == "written-by-the-test\n")

        try await c.stop(timeout: 1)
        #expect(!c.isRunning)
        try await c.copy(contents: "while-stopped\n", to: "/www/stopped.txt")
        try await c.start()
        #expect(c.isRunning)
        // The command rewrites index.html, the other files are the container's own data and stay.
        #expect(try httpGet(port: c.mappedPort(8080), path: "/note.txt").body == "written-by-the-test\n")
        #expect(try httpGet(port: c.mappedPort(8080), path: "/stopped.txt").body == "while-stopped\n")
        try await c.restart(timeout: 1)
        #expect(try httpGet(port: c.mappedPort(8080), path: "/note.txt").status == 200)
        #expect(try await c.logs() == "started\nstarted\nstarted\n")
        #expect(root.cleanUp() == [])
    }

    @Test func networkWithAliases() async throws {
        let root = try await TestRoot()
        let network = try await TestNetwork.create(in: root.session)
        #expect(network.name.hasPrefix(root.session.namePrefix))
        let server = try await ContainerRequest(image: "busybox")
            .withCommand(WaitStrategyTests.httpd)
            .withNetwork(network, aliases: ["api", "api.internal"])
            .waitingFor(.port(8080, checked: .inside))
            .start(in: root.session)
        #expect(server.ipAddress(on: network) != nil)
        let client = try await ContainerRequest(image: "busybox").withCommand(["sleep", "1000"])
            .withNetwork(network).start(in: root.session)
        for host in ["api", "api.internal", server.name] {
            let r = try await client.exec(["wget", "-q", "-O", "-", "http://\(host):8080/index.html"])
            #expect(r.stdout == "hello-from-skiff\n", "\(host): \(r.stderr)")
        }
        #expect(root.cleanUp() == [])
    }

    @Test func composeProjectUpServiceDown() async throws {
        let root = try await TestRoot()
        let dir = try root.scratch("stack")
        try """
        services:
          web:
            image: busybox
            command: ["sh", "-c", "mkdir -p /www && echo from-compose > /www/index.html && exec httpd -f -p 80 -h /www"]
            ports: ["8080:80"]
          client:
            image: busybox
            command: ["sleep", "1000"]
            depends_on: [web]
        volumes:
          cache: {}
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let project = try ComposeProject(directory: dir, session: root.session)
        #expect(project.name.hasPrefix(root.session.namePrefix))
        try await project.up(wait: ["web": .http("/index.html", port: 80)])
        let web = try project.service("web")
        // The file's fixed 8080 becomes a free port, so two runs of this test never collide.
        #expect(try httpGet(port: web.mappedPort(80), path: "/index.html").body == "from-compose\n")
        let r = try await project.service("client").exec(["wget", "-q", "-O", "-", "http://web/index.html"])
        #expect(r.stdout == "from-compose\n", "\(r.stderr)")
        #expect(throws: SkiffTestingError.self) { try project.service("nope") }
        try await project.down()
        #expect(root.engine.listContainers().isEmpty)
        #expect(root.cleanUp() == [])
    }

    @Test func reuseHandsBackTheSameContainer() async throws {
        let root = try await TestRoot()
        let request = ContainerRequest(image: "busybox").withCommand(WaitStrategyTests.httpd).withExposedPorts(8080)
            .reuse()
        let first = try await request.start(in: root.session)
        let again = try await request.start(in: root.session)
        #expect(first.id == again.id)
        let other = try await request.withEnvironment("X", "1").start(in: root.session)
        #expect(other.id != first.id)
        #expect(root.cleanUp() == [])
    }

    @Test func aTestsContainerGoesWhenTheTestThrows() async throws {
        let root = try await TestRoot()
        struct Boom: Error {}
        var id = ""
        do {
            let c = try await ContainerRequest(image: "busybox").withCommand(["sleep", "1000"]).start(in: root.session)
            id = c.id
            throw Boom()
        } catch is Boom {}
        #expect(!id.isEmpty)
        #expect(root.engine.containers.all().isEmpty, "the container went with the last reference to it")
        #expect(root.cleanUp() == [])
    }
}
