import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// `exec -it` under its exec waiter (skiff-monitor -E holds the terminal), as Docker's: the detach keys
/// (Ctrl-P Ctrl-Q, `--detach-keys`, or the configuration's `detachKeys`) leave the process running with
/// its terminal open, with Docker's "read escape sequence" error (1), and its end is still recorded as
/// exec_die; without a detach the exit code is the process's, and the terminal follows the window.
/// Each plays the user through a real pty (LifecycleTests.playTerminal).
@Suite(
    "exec -it detach keys",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ExecTerminalDetachTests {
    /// A container `a` whose only process is `sleep` (so any `sh` in it is an exec's).
    static func sleeper() throws -> CLIRoot {
        let root = try CLIRoot(prefix: "skiff-exec-tty-")
        let run = root.skiff("run", "-d", "--name", "a", "--network", "none", "busybox", "sleep", "1000")
        #expect(run.status == 0, "\(run.err)")
        return root
    }

    /// The root's exec waiters (skiff-monitor -E) still running.
    static func waiters(_ root: CLIRoot) -> [String] {
        HostLeftovers.processesMentioning("-E -s \(Engine.skiffPath) -d \(root.path)")
    }

    /// The pids of the container's `sh` processes, and the terminal of each (`/proc/PID/fd/0`).
    static func shells(_ root: CLIRoot) -> [String: String] {
        let out = root.skiff(
            "exec", "a", "sh", "-c",
            #"for p in $(pidof sh); do [ $p = $$ ] || echo "$p $(readlink /proc/$p/fd/0)"; done"#
        ).out
        var found: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2 { found[String(words[0])] = String(words[1]) }
        }
        return found
    }

    @Test func ctrlPCtrlQLeavesTheProcessRunningAndItsEndIsRecorded() throws {
        let root = try Self.sleeper()
        defer { root.cleanUp() }
        let text = try LifecycleTests.playTerminal(
            root, rows: 30, columns: 90, [#"echo marker=$((6*7))\r"#, #"\x10\x11"#], ["exec", "-it", "a", "sh"])
        #expect(text.contains("marker=42"), "\(text)")
        #expect(text.contains("read escape sequence") && text.hasSuffix("\n1\n"), "Docker's detach error: \(text)")
        // Still there a moment later (no hangup), its terminal open.
        usleep(500_000)
        let shells = Self.shells(root)
        #expect(shells.count == 1 && shells.values.first?.hasPrefix("/dev/pts/") == true, "\(shells)")
        let execID = try #require(ExecDetachedEventsTests.execEvents(root).first { $0[0] == "exec_start: sh" }?[2])
        func events() -> [[String]] { ExecDetachedEventsTests.execEvents(root).filter { $0[2] == execID } }
        #expect(events().map { $0[0] } == ["exec_create: sh", "exec_start: sh"], "\(events())")

        // Its end, whenever it comes, is the waiter's to record.
        let pid = try #require(shells.keys.first)
        #expect(root.skiff("exec", "a", "kill", "-9", pid).status == 0)
        #expect(root.eventually(15) { events().count == 3 })
        #expect(events().map { $0[0] } == ["exec_create: sh", "exec_start: sh", "exec_die"], "\(events())")
        #expect(events().last?[1] == "137", "\(events())")
        #expect(root.eventually(5) { Self.waiters(root).isEmpty }, "\(Self.waiters(root))")
    }

    /// After the detach the waiter reads what the process prints: a megabyte of output never blocks it.
    @Test func outputAfterTheDetachIsDrained() throws {
        let root = try Self.sleeper()
        defer { root.cleanUp() }
        let text = try LifecycleTests.playTerminal(
            root, rows: 24, columns: 80,
            [
                #"(sleep 2; i=0; while [ $i -lt 100000 ]; do echo line-$i-of-output; i=$((i+1)); done; touch /drained) &\r"#,
                #"\x10\x11"#,
            ], ["exec", "-it", "a", "sh"])
        #expect(text.contains("read escape sequence") && text.hasSuffix("\n1\n"), "\(text)")
        #expect(!text.contains("line-0-of-output"), "printed only after the detach")
        #expect(root.eventually(60) { root.skiff("exec", "a", "test", "-e", "/drained").status == 0 })
    }

    @Test func customAndConfiguredDetachKeys() throws {
        let root = try Self.sleeper()
        defer { root.cleanUp() }
        let custom = try LifecycleTests.playTerminal(
            root, rows: 24, columns: 80, [#"echo custom=$((2+3))\r"#, #"\x01x"#],
            ["exec", "-it", "--detach-keys", "ctrl-a,x", "a", "sh"])
        #expect(custom.contains("custom=5"), "\(custom)")
        #expect(custom.contains("read escape sequence") && custom.hasSuffix("\n1\n"), "\(custom)")
        #expect(Self.shells(root).count == 1)

        // Docker's CLI configuration: `detachKeys` in $DOCKER_CONFIG/config.json.
        let config = root.path + "/docker-config"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try #"{"detachKeys": "ctrl-e,e"}"#.write(toFile: config + "/config.json", atomically: true, encoding: .utf8)
        let configured = try LifecycleTests.playTerminal(
            root, rows: 24, columns: 80, [#"echo configured=$((3+4))\r"#, #"\x05e"#], ["exec", "-it", "a", "sh"],
            environment: ["DOCKER_CONFIG": config])
        #expect(configured.contains("configured=7"), "\(configured)")
        #expect(configured.contains("read escape sequence") && configured.hasSuffix("\n1\n"), "\(configured)")
        #expect(Self.shells(root).count == 2)
        // run -it reads them too (its detach ends with 0, as Docker's).
        let run = try LifecycleTests.playTerminal(
            root, rows: 24, columns: 80, [#"echo run=$((4+4))\r"#, #"\x05e"#],
            ["run", "-it", "--name", "t", "--network", "none", "busybox", "sh"], environment: ["DOCKER_CONFIG": config])
        #expect(run.contains("run=8") && run.hasSuffix("\n0\n"), "\(run)")
        #expect(root.inspect("t", "{{.State.Status}}") == "running")
    }

    @Test func withoutADetachTheExitCodeIsTheProcessesAndTheWindowIsFollowed() throws {
        let root = try Self.sleeper()
        defer { root.cleanUp() }
        // A sequence begun and broken off reaches the process whole: Ctrl-A (line start) then "e".
        let text = try LifecycleTests.playTerminal(
            root, rows: 33, columns: 97,
            [
                #"echo first=$(stty size)\r"#, "=40x120", #"echo then=$(stty size)\r"#,
                #"echo tail\x01echo head; \r"#, #"exit 7\r"#,
            ],
            ["exec", "-it", "--detach-keys", "ctrl-a,x", "a", "sh"])
        #expect(text.contains("first=33 97"), "\(text)")
        #expect(text.contains(#"head\r\ntail"#), "\(text)")
        #expect(text.contains("then=40 120"), "the window change did not reach the terminal: \(text)")
        #expect(text.hasSuffix("\n7\n"), "exec -it ends with the process's code: \(text)")
        #expect(!text.contains("read escape sequence"))
        // Recorded before the command returned.
        let events = ExecDetachedEventsTests.execEvents(root)
        #expect(events.map { $0[0] } == ["exec_create: sh", "exec_start: sh", "exec_die"], "\(events)")
        #expect(events.last?[1] == "7", "\(events)")
        #expect(Self.shells(root).isEmpty)
        // And no waiter is left.
        #expect(root.eventually(5) { Self.waiters(root).isEmpty }, "\(Self.waiters(root))")
    }

    @Test func badDetachKeysAreRefusedAndExecDtRuns() throws {
        let root = try Self.sleeper()
        defer { root.cleanUp() }
        for args in [
            ["exec", "--detach-keys", "ctrl-", "a", "true"], ["exec", "-d", "--detach-keys=ctrl-1", "a", "true"],
            ["exec", "-i", "--detach-keys", "a,,b", "a", "true"],
        ] {
            let r = root.skiff(args)
            #expect(r.status == 125 && r.err.contains("invalid detach keys"), "\(args): \(r.status) \(r.err)")
        }
        #expect(ExecDetachedEventsTests.execEvents(root).isEmpty, "nothing was started")

        // exec -dt: the waiter holds the terminal from the start.
        let dt = root.skiff("exec", "-dt", "a", "sh", "-c", "tty; sleep 1; exit 4")
        #expect(dt.status == 0 && dt.out.isEmpty, "\(dt.status) \(dt.err)")
        #expect(root.eventually(15) { ExecDetachedEventsTests.execEvents(root).contains { $0[0] == "exec_die" } })
        #expect(ExecDetachedEventsTests.execEvents(root).last?[1] == "4")
    }
}
