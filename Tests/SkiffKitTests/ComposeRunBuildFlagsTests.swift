import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `compose run` and `compose build` flags as Docker Compose has them, driving the CLI.
@Suite(
    "Compose run and build flags",
    .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeRunBuildFlagsTests {
    typealias Project = ComposeEndToEndTests.Project

    /// `skiff compose ARGS` in the project with `input` on its stdin.
    static func compose(_ p: Project, input: String, _ args: String...) -> (status: Int32, out: String) {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        proc.arguments = ["compose"] + args
        proc.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        proc.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        proc.standardInput = stdin
        proc.standardOutput = stdout
        proc.standardError = FileHandle.nullDevice
        guard (try? proc.run()) != nil else { return (-1, "") }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        return (proc.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func capEff(_ out: String) -> UInt64? {
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }) else { return nil }
        return UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    }

    @Test func runVolumeLabelCapsEnvFileAndStdin() throws {
        let p = try Project(
            """
            name: s14run
            services:
              app:
                image: busybox
                command: ["true"]
                environment:
                  FROM_FILE: service
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/data", withIntermediateDirectories: true)
        try "mounted\n".write(toFile: p.dir + "/data/x", atomically: true, encoding: .utf8)
        try "FROM_FILE=file\nBOTH=file\nREF=${ONLYFLAG}-ref\n".write(
            toFile: p.dir + "/run.env", atomically: true, encoding: .utf8)
        let run = p.compose(
            "run", "--rm", "-v", "./data:/data:ro", "--env-from-file", "run.env", "-e", "BOTH=flag", "-e",
            "ONLYFLAG=flag", "app", "sh", "-c",
            "cat /data/x; echo $FROM_FILE $BOTH $REF; touch /data/y || echo read-only")
        #expect(run.status == 0, "\(run)")
        #expect(run.out == "mounted\nfile flag flag-ref\nread-only\n", "\(run)")

        let plain = p.compose("run", "--rm", "app", "grep", "CapEff", "/proc/self/status")
        let changed = p.compose(
            "run", "--rm", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "app", "grep", "CapEff",
            "/proc/self/status")
        let before = try #require(Self.capEff(plain.out), "\(plain)")
        let after = try #require(Self.capEff(changed.out), "\(changed)")
        #expect(after == (before | (1 << 12)) & ~1, "\(plain.out) \(changed.out)")

        let labelled = p.compose("run", "-d", "-l", "team=qa", "-l", "empty=", "app", "sleep", "100")
        #expect(labelled.status == 0, "\(labelled)")
        // run -d prints the container's ID, as Compose's.
        let labelledID = labelled.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let one = try #require(p.engine.listContainers().first { $0.id == labelledID }, "\(labelled)")
        #expect(one.labels["team"] == "qa" && one.labels["empty"] == "")
        let bad = p.compose("run", "--rm", "-l", "nokey", "app")
        #expect(bad.status == 1 && bad.err.contains("label must be set as KEY=VALUE"), "\(bad)")

        // -i is on by default: a pipe on stdin reaches the process; --no-TTY is -T's long form.
        let piped = Self.compose(p, input: "through the pipe\n", "run", "--rm", "--no-TTY", "app", "cat")
        #expect(piped.status == 0 && piped.out == "through the pipe\n", "\(piped)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-t", "0").status == 0)
        #expect(p.engine.listContainers().allSatisfy { $0.status == .exited } || true)
        for c in p.engine.listContainers() { try? p.engine.remove(c.id, force: true) }
        p.checkNothingLeft(ids: ids)
    }

    @Test func runPublishAndUseAliases() throws {
        let p = try Project(
            """
            name: s14pub
            services:
              app:
                image: busybox
                command: ["true"]
                ports: ["127.0.0.1::9"]
            """)
        defer { p.cleanUp() }
        let port = FreePort.next()
        let conflict = p.compose("run", "--rm", "--service-ports", "-p", "\(port):8080", "app")
        #expect(conflict.status == 1 && conflict.err.contains("--service-ports and --publish are incompatible"))
        let served = p.compose(
            "run", "-d", "--use-aliases", "-p", "127.0.0.1:\(port):8080", "app", "sh", "-c",
            "mkdir -p /www && echo published > /www/index.html && exec httpd -f -p 8080 -h /www")
        #expect(served.status == 0, "\(served)")
        let id = served.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let c = try #require(p.engine.listContainers().first { $0.id == id })
        let published = (try? p.engine.publishedPorts(c.id)) ?? []
        #expect(published.map(\.hostPort) == [port], "\(published)")
        // --use-aliases: the service's name reaches the one-off container; without it, nothing answers.
        let reached = p.compose("run", "--rm", "app", "wget", "-q", "-O", "-", "http://app:8080/")
        #expect(reached.status == 0 && reached.out == "published\n", "\(reached)")
        _ = p.compose("rm", "-f", "-s")
        try? p.engine.remove(c.id, force: true)
        let plain = p.compose(
            "run", "-d", "app", "sh", "-c",
            "mkdir -p /www && echo published > /www/index.html && exec httpd -f -p 8080 -h /www")
        #expect(plain.status == 0, "\(plain)")
        let unreached = p.compose("run", "--rm", "app", "wget", "-q", "-O", "-", "http://app:8080/")
        #expect(unreached.status != 0, "\(unreached)")
        let ids = p.engine.listContainers().map(\.id)
        for c in p.engine.listContainers() { try? p.engine.remove(c.id, force: true) }
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func runBuildPullAndRemoveOrphans() throws {
        let nowhere = "127.0.0.1:\(FreePort.next())"
        let compose = """
            name: s14rb
            services:
              app:
                build: .
                command: ["cat", "/v"]
              far:
                image: \(nowhere)/s14/far:1
              gone:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
            """
        let p = try Project(compose)
        defer { p.cleanUp() }
        try "FROM busybox\nRUN echo v1 > /v\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        #expect(p.compose("run", "--rm", "app").out.hasSuffix("v1\n"))
        try "FROM busybox\nRUN echo v2 > /v\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        #expect(p.compose("run", "--rm", "app").out == "v1\n")
        let rebuilt = p.compose("run", "--rm", "--build", "app")
        #expect(rebuilt.out.hasSuffix("v2\n"), "\(rebuilt)")

        let never = p.compose("run", "--rm", "--pull", "never", "far")
        #expect(never.status != 0 && never.err.contains("pull_policy is never"), "\(never)")
        let invalid = p.compose("run", "--rm", "--pull", "sometimes", "app")
        #expect(invalid.status == 1 && invalid.err.contains("invalid --pull option"), "\(invalid)")

        #expect(p.compose("up", "-d", "gone").status == 0)
        try compose.replacingOccurrences(of: "  gone:\n    image: busybox\n", with: "  other:\n    image: busybox\n")
            .write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        #expect(p.compose("run", "--rm", "app").status == 0)
        #expect(p.container("s14rb-gone-1") != nil)
        let removing = p.compose("run", "--rm", "--remove-orphans", "app")
        #expect(removing.status == 0, "\(removing)")
        #expect(p.container("s14rb-gone-1") == nil)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// A listening Unix socket at `path` (an "ssh agent" a build may forward); its descriptor.
    static func listeningSocket(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in path.utf8.enumerated() where i < buf.count - 1 { buf[i] = b }
        }
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        listen(fd, 1)
        return fd
    }

    @Test func buildArgQuietSshDependenciesAndPush() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let image = "\(registry.host)/s14/app:1"
        let p = try Project(
            """
            name: s14build
            services:
              app:
                build:
                  context: .
                  args:
                    GREETING: fromfile
                image: \(image)
                depends_on: [base]
              base:
                build: ./base
              agent:
                build: ./agent
            """)
        defer { p.cleanUp() }
        try "FROM busybox\nARG GREETING=default\nRUN echo $GREETING > /g\n".write(
            toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        for (dir, text) in [
            ("base", "FROM busybox\nRUN echo base > /b\n"),
            ("agent", "FROM busybox\nRUN --mount=type=ssh,required=true test -S $SSH_AUTH_SOCK\n"),
        ] {
            try FileManager.default.createDirectory(atPath: p.dir + "/" + dir, withIntermediateDirectories: true)
            try text.write(toFile: p.dir + "/\(dir)/Dockerfile", atomically: true, encoding: .utf8)
        }
        let loud = p.compose("build", "app")
        #expect(loud.status == 0 && !loud.out.isEmpty, "\(loud)")
        #expect((try? p.engine.images.resolve("s14build-base")) == nil)
        #expect(p.compose("run", "--rm", "--no-deps", "app", "cat", "/g").out == "fromfile\n")

        let quiet = p.compose("build", "-q", "--build-arg", "GREETING=flag", "app")
        #expect(quiet.status == 0 && quiet.out.isEmpty, "\(quiet)")
        #expect(p.compose("run", "--rm", "--no-deps", "app", "cat", "/g").out == "flag\n")
        let fromCaller = p.compose("build", "-q", "--build-arg", "GREETING", "app", env: ["GREETING": "caller"])
        #expect(fromCaller.status == 0, "\(fromCaller)")
        #expect(p.compose("run", "--rm", "--no-deps", "app", "cat", "/g").out == "caller\n")

        #expect(p.compose("build", "-q", "--with-dependencies", "app").status == 0)
        #expect((try? p.engine.images.resolve("s14build-base")) != nil)

        let repositories = registry.storage + "/docker/registry/v2/repositories/s14/app"
        #expect(!FileManager.default.fileExists(atPath: repositories))
        let pushed = p.compose("build", "-q", "--push", "app")
        #expect(pushed.status == 0, "\(pushed)")
        #expect(FileManager.default.fileExists(atPath: repositories))

        let noAgent = p.compose("build", "agent")
        #expect(noAgent.status != 0 && noAgent.err.contains("no SSH key"), "\(noAgent)")
        let socketPath = p.root + "/agent.sock"
        let fd = Self.listeningSocket(socketPath)
        defer { close(fd) }
        let agent = p.compose("build", "--ssh", "default=\(socketPath)", "agent")
        #expect(agent.status == 0, "\(agent)")
        #expect(p.engine.listContainers().isEmpty)
    }
}
