import Foundation
import SkiffKit
import Testing

/// A process running as a non-root user writes /dev/stdout and /dev/stderr (the nginx image's "logs are
/// symlinks to stdout" pattern): the stdio pipes are given to the process's user, for run, run -d, exec
/// and compose, as runc does. Before, each write failed with "Permission denied".
@Suite(
    "stdio owned by the process user", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct StdioOwnershipTests {
    static let writeBoth = "echo out-$(id -u) > /dev/stdout && echo err-$(id -u) > /dev/stderr"

    @Test func foregroundRunAndExecAsNonRootUser() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff("run", "--rm", "--user", "1000:1000", "busybox", "sh", "-c", Self.writeBoth)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("out-1000") && run.err.contains("err-1000"), "out: \(run.out) err: \(run.err)")

        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        let exec = root.skiff("exec", "--user", "1000", "box", "sh", "-c", Self.writeBoth)
        #expect(exec.status == 0, "\(exec.err)")
        #expect(exec.out.contains("out-1000") && exec.err.contains("err-1000"), "out: \(exec.out) err: \(exec.err)")
    }

    /// The official-image pattern: a server as a non-root user on port 80, its log a symlink to
    /// /dev/stdout, read back with `logs`.
    @Test func detachedServerLogsToStdoutAsNonRootUser() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let port = NetworkTests.freePort()
        let script = """
            mkdir -p /tmp/www /tmp/log && echo served > /tmp/www/index.html && ln -sf /dev/stdout /tmp/log/access.log \
            && echo "listening as $(id -u)" >> /tmp/log/access.log && exec httpd -f -v -p 80 -h /tmp/www
            """
        let run = root.skiff(
            "run", "-d", "--name", "web", "--user", "101:101", "-p", "127.0.0.1:\(port):80",
            "busybox", "sh", "-c", script)
        #expect(run.status == 0, "\(run.err)")
        #expect(root.eventually(30) { NetworkTests.curl("http://127.0.0.1:\(port)/").contains("served") })
        #expect(
            root.eventually(10) { root.skiff("logs", "web").out.contains("listening as 101") },
            "\(root.skiff("logs", "web"))")
    }

    @Test func composeServiceAsNonRootUser() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            services:
              app:
                image: busybox
                user: "1000"
                command: ["sh", "-c", "\(Self.writeBoth) && sleep 1000"]
                stop_grace_period: 1s
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        let logs = p.compose("logs", "app")
        #expect(logs.out.contains("out-1000") && logs.out.contains("err-1000"), "\(logs.out)\(logs.err)")
        #expect(p.compose("down").status == 0)
    }
}
