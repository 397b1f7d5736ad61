import Foundation
import SkiffImage
import SkiffKit
import SkiffRuntime
import SkiffSystem
import SkiffTestSupport
import Synchronization
import Testing

/// The container lifecycle end to end, driving the built `skiff` CLI (and its monitor) as a user would,
/// each test in its own SKIFF_ROOT; afterwards no process, cgroup, mount or directory is left.
@Suite(
    "Container lifecycle (skiff run -d, the monitor, ps/exec/logs/stop/start…)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct LifecycleTests {
    // MARK: harness

    /// NetworkTests reuse this harness under this name.
    typealias Root = CLIRoot

    // MARK: tests

    @Test func detachedHttpdWithPsAndExec() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "web", "-e", "GREETING=ahoy", "-w", "/srv", "busybox", "sh", "-c",
            "mkdir -p /www && echo hello-from-httpd > /www/index.html && exec httpd -f -p 8080 -h /www")
        #expect(run.status == 0, "stderr: \(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64 && id.allSatisfy(\.isHexDigit))

        let ps = root.skiff("ps", "--format", "{{.ID}} {{.Names}} {{.State}}")
        #expect(ps.out == "\(id.prefix(12)) web running\n")
        #expect(root.skiff("ps", "-q").out == "\(id.prefix(12))\n")
        #expect(root.skiff("container", "ls", "--filter", "name=nope", "-q").out == "")
        // Docker's noun forms list the same; `ls` alone is not a command (as in Docker).
        for form in [["container", "ls"], ["container", "list"], ["container", "ps"]] {
            #expect(root.skiff(form + ["-q"]).out == "\(id.prefix(12))\n", "\(form)")
        }
        for form in [["image", "ls"], ["image", "list"]] {
            #expect(root.skiff(form).out == root.skiff("images").out, "\(form)")
        }
        let bare = root.skiff("ls")
        #expect(bare.status != 0 && bare.out.isEmpty, "skiff ls: \(bare.out)")

        // The server answers inside the container's own network namespace (loopback is up).
        #expect(
            root.eventually { root.skiff("exec", "web", "wget", "-qO-", "127.0.0.1:8080").out == "hello-from-httpd\n" })
        let procs = root.skiff("exec", "web", "ps", "-o", "pid,args")
        #expect(procs.out.contains("1 httpd -f -p 8080"), "ps: \(procs.out)")
        #expect(root.skiff("exec", "web", "sh", "-c", "echo $GREETING").out == "ahoy\n")
        #expect(root.skiff("exec", "web", "pwd").out == "/srv\n")
        #expect(
            root.skiff("exec", "-w", "/tmp", "-e", "X=1", "web", "sh", "-c", "echo $X $GREETING; pwd").out
                == "1 ahoy\n/tmp\n")
        #expect(root.skiff("exec", "-u", "nobody", "web", "id", "-u").out == "65534\n")
        // Exit codes of exec.
        #expect(root.skiff("exec", "web", "sh", "-c", "exit 3").status == 3)
        #expect(root.skiff("exec", "web", "/no/such/program").status == 127)
        // Leaving the exec leaves the container running.
        #expect(root.inspect("web", "{{.State.Status}} {{.State.Running}}") == "running true")
        let detached = root.skiff("exec", "-d", "web", "sleep", "30")
        #expect(detached.status == 0)
        #expect(root.skiff("top", "web").out.contains("sleep 30"))

        // inspect is Docker-shaped.
        let json = root.skiff("inspect", "web").out
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]).first
        #expect(doc?["Id"] as? String == id)
        #expect(doc?["Name"] as? String == "/web")
        #expect((doc?["State"] as? [String: Any])?["Pid"] as? Int ?? 0 > 0)
        #expect(((doc?["NetworkSettings"] as? [String: Any])?["Ports"] as? [String: Any])?.isEmpty == true)
        #expect((doc?["Config"] as? [String: Any])?["WorkingDir"] as? String == "/srv")
        #expect(doc?["Mounts"] is [Any])

        let stats = root.skiff("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}")
        #expect(stats.out.hasPrefix("web "), "stats: \(stats.out) \(stats.err)")
        // NET I/O: what crossed the container's interfaces (a page fetched from the host here).
        let ip = root.inspect("web", "{{.NetworkSettings.IPAddress}}")
        #expect(NetworkTests.curl("http://\(ip):8080/").contains("hello-from-httpd"))
        let net = root.skiff("stats", "--no-stream", "--format", "{{.NetIO}}").out
        #expect(!net.hasPrefix("0B / ") && !net.hasSuffix(" / 0B\n"), "NET I/O: \(net)")
        // ps -s: the writable layer (the page httpd serves was written there) and the virtual size.
        let sized = root.skiff("ps", "-s")
        #expect(sized.out.hasPrefix("CONTAINER ID") && sized.out.contains("SIZE"), "\(sized.out)")
        let size = root.skiff("ps", "--format", "{{.Size}}").out
        #expect(!size.hasPrefix("0B") && size.contains(" (virtual ") && size.contains("MB)"), "\(size)")

        // rm without -f refuses a running container, with Docker's words.
        let refused = root.skiff("rm", "web")
        #expect(refused.status != 0 && refused.err.contains("You cannot remove a running container"))
        #expect(root.skiff("rm", "-f", "web").status == 0)
        #expect(root.skiff("ps", "-a", "-q").out == "")
        #expect(HostLeftovers.cgroupDirectories(id).isEmpty)
        #expect(root.skiff("exec", "web", "true").err.contains("No such container: web"))
    }

    @Test func stopThenStartKeepsTheWritableLayer() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "keeper", "busybox", "sleep", "1000").status == 0)
        #expect(root.skiff("exec", "keeper", "sh", "-c", "echo precious > /data.txt").status == 0)
        let stop = root.skiff("stop", "-t", "1", "keeper")
        #expect(stop.status == 0 && stop.out == "keeper\n")
        #expect(root.inspect("keeper", "{{.State.Status}} {{.State.ExitCode}}") == "exited 137")
        #expect(root.skiff("ps", "-a", "--format", "{{.Status}}").out.hasPrefix("Exited (137)"))
        #expect(root.skiff("start", "keeper").status == 0)
        #expect(root.skiff("exec", "keeper", "cat", "/data.txt").out == "precious\n")
        // kill: SIGKILL by default; -s another signal.
        #expect(root.skiff("kill", "-s", "SIGKILL", "keeper").status == 0)
        #expect(root.inspect("keeper", "{{.State.Status}} {{.State.ExitCode}}") == "exited 137")
        let notRunning = root.skiff("kill", "keeper")
        #expect(notRunning.status != 0 && notRunning.err.contains("container keeper is not running"))
        #expect(root.skiff("restart", "-t", "0", "keeper").status == 0)
        #expect(root.inspect("keeper", "{{.State.Status}}") == "running")
        // stop -s with no such signal is refused; restart -s stops with the signal given.
        let badSignal = root.skiff("stop", "-s", "SIGNOPE", "keeper")
        #expect(badSignal.status != 0 && badSignal.err.contains("SIGNOPE"), "\(badSignal)")
        #expect(root.inspect("keeper", "{{.State.Status}}") == "running", "a bad signal stops nothing")
        // sleep as pid 1 ignores SIGTERM: only the signal given ends it before the 30 s timeout.
        let began = Date()
        #expect(root.skiff("restart", "-s", "SIGKILL", "-t", "30", "keeper").status == 0)
        #expect(Date().timeIntervalSince(began) < 20, "restart waited out the timeout: -s was not used")
        #expect(root.inspect("keeper", "{{.State.Status}}") == "running")
        #expect(root.skiff("rename", "keeper", "kept").status == 0)
        #expect(root.skiff("exec", "kept", "cat", "/data.txt").out == "precious\n")
        #expect(root.skiff("rm", "-f", "kept").status == 0)
    }

    @Test func logsFollowAndExitCodes() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let script = "for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.3; done; exit 7"
        let id = root.skiff("run", "-d", "--name", "talker", "busybox", "sh", "-c", script).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let started = Date()
        let follow = root.skiff("logs", "-f", "talker", timeout: 20)
        #expect(follow.out == "out 1\nout 2\nout 3\n")
        #expect(follow.err == "err 1\nerr 2\nerr 3\n")
        #expect(Date().timeIntervalSince(started) < 10, "logs -f ends when the container exits")
        #expect(root.skiff("wait", "talker").out == "7\n")
        // start -a: the same container again, attached from its first byte; the exit code is its own.
        let again = root.skiff("start", "-a", "talker", timeout: 20)
        #expect(again.status == 7 && again.out == "out 1\nout 2\nout 3\n" && again.err == "err 1\nerr 2\nerr 3\n")
        #expect(root.skiff("logs", "--tail", "2", "talker").out == "out 3\n")
        let stamped = root.skiff("logs", "-t", "talker").out.split(separator: "\n")
        #expect(stamped.count == 6 && stamped.allSatisfy { $0.hasPrefix("20") && $0.contains("Z out ") })
        #expect(root.skiff("logs", "--since", "1h", "talker").out.count == 36)
        #expect(root.skiff("logs", "--since", "2099-01-01T00:00:00Z", "talker").out == "")
        // The log is JSON lines, Docker's json-file shape.
        let line =
            try String(contentsOfFile: root.engine.containers.directory(of: id) + "/log.jsonl", encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(entry?["log"] == "out 1\n" || entry?["log"] == "err 1\n")
        #expect(entry?["stream"] != nil && entry?["time"] != nil)

        // Exit codes of an attached run; of a failed start; --rm applied by the monitor.
        #expect(root.skiff("run", "busybox", "sh", "-c", "exit 4").status == 4)
        #expect(root.skiff("run", "-d", "busybox", "/no/such/program").status == 127)
        // A file that cannot be executed (a directory here): 126, from the exec step's errno.
        #expect(root.skiff("run", "-d", "busybox", "/etc").status == 126)
        #expect(root.skiff("run", "busybox", "/etc").status == 126)
        #expect(root.skiff("run", "-d", "--rm", "--name", "gone", "busybox", "true").status == 0)
        #expect(root.eventually { !root.skiff("ps", "-a", "--format", "{{.Names}}").out.contains("gone") })
    }

    @Test func logRotation() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let id = root.skiff(
            "run", "-d", "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "busybox", "sh", "-c",
            "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done"
        ).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.skiff("wait", id).out == "0\n")
        let dir = root.engine.containers.directory(of: id)
        let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/log.jsonl")[.size] as? Int) ?? 0
        #expect(size > 0 && size <= 2048)
        #expect(FileManager.default.fileExists(atPath: dir + "/log.jsonl.1"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/log.jsonl.2"))
        #expect(root.skiff("logs", "--tail", "1", id).out == "line-199\n")
    }

    @Test func restartOnFailureTwice() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo try; exit 3"
            ).status == 0)
        let settled = root.eventually(30) { root.inspect("flaky", "{{.State.Status}} {{.RestartCount}}") == "exited 2" }
        #expect(settled, "\(Self.monitorDiagnosis(root, "flaky"))")
        usleep(500_000)
        #expect(
            root.inspect(
                "flaky", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}")
                == "exited 2 3 on-failure")
        #expect(root.skiff("logs", "flaky").out == "try\ntry\ntry\n")
        #expect(root.skiff("run", "-d", "--rm", "--restart", "always", "busybox", "true").status != 0)
    }

    /// `stop` (or `rm -f`) while the monitor's start helper is bringing a failing container up again: the helper is
    /// held inside its network set-up (the test holds the networks' lock) when the stop comes. The
    /// monitor used to die at once on SIGTERM, and the orphaned helper then started the container
    /// after the stop had returned: running, with no monitor. Now the monitor waits for its helper,
    /// and the helper, seeing the stop under the record's lock, undoes its start.
    @Test(arguments: [["stop", "-t", "1"], ["rm", "-f"]])
    func stopWhileTheMonitorRestartsTheContainer(command: [String]) throws {
        let root = try Root()
        defer { root.cleanUp() }
        // It fails five times; its sixth run lasts (so a start that outlives the stop is seen running).
        let run = root.skiff(
            "run", "-d", "--name", "loop", "--restart", "always", "busybox", "sh", "-c",
            "n=$(($(cat /n 2>/dev/null || echo 0) + 1)); echo $n > /n; [ $n -ge 6 ] && exec sleep 1000; exit 1")
        try #require(run.status == 0, "\(run.err)")
        // The 1.6 s back-off after the fifth exit: the sixth start will need the networks' lock.
        try #require(
            root.eventually(20) { root.inspect("loop", "{{.State.Status}} {{.RestartCount}}") == "restarting 5" })
        var held: FileLock? = try FileLock(root.engine.networks.root + "/.lock")
        let id = root.inspect("loop", "{{.Id}}")
        let helperWaits = root.eventually(10) {
            !HostLeftovers.processesMentioning("container-internal start \(id) --restart").isEmpty
        }
        #expect(helperWaits, "the start helper never came to wait for the lock: the test proves nothing")
        usleep(200_000)  // it is inside its network set-up, waiting for the lock
        let stopped = DispatchSemaphore(value: 0)
        let stop = Mutex<CLIRoot.Result?>(nil)
        DispatchQueue.global().async {
            let r = root.skiff(command + ["loop"])
            stop.withLock { $0 = r }
            stopped.signal()
        }
        usleep(1_000_000)  // the stop has been sent
        held?.unlock()
        held = nil
        stopped.wait()
        let result = stop.withLock { $0 }
        #expect(result?.status == 0, "\(result?.err ?? "")")
        usleep(500_000)
        if command[0] == "stop" {
            #expect(root.inspect("loop", "{{.State.Status}} {{.State.Pid}}") == "exited 0")
            #expect(root.skiff("rm", "loop").status == 0)
        }
        #expect(HostLeftovers.processesMentioning(id).isEmpty)
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: root.path + "/containers")) ?? []
        #expect(dirs.filter { !$0.hasPrefix(".") }.isEmpty, "written back after removal: \(dirs)")
    }

    /// A process ended by a signal is recorded (the monitor hands `exited ID -1 SIGNAL TIME` to skiff,
    /// where -1 is a value, not an option) and restarted as its policy says. The signal comes from the
    /// host (the container's PID 1 ignores a SIGKILL sent from inside its own namespace).
    @Test func restartAfterASignal() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "killed", "--network", "none", "--restart", "on-failure:1", "busybox", "sh",
                "-c",
                "echo up; sleep 1000"
            ).status == 0)
        for round in 0..<2 {
            let pid = root.inspect("killed", "{{.State.Pid}}")
            try #require(Int32(pid).map { $0 > 0 } == true, "round \(round): pid \(pid)")
            kill(Int32(pid)!, SIGKILL)
            let expected = round == 0 ? "running 1" : "exited 1 137"
            let format =
                round == 0
                ? "{{.State.Status}} {{.RestartCount}}" : "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}"
            let settled = root.eventually(30) {
                root.inspect("killed", format) == expected && root.inspect("killed", "{{.State.Pid}}") != pid
            }
            #expect(settled, "round \(round): \(Self.monitorDiagnosis(root, "killed"))")
        }
        #expect(root.skiff("logs", "killed").out == "up\nup\n")
    }

    @Test func healthcheck() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "sick", "--health-cmd", "exit 1", "--health-interval", "200ms",
                "--health-retries", "2", "busybox", "sleep", "100"
            ).status == 0)
        #expect(
            root.skiff(
                "run", "-d", "--name", "fine", "--health-cmd", "test -d /", "--health-interval", "200ms",
                "busybox", "sleep", "100"
            ).status == 0)
        #expect(root.eventually(30) { root.inspect("sick", "{{.State.Health.Status}}") == "unhealthy" })
        #expect(root.eventually(30) { root.inspect("fine", "{{.State.Health.Status}}") == "healthy" })
        #expect(root.skiff("ps", "--filter", "name=sick", "--format", "{{.Status}}").out.contains("(unhealthy)"))
        #expect(root.skiff("ps", "--filter", "health=healthy", "--format", "{{.Names}}").out == "fine\n")
    }

    /// Docker 25+: during the start period, until a check passes, checks run every start interval (5 s by
    /// default), not every `interval`; once one passes, the interval again.
    @Test func healthStartIntervalPacesTheStartPeriod() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "paced", "--health-cmd", "test -e /tmp/ready", "--health-interval", "1h",
                "--health-start-period", "1h", "--health-start-interval", "200ms", "busybox", "sleep", "100"
            ).status == 0)
        #expect(
            root.skiff(
                "run", "-d", "--name", "default-pace", "--health-cmd", "true", "--health-interval", "1h",
                "--health-start-period", "1h", "busybox", "sleep", "100"
            ).status == 0)
        let probes = { (name: String) in
            root.inspect(name, "{{json .State.Health.Log}}").components(separatedBy: "ExitCode").count - 1
        }
        #expect(root.eventually(10) { probes("paced") >= 2 }, "failing checks repeat at the start interval")
        #expect(root.inspect("paced", "{{.State.Health.Status}}") == "starting")
        #expect(root.skiff("exec", "paced", "touch", "/tmp/ready").status == 0)
        #expect(root.eventually(10) { root.inspect("paced", "{{.State.Health.Status}}") == "healthy" })
        let afterPass = probes("paced")
        usleep(1_000_000)
        #expect(probes("paced") == afterPass, "after a pass the 1h interval applies")
        #expect(root.eventually(15) { root.inspect("default-pace", "{{.State.Health.Status}}") == "healthy" })
    }

    @Test func copyBothWaysSafeAgainstSymlinks() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        let host = root.path + "/host"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try "from host\n".write(toFile: host + "/in.txt", atomically: true, encoding: .utf8)
        #expect(root.skiff("cp", host + "/in.txt", "box:/tmp/").status == 0)
        #expect(root.skiff("exec", "box", "cat", "/tmp/in.txt").out == "from host\n")
        // A symlink to / inside the container resolves inside the container, never on the host.
        #expect(
            root.skiff("exec", "box", "sh", "-c", "echo container > /marker; ln -s / /tmp/up; ln -s /etc /tmp/etc")
                .status == 0)
        #expect(root.skiff("cp", "box:/tmp/up/marker", host + "/out.txt").status == 0)
        #expect(try String(contentsOfFile: host + "/out.txt", encoding: .utf8) == "container\n")
        #expect(root.skiff("cp", host + "/in.txt", "box:/tmp/etc/written.txt").status == 0)
        #expect(!FileManager.default.fileExists(atPath: "/etc/written.txt"))
        #expect(root.skiff("exec", "box", "cat", "/etc/written.txt").out == "from host\n")
        // Stopped: the same, from its image layers and writable layer.
        #expect(root.skiff("stop", "-t", "0", "box").status == 0)
        #expect(root.skiff("cp", "box:/marker", host + "/stopped.txt").status == 0)
        #expect(try String(contentsOfFile: host + "/stopped.txt", encoding: .utf8) == "container\n")
        #expect(root.skiff("cp", host + "/in.txt", "box:/tmp/up/second.txt").status == 0)
        #expect(!FileManager.default.fileExists(atPath: "/second.txt"))
        #expect(root.skiff("start", "box").status == 0)
        #expect(root.skiff("exec", "box", "cat", "/second.txt").out == "from host\n")
    }

    @Test func interactiveTerminalThroughAPty() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-dit", "--name", "term", "busybox", "sh").status == 0)
        // A prompt, a command, then Ctrl-D.
        let text = try Self.playTerminal(
            root, rows: 33, columns: 97,
            [#"echo sum=$((40+2)); echo tty=$(tty) size=$(stty size)\r"#, #"\x04"#], ["exec", "-it", "term", "sh"])
        #expect(text.contains("/ # "), "no prompt: \(text)")
        #expect(text.contains("sum=42"), "\(text)")
        // As with runc: a terminal of the container's own devpts, sized like the caller's before the
        // shell starts (the container's -t terminal is pts/0, so this one is pts/1).
        #expect(text.contains("tty=/dev/pts/1 size=33 97"), "\(text)")
        #expect(text.hasSuffix("\n0\n"), "Ctrl-D exits with 0: \(text)")
        #expect(root.inspect("term", "{{.State.Status}} {{.Config.Tty}}") == "running true")
    }

    /// Docker's `run -it`: the terminal is sized like the caller's window and follows it when it changes,
    /// Ctrl-P Ctrl-Q leaves the container running (run ends with 0), and `attach` comes back to it, with
    /// its own window's size; its detach is Docker's "read escape sequence" error (1).
    @Test func runItDetachesAndAttachFollowsTheWindow() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = try Self.playTerminal(
            root, rows: 33, columns: 97,
            [#"echo first=$(stty size)\r"#, "=40x120", #"echo then=$(stty size)\r"#, #"\x10\x11"#],
            ["run", "-it", "--name", "term", "busybox", "sh"])
        #expect(run.contains("first=33 97"), "\(run)")
        #expect(run.contains("then=40 120"), "the window change did not reach the container: \(run)")
        #expect(run.hasSuffix("\n0\n"), "run -it ends with 0 on the detach keys: \(run)")
        #expect(root.inspect("term", "{{.State.Status}}") == "running")

        let attach = try Self.playTerminal(
            root, rows: 50, columns: 150, [#"echo again=$(stty size)\r"#, #"\x01x"#],
            ["attach", "--detach-keys", "ctrl-a,x", "term"])
        #expect(attach.contains("again=50 150"), "attach sizes the terminal to its window: \(attach)")
        #expect(attach.contains("read escape sequence") && attach.hasSuffix("\n1\n"), "\(attach)")
        #expect(root.inspect("term", "{{.State.Status}}") == "running")

        let last = try Self.playTerminal(root, rows: 24, columns: 80, [#"exit 7\r"#], ["attach", "term"])
        #expect(last.hasSuffix("\n7\n"), "the attach ends with the container's code: \(last)")
        #expect(root.inspect("term", "{{.State.Status}} {{.State.ExitCode}}") == "exited 7")
    }

    /// python3's pty module plays the user of `skiff ARGS` in a terminal of `rows` × `columns`: each step is
    /// keys (sent, then the output read for a second; escapes such as \r and \x04 as Python reads them) or
    /// "=ROWSxCOLS" (the window resized). Returns the output as Python's repr, then the exit code, one per line;
    /// a command still running 20 s after the last step is killed.
    /// `environment`: set for skiff on top of ours.
    static func playTerminal(
        _ root: Root, rows: Int, columns cols: Int, _ steps: [String], _ args: [String],
        environment: [String: String] = [:]
    ) throws -> String {
        let script = """
            import fcntl, os, pty, select, struct, sys, termios, time
            rows, cols, steps, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split("|"), sys.argv[4:]
            pid, fd = pty.fork()
            if pid == 0:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execv(cmd[0], cmd)
            out = b""
            def pump(t):
                global out
                end = time.time() + t
                while time.time() < end:
                    r, _, _ = select.select([fd], [], [], 0.05)
                    if r:
                        try: out += os.read(fd, 4096)
                        except OSError: return
            # The first output (a prompt) within 8 s, however loaded the machine; then a moment more.
            end = time.time() + 8
            while not out and time.time() < end: pump(0.1)
            pump(0.5)
            for step in steps:
                if step.startswith("="):
                    r, c = step[1:].split("x")
                    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
                    pump(0.3)
                else:
                    os.write(fd, step.encode().decode("unicode_escape").encode()); pump(1.0)
            # The command ends within 20 s, else it is killed (and the test fails, rather than hangs).
            end = time.time() + 20
            while True:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done: break
                if time.time() > end:
                    os.kill(pid, 9); _, st = os.waitpid(pid, 0); out += b"<killed after 20 s>"; break
                pump(0.1)
            sys.stdout.write(repr(out) + "\\n" + str(os.waitstatus_to_exitcode(st)) + "\\n")
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, "\(rows)", "\(cols)", steps.joined(separator: "|"), Engine.skiffPath] + args
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = root.path
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    @Test func twentyParallelDetachedRuns() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let processes = (0..<20).map { _ in root.launch(["run", "-d", "busybox", "sleep", "1000"]) }
        var ids: [String] = []
        for p in processes {
            let out = (p.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            ids.append(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(Set(ids).count == 20)
        let names = root.skiff("ps", "--format", "{{.Names}}").out.split(separator: "\n")
        #expect(names.count == 20 && Set(names).count == 20)
        #expect(root.skiff(["rm", "-f"] + ids).status == 0)
        #expect(root.skiff("ps", "-a", "-q").out == "")
    }

    /// An attached `skiff run` records the container running before its process exists (network set-up,
    /// create). A `ps` in that window must not take it for dead: the record names the live runner.
    @Test func anAttachedRunBeingSetUpIsNotRepaired() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "--network", "none", "--name", "setting-up", "busybox", "true").status == 0)
        let c = try root.engine.container("setting-up")
        _ = try root.engine.containers.update(id: c.id) { r in
            r.status = .running
            r.runnerPid = getpid()
            r.runnerStartTime = SkiffRuntime.ProcessInfo.startTime(pid: getpid())
        }
        #expect(root.skiff("ps", "--format", "{{.Names}} {{.State}}").out == "setting-up running\n")
        // The runner gone (killed before the container started): repaired as Docker would show it.
        _ = try root.engine.containers.update(id: c.id) { r in r.runnerStartTime = 1 }
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}} {{.State}}").out == "setting-up exited\n")
        #expect(root.inspect("setting-up", "{{.State.ExitCode}}") == "255")
    }

    @Test func killedMonitorAndKilledCLIAreRepaired() throws {
        let root = try Root()
        defer { root.cleanUp() }
        // The monitor SIGKILLed: the container runs on; stop still works and the record is repaired.
        #expect(root.skiff("run", "-d", "--name", "orphan", "busybox", "sleep", "1000").status == 0)
        let c = try root.engine.container("orphan")
        let monitor = try #require(c.monitorPid)
        kill(monitor, SIGKILL)
        #expect(root.eventually { kill(monitor, 0) != 0 })
        #expect(root.skiff("ps", "--format", "{{.Names}} {{.State}}").out == "orphan running\n")
        #expect(root.skiff("exec", "orphan", "true").status == 0)
        // Then the container too: the next ps sees it exited and its cgroup is gone.
        kill(try #require(c.pid), SIGKILL)
        #expect(
            root.eventually { root.skiff("ps", "-a", "--format", "{{.Names}} {{.State}}").out == "orphan exited\n" })
        #expect(HostLeftovers.cgroupDirectories(c.id).isEmpty)
        #expect(root.inspect("orphan", "{{.State.ExitCode}}") == "255")
        #expect(root.skiff("rm", "orphan").status == 0)

        // The CLI of an attached run SIGKILLed: the container is still there; ps shows it, rm -f removes it.
        let strayErr = root.path + "/stray.err"
        _ = FileManager.default.createFile(atPath: strayErr, contents: nil)
        let attached = root.launch(
            ["run", "--name", "stray", "busybox", "sleep", "1000"],
            stderr: FileHandle(forWritingAtPath: strayErr)!)
        // Its process exists once exec works (ps says running already while the network is set up).
        let started = root.eventually(60) { root.skiff("exec", "stray", "true").status == 0 }
        #expect(
            started,
            "the attached run did not start: \((try? String(contentsOfFile: strayErr, encoding: .utf8)) ?? "") \(root.skiff("ps", "-a").out) \(Self.processTree(attached.processIdentifier))"
        )
        kill(attached.processIdentifier, SIGKILL)
        attached.waitUntilExit()
        #expect(root.skiff("ps", "--format", "{{.Names}} {{.State}}").out == "stray running\n")
        let stray = try root.engine.container("stray")
        #expect(root.skiff("rm", "-f", "stray").status == 0)
        #expect(HostLeftovers.cgroupDirectories(stray.id).isEmpty)

        // `run -d` SIGKILLed at once: whatever it left, ps -a and rm -f clean up.
        for delay in [0, 30_000, 80_000] {
            let p = root.launch(["run", "-d", "busybox", "sleep", "1000"])
            usleep(useconds_t(delay))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        usleep(300_000)
        let left = root.skiff("ps", "-a", "-q").out.split(separator: "\n").map(String.init)
        if !left.isEmpty { #expect(root.skiff(["rm", "-f"] + left).status == 0) }
        #expect(root.skiff("ps", "-a", "-q").out == "")
    }

    /// `pid` and its descendants with their command lines and kernel stacks (for a hang's report).
    /// What a stuck container's monitor is doing: the record, and the monitor's process tree with stacks.
    static func monitorDiagnosis(_ root: Root, _ name: String) -> String {
        let id = root.inspect(name, "{{.Id}}")
        let dir = root.engine.containers.directory(of: id)
        let record = (try? String(contentsOfFile: dir + "/container.json", encoding: .utf8)) ?? "(no record)"
        // The monitor by its command line (it names the container's ID last): the record may not have its pid yet.
        let monitor = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
            .first { pid in
                let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
                let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                return args.first?.hasSuffix("skiff-monitor") == true && args.last == id
            }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted().joined(separator: " ") ?? ""
        return "record: \(record)\nfiles: \(files)\nmonitor: \(monitor.map { processTree($0) } ?? "(no monitor found)")"
    }

    static func processTree(_ pid: Int32) -> String {
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var parent: [Int32: Int32] = [:]
        for e in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(e) else { continue }
            let stat = read("/proc/\(e)/stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let f = stat[stat.index(after: close)...].split(separator: " ")
            if f.count > 2, let pp = Int32(f[1]) { parent[p] = pp }
        }
        var out = ""
        var queue = [pid]
        while let p = queue.first {
            queue.removeFirst()
            let cmd = read("/proc/\(p)/cmdline").replacingOccurrences(of: "\0", with: " ")
            out += "\n\(p) [\(read("/proc/\(p)/wchan"))] \(cmd)\n\(read("/proc/\(p)/stack"))"
            queue += parent.filter { $0.value == p }.map(\.key)
        }
        return out
    }

    @Test func createThenStart() throws {
        let root = try Root()
        defer { root.cleanUp() }
        // create: the record and its bundle, not started; the full ID on stdout.
        let create = root.skiff(
            "create", "--name", "made", "-e", "WHAT=made", "busybox",
            "sh", "-c", "echo $WHAT > /tmp/x; sleep 1000")
        #expect(create.status == 0, "stderr: \(create.err)")
        let id = create.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64 && id.allSatisfy(\.isHexDigit), "create printed: \(create.out)")
        #expect(root.skiff("ps", "-q").out == "")
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}} {{.State}}").out == "made created\n")
        #expect(root.skiff("ps", "-a", "--format", "{{.Status}}").out == "Created\n")
        #expect(root.inspect("made", "{{.State.Status}} {{.State.Running}}") == "created false")
        // start runs it under a monitor: the same container, its command and environment.
        let start = root.skiff("start", "made")
        #expect(start.status == 0 && start.out == "made\n", "stderr: \(start.err)")
        #expect(root.skiff("ps", "--format", "{{.ID}} {{.State}}").out == "\(id.prefix(12)) running\n")
        #expect(root.eventually { root.skiff("exec", "made", "cat", "/tmp/x").out == "made\n" })
        #expect(root.skiff("rm", "-f", "made").status == 0)

        // A bad flag value: an error naming the flag, and no record left behind.
        let bad = root.skiff("create", "--name", "bad", "--memory", "lots", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("invalid value \"lots\" for --memory"), "stderr: \(bad.err)")
        #expect(root.skiff("ps", "-a", "-q").out == "")
        #expect(root.engine.containers.all().isEmpty)

        // `container create`, and `start -a` of it attached from its first byte (`--` passes the command).
        let again = root.skiff(
            "container", "create", "--name", "echoer", "--network", "none", "busybox",
            "--", "sh", "-c", "echo hi; exit 3")
        #expect(again.status == 0 && again.out.count == 65, "stderr: \(again.err)")
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}} {{.State}}").out == "echoer created\n")
        let attached = root.skiff("start", "-a", "echoer", timeout: 20)
        #expect(attached.status == 3 && attached.out == "hi\n", "stderr: \(attached.err)")
        // A created container never started is removed without -f.
        #expect(root.skiff("create", "--name", "idle", "busybox").status == 0)
        #expect(root.skiff("rm", "idle", "echoer").status == 0)
        #expect(root.skiff("ps", "-a", "-q").out == "")
    }
}
