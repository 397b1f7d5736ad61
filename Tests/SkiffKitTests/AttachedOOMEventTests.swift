import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// Docker's `oom` comes as the kernel kills, for an attached container too (issue 14): `run` without
/// -d and `compose run` have no monitor, so the run's own process watches the cgroup's counter. Each
/// child killed while the init lives on is an event at once, while the run is still attached, and the
/// exit owes none of them again.
@Suite(
    "OOM events of an attached run as the kill happens", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct AttachedOOMEventTests {
    /// Three children killed at the 16 MB limit, one after another; the shell lives on until /done.
    static let threeKills =
        "for i in 1 2 3; do tail /dev/zero; done; while [ ! -e /done ]; do sleep 0.1; done; echo done"

    /// A `skiff` command started in the background (output to `out`), its pid.
    static func start(_ args: [String], root: String, directory: String? = nil, out: String) throws -> pid_t {
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = root
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(fd) }
        let argv =
            directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, Engine.skiffPath] + args }
            ?? [Engine.skiffPath] + args
        return try Subprocess.spawn(
            argv, environment: env.map { "\($0.key)=\($0.value)" }, stdin: .null, stdout: .fd(fd), stderr: .fd(fd))
    }

    /// Whether `pid` still runs (not reaped); its exit code once it has ended.
    static func exitCode(_ pid: pid_t, wait: Bool) -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, wait ? 0 : WNOHANG)
        guard r == pid else { return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The container's events so far, as `Action exitCode` lines, without its execs'.
    static func actions(root: String, _ name: String, since: String) -> [String] {
        let r = SpawnedCLI.skiff(
            [
                "events", "--since", since, "--until", OOMKillTests.now(), "-f", "container=" + name, "--format",
                "{{.Action}} {{.Actor.Attributes.exitCode}}",
            ], root: root)
        #expect(r.status == 0, "\(r.err)")
        return r.out.replacingOccurrences(of: " <no value>", with: "").split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("exec_") }
    }

    /// Drives one attached run: the three `oom` events come while it is attached (its process still
    /// running, the container running with State.OOMKilled set), then /done ends it with 0 and the exit
    /// adds no `oom`. Returns the events of the whole run.
    static func checkKillsWhileAttached(root: String, name: () -> String?, pid: pid_t, since: String, out: String)
        -> [String]
    {
        var ended: Int32?
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            ended = exitCode(pid, wait: false)
            if ended != nil { break }
            if let n = name() {
                seen = actions(root: root, n, since: since)
                if seen.filter({ $0 == "oom" }).count == 3 { break }
            }
            usleep(100_000)
        }
        #expect(ended == nil, "the run ended before its kills were events: \(seen)")
        #expect(seen.filter { $0 == "oom" }.count == 3, "\(seen)")
        #expect(!seen.contains { $0.hasPrefix("die") }, "\(seen)")
        guard ended == nil, let n = name() else { return seen }
        let state = SpawnedCLI.skiff(["inspect", "-f", "{{.State.Status}} {{.State.OOMKilled}}", n], root: root)
        #expect(state.out == "running true\n", "\(state)")
        #expect(SpawnedCLI.skiff(["exec", n, "touch", "/done"], root: root).status == 0)
        #expect(exitCode(pid, wait: true) == 0)
        #expect(((try? FileIO.readString(out)) ?? "").contains("done\n"))
        return actions(root: root, n, since: since)
    }

    @Test func runEmitsEachKillAsItHappens() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = OOMKillTests.now()
        let out = root.path + "/.run-out"
        let pid = try Self.start(
            ["run", "--name", "att", "-m", "16m", "busybox", "sh", "-c", Self.threeKills], root: root.path, out: out)
        defer { if Self.exitCode(pid, wait: false) == nil { kill(pid, SIGKILL); _ = Self.exitCode(pid, wait: true) } }
        let all = Self.checkKillsWhileAttached(root: root.path, name: { "att" }, pid: pid, since: since, out: out)
        #expect(all == ["create", "attach", "start", "oom", "oom", "oom", "die 0"])
        #expect(root.inspect("att", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}") == "true 0 exited")
    }

    /// The watch's thread takes no signal: a TERM to the attached run still reaches the container.
    @Test func signalsAreStillForwardedWhileTheWatchRuns() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = OOMKillTests.now()
        let out = root.path + "/.run-out"
        let pid = try Self.start(
            [
                "run", "--name", "term", "-m", "16m", "busybox", "sh", "-c",
                "trap 'exit 7' TERM; tail /dev/zero; while true; do sleep 0.1; done",
            ], root: root.path, out: out)
        defer { if Self.exitCode(pid, wait: false) == nil { kill(pid, SIGKILL); _ = Self.exitCode(pid, wait: true) } }
        #expect(root.eventually(20) { Self.actions(root: root.path, "term", since: since).contains("oom") })
        #expect(kill(pid, SIGTERM) == 0)
        #expect(Self.exitCode(pid, wait: true) == 7)
        #expect(Self.actions(root: root.path, "term", since: since) == ["create", "attach", "start", "oom", "die 7"])
    }

    @Test func composeRunEmitsEachKillAsItHappens() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            name: s14attoom
            services:
              hog:
                image: busybox
                mem_limit: 16m
                command: ["sh", "-c", "\(Self.threeKills)"]
            """)
        defer { p.cleanUp() }
        let since = OOMKillTests.now()
        let out = p.root + "/.run-out"
        let pid = try Self.start(["compose", "run", "hog"], root: p.engine.root, directory: p.dir, out: out)
        defer { if Self.exitCode(pid, wait: false) == nil { kill(pid, SIGKILL); _ = Self.exitCode(pid, wait: true) } }
        let name = { p.engine.listContainers().first { $0.name.hasPrefix("s14attoom-hog-run-") }?.name }
        let all = Self.checkKillsWhileAttached(root: p.engine.root, name: name, pid: pid, since: since, out: out)
        #expect(all == ["create", "attach", "start", "oom", "oom", "oom", "die 0"])
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
