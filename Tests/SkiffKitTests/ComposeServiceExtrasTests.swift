import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// `attach: false` (compose up in the foreground leaves that service's log out), `label_file` (labels
/// from a file, `labels:` winning) and `cgroup_parent` / `--cgroup-parent` (the container's cgroup under
/// that parent), as Docker Compose and Docker carry them out.
@Suite(
    "compose attach, label_file, cgroup_parent", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeServiceExtrasTests {
    typealias Project = ComposeEndToEndTests.Project

    /// The parent cgroup a test made, removed from every hierarchy (Docker's cgroupfs driver leaves it).
    static func removeParent(_ parent: String) {
        for h in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            rmdir("/sys/fs/cgroup/\(h)/\(parent)")
        }
    }

    static func cgroupLines(_ pid: Int32) -> [String] {
        ((try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    @Test func attachFalseLeavesTheLogOut() throws {
        let p = try Project(
            """
            name: cmpattach
            services:
              quiet:
                image: busybox
                attach: false
                command: ["sh", "-c", "echo from-quiet; sleep 1"]
              loud:
                image: busybox
                command: ["sh", "-c", "sleep 0.5; echo from-loud"]
            """)
        defer { p.cleanUp() }
        let up = p.compose("up")
        #expect(up.status == 0, "\(up.err)")
        #expect(up.out.contains("from-loud") && !up.out.contains("from-quiet"), "\(up.out)")
        // The service ran all the same.
        #expect(p.compose("logs", "quiet").out.contains("from-quiet"))
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func labelFileAndCgroupParent() throws {
        let parent = "skiff-compat-cgp-\(UInt32.random(in: 0...UInt32.max))"
        defer { Self.removeParent(parent) }
        let p = try Project(
            """
            name: cmpextra
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                label_file: [./app.labels]
                labels: {b: explicit}
                cgroup_parent: \(parent)
            """)
        defer { p.cleanUp() }
        try "# labels\na=from-file\nb=file\n".write(toFile: p.dir + "/app.labels", atomically: true, encoding: .utf8)
        let config = p.compose("config")
        #expect(config.out.contains("cgroup_parent: \(parent)") && config.out.contains("a: from-file"), "\(config.out)")
        let up = p.compose("up", "-d")
        try #require(up.status == 0, "\(up.err)")
        let c = try #require(p.container("cmpextra-app-1"))
        #expect(c.labels["a"] == "from-file" && c.labels["b"] == "explicit", "\(c.labels)")
        let pid = try #require(c.pid)
        let lines = Self.cgroupLines(pid)
        #expect(
            lines.contains { $0.hasSuffix(":cpu,cpuacct:/\(parent)/\(c.id)") || $0.hasSuffix(":/\(parent)/\(c.id)") },
            "\(lines)")
        #expect(!lines.contains { $0.contains("/skiff/\(c.id)") }, "\(lines)")
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: [c.id])
        for h in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\(h)/\(parent)/\(c.id)"))
        }

        // The run flag, the same way.
        let root = try CLIRoot(prefix: "skiff-compat-cgpr-")
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "cgp", "--cgroup-parent", "/" + parent + "/sub", "busybox", "sleep", "1000")
        try #require(run.status == 0, "\(run.err)")
        let id = root.inspect("cgp", "{{.Id}}")
        let runPid = try #require(Int32(root.inspect("cgp", "{{.State.Pid}}")))
        #expect(
            Self.cgroupLines(runPid).contains { $0.hasSuffix(":/\(parent)/sub/\(id)") }, "\(Self.cgroupLines(runPid))")
        #expect(root.skiff("rm", "-f", "cgp").status == 0)
        for h in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            rmdir("/sys/fs/cgroup/\(h)/\(parent)/sub")
        }
    }

    @Test func badValuesAreNamed() throws {
        let p = try Project(
            """
            services:
              app:
                image: busybox
                cgroup_parent: ../../escape
                label_file: missing.labels
            """)
        defer { p.cleanUp() }
        let r = p.compose("config")
        #expect(r.status != 0 && r.err.contains("services.app.cgroup_parent"), "\(r.err)")
        try "services:\n  app:\n    image: busybox\n    label_file: missing.labels\n    attach: maybe\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let m = p.compose("config")
        #expect(m.status != 0 && m.err.contains("services.app.label_file: label file"), "\(m.err)")
        let root = try CLIRoot(prefix: "skiff-compat-cgpb-")
        defer { root.cleanUp() }
        let bad = root.skiff("run", "--rm", "--cgroup-parent", "../x", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("../x"), "\(bad.err)")
    }
}
