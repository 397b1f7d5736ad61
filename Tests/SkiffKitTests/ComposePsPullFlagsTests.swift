import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `compose ps` and `compose pull` flags as Docker Compose has them, driving the CLI.
@Suite(
    "Compose ps and pull flags",
    .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposePsPullFlagsTests {
    typealias Project = ComposeEndToEndTests.Project

    static func names(_ r: Project.Result) -> [String] {
        r.out.split(separator: "\n").dropFirst().map { String($0.split(separator: " ").first ?? "") }
    }

    @Test func psStatusFilterNoTruncAndOrphans() throws {
        let compose = """
            name: s14ps
            services:
              a:
                image: busybox
                command: ["sh", "-c", "exec sleep 1000 # a command longer than twenty"]
                stop_grace_period: 0s
              b:
                image: busybox
                command: ["true"]
            """
        let p = try Project(compose)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        let deadline = Date().addingTimeInterval(10)
        while p.container("s14ps-b-1")?.status != .exited && Date() < deadline { usleep(50_000) }
        #expect(Self.names(p.compose("ps")) == ["s14ps-a-1"])
        // A state asked for lists stopped containers without -a.
        #expect(Self.names(p.compose("ps", "--status", "exited")) == ["s14ps-b-1"])
        #expect(Self.names(p.compose("ps", "--filter", "status=exited")) == ["s14ps-b-1"])
        #expect(Self.names(p.compose("ps", "--status", "exited", "--status", "running")) == ["s14ps-a-1", "s14ps-b-1"])
        let source = p.compose("ps", "--filter", "source=image")
        #expect(source.status == 1 && source.err == "not implemented\n", "\(source)")
        let unknown = p.compose("ps", "--filter", "colour=red")
        #expect(unknown.status == 1 && unknown.err == "unknown filter colour\n", "\(unknown)")
        let bad = p.compose("ps", "--status", "sleeping")
        #expect(bad.status == 1 && bad.err == "invalid filter \"sleeping\"\n", "\(bad)")

        let short = p.compose("ps")
        #expect(short.out.contains("…") && !short.out.contains("longer than twenty"), "\(short.out)")
        let full = p.compose("ps", "--no-trunc")
        #expect(full.out.contains("longer than twenty"), "\(full.out)")

        // b leaves the file: an orphan, listed unless --orphans=false.
        try compose.replacingOccurrences(of: "\n  b:\n    image: busybox\n    command: [\"true\"]", with: "")
            .write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        #expect(Self.names(p.compose("ps", "-a")) == ["s14ps-a-1", "s14ps-b-1"])
        #expect(Self.names(p.compose("ps", "-a", "--orphans=false")) == ["s14ps-a-1"])
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "--remove-orphans").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func pullFlags() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let reg = registry.host
        let p = try Project(
            """
            name: s14pull
            services:
              web:
                image: \(reg)/s14/web:1
                depends_on: [dep]
              dep:
                image: \(reg)/s14/dep:1
              missing:
                image: \(reg)/s14/missing:1
              built:
                build: .
                image: \(reg)/s14/built:1
            """)
        defer { p.cleanUp() }
        try "FROM busybox\n".write(toFile: p.dir + "/Dockerfile", atomically: true, encoding: .utf8)
        let busybox = try p.engine.images.resolve("busybox")
        for name in ["web", "dep"] {
            let ref = try ImageReference(parsing: "\(reg)/s14/\(name):1")
            try p.engine.images.tag(ref, manifest: busybox.manifestDigest)
            #expect(ComposeUpFlagsEndToEndTests.skiff(p, "push", "\(reg)/s14/\(name):1") == 0)
            _ = try p.engine.images.untag(ref)
        }
        func here(_ name: String) -> Bool { (try? p.engine.images.resolve("\(reg)/s14/\(name):1")) != nil }

        #expect(p.compose("pull", "web").status == 0)
        #expect(here("web") && !here("dep"))
        #expect(p.compose("pull", "--include-deps", "web").status == 0)
        #expect(here("dep"))

        let failing = p.compose("pull", "missing")
        #expect(failing.status == 1, "\(failing)")
        let ignoring = p.compose("pull", "--ignore-pull-failures", "missing", "web")
        #expect(ignoring.status == 0, "\(ignoring)")

        let buildable = p.compose("pull", "built")
        #expect(buildable.status == 1 && buildable.err.contains("skiff compose build built"), "\(buildable)")
        let ignored = p.compose("pull", "--ignore-buildable", "built")
        #expect(ignored.status == 0 && ignored.err.contains("built Skipped Image can be built"), "\(ignored)")

        let missingPolicy = p.compose("pull", "--policy", "missing", "web")
        #expect(missingPolicy.err.contains("web Skipped Image is already present locally"), "\(missingPolicy)")
        let always = p.compose("pull", "--policy", "always", "web")
        #expect(always.status == 0 && always.err.contains("web Pulled"), "\(always)")
        let badPolicy = p.compose("pull", "--policy", "sometimes")
        #expect(badPolicy.status == 1 && badPolicy.err.contains("invalid --policy option"), "\(badPolicy)")
        #expect(p.engine.listContainers().isEmpty)
    }
}
