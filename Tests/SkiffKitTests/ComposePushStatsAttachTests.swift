import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// `compose push`, `compose stats` and `compose attach`, driven through the built CLI.
@Suite("compose push, stats and attach", .serialized)
struct ComposePushStatsAttachTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry"), "needs docker-registry"))
    func pushSendsTheImagesTheProjectBuilds() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let reg = registry.host
        let p = try Project(
            """
            name: pushy
            services:
              missing:
                build: .
                image: \(reg)/pushy/missing:1
              app:
                build:
                  context: .
                  tags: ["\(reg)/pushy/app:extra"]
                image: \(reg)/pushy/app:1
              plain:
                image: busybox
            """)
        defer { p.cleanUp() }
        try "FROM busybox\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        let busybox = try p.engine.images.resolve("busybox")
        for tag in ["\(reg)/pushy/app:1", "\(reg)/pushy/app:extra"] {
            try p.engine.images.tag(ImageReference(parsing: tag), manifest: busybox.manifestDigest)
        }
        let repositories = registry.storage + "/docker/registry/v2/repositories"

        let failing = p.compose("push", timeout: 120)
        #expect(failing.status == 1 && failing.err.contains("\(reg)/pushy/missing:1"), "\(failing.err)")

        let push = p.compose("push", "--ignore-push-failures", timeout: 120)
        #expect(push.status == 0, "\(push.err)")
        #expect(push.err.contains("Pushing missing:"), "\(push.err)")
        let tags = try FileManager.default.contentsOfDirectory(atPath: repositories + "/pushy/app/_manifests/tags")
        #expect(Set(tags) == ["1", "extra"])
        #expect(
            !FileManager.default.fileExists(atPath: repositories + "/busybox"), "a service without build is skipped")

        let quiet = p.compose("push", "-q", "--ignore-push-failures", "app", timeout: 120)
        #expect(quiet.status == 0 && quiet.err.isEmpty && quiet.out.isEmpty, "\(quiet.err)")
        #expect(p.compose("push", "nope").status != 0)
    }

    @Test func statsShowsTheProjectsContainers() throws {
        let p = try Project(
            """
            name: statsy
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
              worker:
                image: busybox
                command: ["sleep", "1000"]
            """)
        defer { p.cleanUp() }
        try #require(p.compose("up", "-d").status == 0)
        let all = p.compose("stats", "--no-stream", "--format", "{{.Name}}")
        #expect(all.status == 0, "\(all.err)")
        #expect(all.out == "statsy-web-1\nstatsy-worker-1\n")
        let one = p.compose("stats", "--no-stream", "--format", "json", "web")
        #expect(one.status == 0 && one.out.contains("\"Name\":\"statsy-web-1\"") && !one.out.contains("worker"))
        let table = p.compose("stats", "--no-stream")
        #expect(table.out.hasPrefix("CONTAINER ID") && table.out.contains("statsy-web-1"), "\(table.out)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-t", "0").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// `compose attach` as a process of its own, its output read as it comes.
    static func attach(_ p: Project, _ args: [String], out: Pipe) throws -> Process {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        proc.arguments = ["compose", "attach"] + args
        proc.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        proc.environment = env
        proc.standardOutput = out
        proc.standardError = FileHandle.nullDevice
        proc.standardInput = FileHandle.nullDevice
        try proc.run()
        return proc
    }

    static func waitFor(_ text: String, in pipe: Pipe, timeout: Double = 20) -> Bool {
        var seen = ""
        let deadline = Date().addingTimeInterval(timeout)
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                seen += String(decoding: buf[0..<n], as: UTF8.self)
                if seen.contains(text) { return true }
            }
        }
        return false
    }

    static func exitStatus(_ proc: Process, timeout: Double = 20) -> Int32? {
        guard Poll.until(timeout, { !proc.isRunning }) else {
            kill(proc.processIdentifier, SIGKILL)
            return nil
        }
        return proc.terminationStatus
    }

    @Test func attachFollowsTheServiceAndProxiesSignals() throws {
        let p = try Project(
            """
            name: attachy
            services:
              web:
                image: busybox
                command: ["sh", "-c", "trap 'echo got-int; exit 3' INT; while true; do echo tick; sleep 0.2; done"]
            """)
        defer { p.cleanUp() }
        try #require(p.compose("up", "-d").status == 0)

        // --sig-proxy=false: Ctrl-C ends the attach (128+2) and the container goes on.
        let quietOut = Pipe()
        let detached = try Self.attach(p, ["--sig-proxy=false", "web"], out: quietOut)
        #expect(Self.waitFor("tick", in: quietOut))
        kill(detached.processIdentifier, SIGINT)
        #expect(Self.exitStatus(detached) == 130)
        #expect(p.container("attachy-web-1")?.status == .running)

        // The default proxies SIGINT to the container, whose exit code the attach returns.
        let out = Pipe()
        let proxied = try Self.attach(p, ["--index", "1", "web"], out: out)
        #expect(Self.waitFor("tick", in: out))
        kill(proxied.processIdentifier, SIGINT)
        #expect(Self.waitFor("got-int", in: out))
        #expect(Self.exitStatus(proxied) == 3)

        #expect(p.compose("attach", "--index", "2", "web").status != 0)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-t", "0").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
