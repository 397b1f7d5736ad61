import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// A container the kernel's OOM killer ends (issue 14), driven as a user would, against Docker's
/// behaviour: exit 137, `State.OOMKilled` true, `oom` before `die` in `events`, `ps -a` saying
/// Exited (137), `wait` giving 137; a start clears it, and a kill -9 is no OOM kill. Every path that
/// records an exit: an attached run, the monitor (run -d, start, a restart policy's restart).
@Suite(
    "OOM kill (State.OOMKilled, the oom event)", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct OOMKillTests {
    /// Grows without end (tail keeps the one endless line of /dev/zero): killed at the 8 MB limit.
    static let hog = "tail /dev/zero"

    /// The container's events between `since` and now, as `Action exitCode` lines.
    static func actions(_ root: CLIRoot, _ name: String, since: String) -> [String] {
        let until = String(format: "%.9f", Timestamp.nowSeconds())
        let r = root.skiff(
            "events", "--since", since, "--until", until, "-f", "container=" + name, "--format",
            "{{.Action}} {{.Actor.Attributes.exitCode}}")
        #expect(r.status == 0, "\(r.err)")
        return r.out.replacingOccurrences(of: " <no value>", with: "").split(separator: "\n").map(String.init)
    }

    static func now() -> String { String(format: "%.9f", Timestamp.nowSeconds()) }

    @Test func attachedRun() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = Self.now()
        let run = root.skiff("run", "--name", "hog", "-m", "8m", "busybox", "sh", "-c", Self.hog)
        #expect(run.status == 137, "\(run.err)")
        #expect(root.inspect("hog", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}") == "true 137 exited")
        #expect(Self.actions(root, "hog", since: since) == ["create", "attach", "start", "oom", "die 137"])
        #expect(root.skiff("ps", "-a", "--format", "{{.Status}}").out.hasPrefix("Exited (137) "))
        #expect(root.skiff("wait", "hog").out == "137\n")
        // Docker's example: the shell itself grows, reading the output into a variable.
        let shell = root.skiff(
            "run", "--rm", "--name", "shell", "-m", "8m", "busybox", "sh", "-c",
            #"x=$(head -c 100m /dev/zero | tr "\0" a)"#)
        #expect(shell.status == 137, "\(shell.err)")
        #expect(Self.actions(root, "shell", since: since).suffix(3) == ["oom", "die 137", "destroy"])
    }

    @Test func detachedRunThenAStartAndAKill() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = Self.now()
        // The first run grows until it is killed; a later one sleeps.
        let run = root.skiff(
            "run", "-d", "--name", "once", "-m", "8m", "busybox", "sh", "-c",
            "if [ -e /ran ]; then exec sleep 1000; fi; touch /ran; " + Self.hog)
        #expect(run.status == 0, "\(run.err)")
        #expect(root.skiff("wait", "once").out == "137\n")
        #expect(root.inspect("once", "{{.State.OOMKilled}} {{.State.ExitCode}}") == "true 137")
        #expect(root.skiff("ps", "-a", "--format", "{{.Status}}").out.hasPrefix("Exited (137) "))
        #expect(Self.actions(root, "once", since: since) == ["create", "start", "oom", "die 137"])

        // The next start clears it (as Docker's SetRunning); a kill -9 is 137 too, but no OOM kill.
        #expect(root.skiff("start", "once").status == 0)
        #expect(root.inspect("once", "{{.State.OOMKilled}} {{.State.Status}}") == "false running")
        #expect(root.skiff("kill", "-s", "KILL", "once").status == 0)
        #expect(root.skiff("wait", "once").out == "137\n")
        #expect(root.inspect("once", "{{.State.OOMKilled}} {{.State.ExitCode}}") == "false 137")
        #expect(
            Self.actions(root, "once", since: since) == [
                "create", "start", "oom", "die 137", "start", "kill", "die 137",
            ])
    }

    /// The container's events since `since` without its execs' (the `touch` that ends the runs below).
    static func ownActions(_ root: CLIRoot, _ name: String, since: String) -> [String] {
        actions(root, name, since: since).filter { !$0.hasPrefix("exec_") }
    }

    /// The init (a shell) outlives the hog it starts, then waits until /done exists and exits 0.
    static let survivor = hog + "; while [ ! -e /done ]; do sleep 0.1; done"

    /// Docker's `oom` comes when the kernel kills, not at the exit: a child killed while the init lives
    /// on is an event at once (the monitor watches the cgroup's counter), State.OOMKilled is set, and the
    /// exit later owes no second `oom`.
    @Test func aChildKilledWhileTheInitLivesIsAnEventAtOnce() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = Self.now()
        let run = root.skiff("run", "-d", "--name", "lives", "-m", "16m", "busybox", "sh", "-c", Self.survivor)
        #expect(run.status == 0, "\(run.err)")
        #expect(root.eventually(20) { Self.ownActions(root, "lives", since: since).contains("oom") })
        #expect(Self.ownActions(root, "lives", since: since) == ["create", "start", "oom"])
        #expect(
            root.inspect("lives", "{{.State.Running}} {{.State.Status}} {{.State.OOMKilled}}") == "true running true")

        #expect(root.skiff("exec", "lives", "touch", "/done").status == 0)
        #expect(root.skiff("wait", "lives").out == "0\n")
        #expect(root.inspect("lives", "{{.State.OOMKilled}} {{.State.ExitCode}}") == "true 0")
        #expect(Self.ownActions(root, "lives", since: since) == ["create", "start", "oom", "die 0"])
    }

    /// A restart policy's restart runs in a new cgroup: the monitor watches that one.
    @Test func theWatchFollowsARestartIntoItsNewCgroup() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = Self.now()
        let run = root.skiff(
            "run", "-d", "--name", "rerun", "--restart", "on-failure:1", "-m", "16m", "busybox", "sh", "-c",
            "if [ ! -e /ran ]; then touch /ran; exit 1; fi; " + Self.survivor)
        #expect(run.status == 0, "\(run.err)")
        #expect(root.eventually(20) { Self.ownActions(root, "rerun", since: since).contains("oom") })
        #expect(Self.ownActions(root, "rerun", since: since) == ["create", "start", "die 1", "start", "oom"])
        #expect(root.inspect("rerun", "{{.RestartCount}} {{.State.Running}} {{.State.OOMKilled}}") == "1 true true")
        #expect(root.skiff("exec", "rerun", "touch", "/done").status == 0)
        #expect(root.skiff("wait", "rerun").out == "0\n")
        #expect(
            Self.ownActions(root, "rerun", since: since) == ["create", "start", "die 1", "start", "oom", "die 0"])
    }

    @Test func aRecordRepairedAfterItsMonitorDiedSaysSoToo() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "orphan", "-m", "8m", "busybox", "sh", "-c", "sleep 1; " + Self.hog)
        #expect(run.status == 0, "\(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let monitor = try #require(try root.engine.containers.load(id: id).monitorPid)
        #expect(kill(monitor, SIGKILL) == 0)
        // Nobody records the exit: the next reading of the record repairs it, from the cgroup still there.
        #expect(root.eventually(20) { root.inspect("orphan", "{{.State.Status}}") == "exited" })
        #expect(root.inspect("orphan", "{{.State.OOMKilled}}") == "true")
    }

    @Test func composeUpReportsTheExitAndRecordsTheKill() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            name: s14oom
            services:
              hog:
                image: busybox
                mem_limit: 8m
                command: ["sh", "-c", "\(Self.hog)"]
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "--exit-code-from", "hog", timeout: 60)
        #expect(up.status == 137, "\(up)")
        #expect(up.out.contains("s14oom-hog-1 exited with code 137"), "\(up.out)")
        #expect(p.container("s14oom-hog-1")?.oomKilled == true)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func aRestartPolicysRestartClearsIt() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let since = Self.now()
        let run = root.skiff(
            "run", "-d", "--name", "again", "--restart", "on-failure:1", "-m", "8m", "busybox", "sh", "-c",
            "if [ -e /ran ]; then exit 3; fi; touch /ran; " + Self.hog)
        #expect(run.status == 0, "\(run.err)")
        #expect(root.eventually(20) { root.inspect("again", "{{.RestartCount}} {{.State.Status}}") == "1 exited" })
        #expect(root.inspect("again", "{{.State.OOMKilled}} {{.State.ExitCode}}") == "false 3")
        #expect(Self.actions(root, "again", since: since) == ["create", "start", "oom", "die 137", "start", "die 3"])
    }
}
