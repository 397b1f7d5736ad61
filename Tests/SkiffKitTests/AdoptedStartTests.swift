import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A detached start without a start helper (SkiffKit's AdoptedStart): the CLI launches the container
/// in a process of its own that then becomes the monitor (`skiff-monitor -I PID`). What a user sees
/// must not change: the monitor is the init's parent and nobody's child, the caller's output pipe ends
/// with the CLI, stdin reaches a `-i` container, and stop, restart and `--rm` work as before.
@Suite(
    "A detached start adopted by its monitor (no start helper)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct AdoptedStartTests {
    typealias Root = CLIRoot

    /// The record's pids: the init's and its monitor's.
    private func pids(_ root: Root, _ id: String) throws -> (initPID: Int32, monitor: Int32) {
        let data = try Data(contentsOf: URL(fileURLWithPath: root.path + "/containers/\(id)/container.json"))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (Int32(record["pid"] as? Int ?? 0), Int32(record["monitorPid"] as? Int ?? 0))
    }

    /// Fields of /proc/PID/stat after the command: (ppid, session).
    private func parentAndSession(_ pid: Int32) -> (ppid: Int32, session: Int32)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 4, let ppid = Int32(fields[1]), let sid = Int32(fields[3]) else { return nil }
        return (ppid, sid)
    }

    @Test func theMonitorIsTheInitsParentAndNobodysChild() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "adopted", "busybox", "sh", "-c", "echo out; echo err >&2; exec sleep 60")
        #expect(run.status == 0, "stderr: \(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (initPID, monitor) = try pids(root, id)
        #expect(initPID > 0 && monitor > 0)
        // The monitor was exec'd in the process that launched the init: no `container-internal start` ran.
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(monitor)/cmdline"))) ?? Data()
        let args = String(decoding: cmdline, as: UTF8.self).split(separator: "\0").map(String.init)
        #expect(args.first?.hasSuffix("skiff-monitor") == true, "\(args)")
        #expect(args.firstIndex(of: "-I").map { args[$0 + 1] } == "\(initPID)", "\(args)")
        #expect(parentAndSession(initPID)?.ppid == monitor)
        let monitorStat = try #require(parentAndSession(monitor))
        #expect(monitorStat.ppid != getpid(), "the monitor must not be a child of the caller")
        #expect(monitorStat.session == monitor, "the monitor leads a session of its own")
        // Its output reaches the log through the pipes the CLI made.
        #expect(root.eventually { root.skiff("logs", "adopted").out == "out\n" })
        #expect(root.skiff("logs", "adopted").err == "err\n")
        // A stop goes to the monitor, which records the exit (SIGKILL: sleep as pid 1 ignores SIGTERM).
        #expect(root.skiff("stop", "-t", "1", "adopted").status == 0)
        #expect(root.inspect("adopted", "{{.State.Status}} {{.State.ExitCode}}") == "exited 137")
        #expect(kill(monitor, 0) != 0 || root.eventually(5) { kill(monitor, 0) != 0 }, "the monitor exits")
        // Started again, it is adopted again.
        #expect(root.skiff("start", "adopted").status == 0)
        let again = try pids(root, id)
        #expect(again.initPID != initPID && again.initPID > 0)
        #expect(parentAndSession(again.initPID)?.ppid == again.monitor)
    }

    /// `id=$(skiff run -d …)` reads the CLI's stdout to its end: no process the start leaves holds it.
    @Test func theCallersOutputPipeEndsWithTheCLI() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let started = Date()
        let shell = TestShell.run(
            "id=$(SKIFF_ROOT='\(root.path)' timeout 30 '\(Engine.skiffPath)' run -d --name held busybox sleep 60) && echo \"[$id]\""
        )
        #expect(shell.status == 0, "\(shell.output)")
        #expect(Date().timeIntervalSince(started) < 20, "the command substitution waited for the container")
        #expect(root.inspect("held", "{{.State.Running}}") == "true")
    }

    /// Attack: the fork that launches the container is a copy of the CLI, with every fd the CLI was
    /// given. A descriptor the caller leaves open (here fd 7 on a host file) must not reach the container,
    /// with pipes or with a terminal (whose console socket and listener the fork also holds).
    @Test(arguments: [false, true]) func noDescriptorOfTheCLIReachesTheContainer(terminal: Bool) throws {
        let root = try Root()
        defer { root.cleanUp() }
        let secret = root.path + "/host-secret"
        try "host-only\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let shell = TestShell.run(
            "exec 7<'\(secret)'; SKIFF_ROOT='\(root.path)' timeout 30 '\(Engine.skiffPath)' run -d \(terminal ? "-t " : "")"
                + "--name fds busybox sh -c 'ls -1 /proc/self/fd; cat <&7 || echo no-fd-7'")
        #expect(shell.status == 0, "\(shell.output)")
        #expect(root.eventually { root.inspect("fds", "{{.State.Status}}") == "exited" })
        let logs = root.skiff("logs", "fds")
        #expect(!logs.out.contains("host-only"), "the container read the CLI's fd: \(logs.out)")
        #expect(logs.out.contains("no-fd-7"), "\(logs.out) \(logs.err)")
        // 0-2 and the directory ls itself opened; nothing else (a terminal ends its lines with \r\n, which
        // is one Character).
        let numbers = logs.out.split(whereSeparator: \.isNewline).filter { Int($0) != nil }
        #expect(numbers == ["0", "1", "2", "3"], "\(logs.out)")
    }

    @Test func stdinReachesAnInteractiveDetachedContainer() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff("run", "-d", "-i", "--name", "reader", "busybox", "sh", "-c", "read x; echo got:$x")
        #expect(run.status == 0, "stderr: \(run.err)")
        let shell = TestShell.run(
            "echo hello | SKIFF_ROOT='\(root.path)' timeout 30 '\(Engine.skiffPath)' attach reader")
        #expect(shell.output.contains("got:hello"), "\(shell.output)")
        #expect(root.eventually { root.inspect("reader", "{{.State.Status}}") == "exited" })
        #expect(root.skiff("logs", "reader").out == "got:hello\n")
    }

    /// A quick `--rm` container and a restart policy: the exit is recorded by the adopted monitor, and
    /// its restarts (through the start helper) follow.
    @Test func quickExitsRemovalAndRestartsAfterAnAdoptedStart() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--rm", "--name", "gone", "busybox", "true").status == 0)
        #expect(root.eventually { root.skiff("ps", "-aq", "--filter", "name=gone").out.isEmpty })
        #expect(root.skiff("run", "-d", "--restart", "on-failure:2", "--name", "flaky", "busybox", "false").status == 0)
        #expect(root.eventually { root.inspect("flaky", "{{.RestartCount}} {{.State.Status}}") == "2 exited" })
        #expect(root.inspect("flaky", "{{.State.ExitCode}}") == "1")
    }

    /// `run -dit` (Docker's usual detached shell): the launching process receives the terminal's master
    /// on the console socket and hands it to the monitor, which sizes it for each attach and relays input.
    @Test func aTerminalContainerIsAdoptedWithItsTerminal() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff("run", "-dit", "--name", "term", "busybox", "sh")
        #expect(run.status == 0, "stderr: \(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (initPID, monitor) = try pids(root, id)
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(monitor)/cmdline"))) ?? Data()
        let args = String(decoding: cmdline, as: UTF8.self).split(separator: "\0").map(String.init)
        #expect(args.contains("-t") && args.firstIndex(of: "-I").map { args[$0 + 1] } == "\(initPID)", "\(args)")
        #expect(parentAndSession(initPID)?.ppid == monitor)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/containers/\(id)/console.sock"))
        // The monitor holds the master (fd 4) and nothing of the caller's.
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(monitor)/fd")) ?? []
        let master = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(monitor)/fd/4")
        #expect(master == "/dev/ptmx" || master?.hasPrefix("/dev/pts/ptmx") == true, "\(fds) \(master ?? "-")")
        // The attach socket and the ctl FIFO were made before the start was reported, and handed over.
        #expect(
            args.firstIndex(of: "-L").map { args[$0 + 1] } == "7"
                && args.firstIndex(of: "-C").map { args[$0 + 1] } == "8")
        let ctl = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(monitor)/fd/8")
        #expect(ctl == root.path + "/containers/\(id)/ctl", "\(ctl ?? "-")")

        let attach = try LifecycleTests.playTerminal(
            root, rows: 41, columns: 101, [#"echo sum=$((40+2)) tty=$(tty) size=$(stty size)\r"#, #"exit 5\r"#],
            ["attach", "term"])
        #expect(attach.contains("sum=42 tty=/dev/pts/0 size=41 101"), "\(attach)")
        #expect(attach.hasSuffix("\n5\n"), "the attach ends with the container's code: \(attach)")
        #expect(root.inspect("term", "{{.State.Status}} {{.State.ExitCode}}") == "exited 5")
        // What the shell printed is in the log, from the terminal.
        #expect(root.skiff("logs", "term").out.contains("sum=42"))
    }

    /// The start is reported before the monitor's exec (the caller is not kept waiting for it), so what
    /// the caller does next must find the monitor's endpoints already there: an `attach` run the moment
    /// `run -d` returns connects, follows the output and ends with the container's code.
    @Test func anAttachTheMomentTheStartReturnsIsServed() throws {
        let root = try Root()
        defer { root.cleanUp() }
        for i in 0..<3 {
            let skiff = "SKIFF_ROOT='\(root.path)' timeout 30 '\(Engine.skiffPath)'"
            let shell = TestShell.run(
                "\(skiff) run -d --name quick\(i) busybox sh -c 'sleep 0.5; echo late; exit 3' >/dev/null"
                    + " && \(skiff) attach quick\(i); echo \"rc=$?\"")
            #expect(shell.output == "late\nrc=3\n", "\(shell.output)")
        }
    }
}
