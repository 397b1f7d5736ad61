import Foundation
import SkiffKit
import Testing

/// The rest of Docker's run/create flags (issue 14), through the built CLI: each flag's effect seen from
/// inside a real container (or on its cgroup, record and files), and the flags Skiff refuses refused
/// with Docker's words and exit 125, leaving nothing behind.
@Suite(
    "run/create: the rest of Docker's flags", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct RunCreateFlagTests {
    static func lines(_ r: CLIRoot.Result) -> [String] { r.out.split(separator: "\n").map(String.init) }

    @Test func limitsAndNamesReachTheProcess() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-proc-")
        defer { root.cleanUp() }
        let r = root.skiff(
            "run", "--rm", "--network", "none", "--ulimit", "nofile=1024:2048", "--shm-size", "2m",
            "--oom-score-adj", "123", "--domainname", "example.org", "--userns", "host", "--runtime", "skiff",
            "busybox", "sh", "-c",
            "ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1; cat /proc/self/oom_score_adj; cat /proc/sys/kernel/domainname"
        )
        let out = Self.lines(r)
        #expect(r.status == 0 && out.count == 5, "\(r)")
        guard out.count == 5 else { return }
        #expect(out[0] == "1024" && out[1] == "2048")
        #expect(out[2].split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "2048", "\(out[2])")
        #expect(out[3] == "123")
        #expect(out[4] == "example.org")
        // Without the flags: Docker's defaults (64 MiB /dev/shm, score 0, "(none)").
        let plain = Self.lines(
            root.skiff(
                "run", "--rm", "--network", "none", "busybox", "sh", "-c",
                "df -k /dev/shm | tail -1; cat /proc/self/oom_score_adj"))
        #expect(plain.first?.split(separator: " ").dropFirst().first == "65536" && plain.last == "0", "\(plain)")
    }

    /// --cpuset-cpus/--cpuset-mems, -c, --memory-reservation and --memory-swap on the container's own
    /// cgroup (read on the host through the container's /proc/PID/cgroup), from `create` + `start`.
    @Test func cgroupSettingsOfCreate() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-cg-")
        defer { root.cleanUp() }
        let created = root.skiff(
            "create", "--name", "rf-cg", "--network", "none", "--cpuset-cpus", "0", "--cpuset-mems", "0", "-c", "512",
            "-m", "64m", "--memory-reservation", "32m", "--memory-swap", "128m", "busybox", "sleep", "1000")
        #expect(created.status == 0, "\(created)")
        #expect(root.skiff("start", "rf-cg").status == 0)
        let pid = root.inspect("rf-cg", "{{.State.Pid}}")
        let cgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        func dir(_ controller: String) throws -> String {
            let line = try #require(
                cgroups.split(separator: "\n").first {
                    $0.split(separator: ":")[1].split(separator: ",").contains(Substring(controller))
                }, "no \(controller) in \(cgroups)")
            let sub = line.split(separator: ":", maxSplits: 2)[2]
            let mount = try #require(
                ["/sys/fs/cgroup/\(controller)", "/sys/fs/cgroup/cpu,cpuacct"].first {
                    FileManager.default.fileExists(atPath: $0 + sub)
                })
            return mount + sub
        }
        func read(_ path: String) -> String {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "?").trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        let cpuset = try dir("cpuset")
        #expect(read(cpuset + "/cpuset.cpus") == "0" && read(cpuset + "/cpuset.mems") == "0")
        #expect(read(try dir("cpu") + "/cpu.shares") == "512")
        let memory = try dir("memory")
        #expect(read(memory + "/memory.soft_limit_in_bytes") == "\(32 << 20)")
        if FileManager.default.fileExists(atPath: memory + "/memory.memsw.limit_in_bytes") {
            #expect(read(memory + "/memory.memsw.limit_in_bytes") == "\(128 << 20)")
        }
        #expect(root.skiff("rm", "-f", "rf-cg").status == 0)
    }

    @Test func cidfileLabelFileAnnotationAndRuntimeInTheRecord() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-rec-")
        defer { root.cleanUp() }
        let cid = root.path + "/cid"
        let labels = root.path + "/labels"
        try "# team labels\ntier=web\nowner=ops\n".write(toFile: labels, atomically: true, encoding: .utf8)
        let run = root.skiff(
            "run", "-d", "--name", "rf-rec", "--network", "none", "--cidfile", cid, "--label-file", labels,
            "-l", "owner=dev", "--annotation", "org.example.note=hi", "busybox", "sleep", "1000")
        #expect(run.status == 0, "\(run)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try String(contentsOfFile: cid, encoding: .utf8) == id)
        #expect(
            root.inspect("rf-rec", "{{index .Config.Labels \"tier\"}} {{index .Config.Labels \"owner\"}}") == "web dev")
        #expect(root.inspect("rf-rec", "{{.HostConfig.Runtime}}") == "skiff")
        let config = try String(contentsOfFile: root.path + "/containers/\(id)/config.json", encoding: .utf8)
        #expect(config.contains("\"org.example.note\":\"hi\"") || config.contains("\"org.example.note\" : \"hi\""))
        // The file is there: Docker refuses the next container, which is never made.
        let again = root.skiff("run", "-d", "--network", "none", "--cidfile", cid, "busybox", "true")
        #expect(again.status == 125 && again.err.contains("container ID file found"), "\(again)")
        #expect(Self.lines(root.skiff("ps", "-aq")).count == 1)
        // A create that fails leaves no cidfile.
        let failed = root.skiff("create", "--cidfile", root.path + "/cid2", "nosuchimage-rf", "--pull", "never")
        #expect(failed.status == 125 && !FileManager.default.fileExists(atPath: root.path + "/cid2"), "\(failed)")
        #expect(root.skiff("rm", "-f", "rf-rec").status == 0)
    }

    @Test func attachChoosesTheStreams() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-att-")
        defer { root.cleanUp() }
        let script = ["busybox", "sh", "-c", "echo to-out; echo to-err >&2"]
        let out = root.skiff(["run", "--rm", "--network", "none", "-a", "stdout"] + script)
        #expect(out.status == 0 && out.out == "to-out\n" && !out.err.contains("to-err"), "\(out)")
        let err = root.skiff(["run", "--rm", "--network", "none", "-a", "STDERR"] + script)
        #expect(err.status == 0 && err.out.isEmpty && err.err.contains("to-err"), "\(err)")
        let both = root.skiff(["run", "--rm", "--network", "none"] + script)
        #expect(both.out == "to-out\n" && both.err.contains("to-err"), "\(both)")
        // With -t the terminal is stdout: attached or not as a whole.
        let ttyOut = root.skiff("run", "--rm", "--network", "none", "-t", "-a", "stdout", "busybox", "echo", "tty-out")
        #expect(ttyOut.status == 0 && ttyOut.out.contains("tty-out"), "\(ttyOut)")
        let ttyErr = root.skiff("run", "--rm", "--network", "none", "-t", "-a", "stderr", "busybox", "echo", "tty-out")
        #expect(ttyErr.status == 0 && !ttyErr.out.contains("tty-out") && !ttyErr.err.contains("tty-out"), "\(ttyErr)")
        let conflict = root.skiff(["run", "-d", "-a", "stdout"] + script)
        #expect(conflict.status == 125 && conflict.err.contains("Conflicting options: -a and -d"), "\(conflict)")
        let bad = root.skiff(["run", "-a", "stdtty"] + script)
        #expect(bad.status == 125 && bad.err.contains("valid streams are STDIN, STDOUT and STDERR"), "\(bad)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }

    /// Default: a SIGTERM to `skiff run` is forwarded and ends the container (its shell traps it). With
    /// --sig-proxy=false it ends skiff only; the container runs on under its monitor, as under Docker's
    /// daemon.
    @Test func sigProxyFalseLeavesTheContainerRunning() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-sig-")
        defer { root.cleanUp() }
        for (name, proxy) in [("rf-proxied", true), ("rf-unproxied", false)] {
            let p = root.launch(
                [
                    "run", "--name", name, "--network", "none", "--sig-proxy=\(proxy)", "busybox", "sh", "-c",
                    "trap 'exit 7' TERM; echo ready; while :; do sleep 0.2; done",
                ])
            #expect(root.eventually { root.inspect(name, "{{.State.Status}}") == "running" })
            usleep(300_000)  // the trap is set before the loop's first sleep
            kill(p.processIdentifier, SIGTERM)
            #expect(root.eventually(10) { !p.isRunning }, "skiff run \(name) did not end on SIGTERM")
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let stopped = root.eventually(5) { root.inspect(name, "{{.State.Status}}") != "running" }
            #expect(stopped == proxy, "\(name): \(root.inspect(name, "{{.State.Status}}"))")
            if proxy { #expect(p.terminationStatus == 7 && root.inspect(name, "{{.State.ExitCode}}") == "7") }
        }
        #expect(root.skiff("rm", "-f", "rf-unproxied", "rf-proxied").status == 0)
        // Through the monitor the run is still attached: its output, its exit code, --rm, -a.
        let done = root.skiff(
            "run", "--rm", "--sig-proxy=false", "-a", "stdout", "--network", "none", "busybox", "sh", "-c",
            "echo hi; echo no >&2; exit 3")
        #expect(done.status == 3 && done.out == "hi\n" && !done.err.contains("no"), "\(done)")
        #expect(root.eventually(5) { root.skiff("ps", "-aq").out.isEmpty })
    }

    @Test func logDriverNoneKeepsNoLog() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-log-")
        defer { root.cleanUp() }
        for (name, driver) in [("rf-none", "none"), ("rf-local", "local")] {
            #expect(
                root.skiff(
                    "run", "-d", "--name", name, "--network", "none", "--log-driver", driver, "busybox", "echo", "said"
                )
                .status == 0)
            #expect(root.skiff("wait", name).status == 0)
            #expect(root.inspect(name, "{{.HostConfig.LogConfig.Type}}") == driver)
        }
        let none = root.skiff("logs", "rf-none")
        #expect(none.status != 0 && none.err.contains("does not support reading"), "\(none)")
        let id = root.inspect("rf-none", "{{.Id}}")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/containers/\(id)/log.jsonl"))
        #expect(root.skiff("logs", "rf-local").out == "said\n")
        // The local driver's own rotation (5 files) stays inside, as Docker's: no --log-opt, so {}.
        #expect(root.inspect("rf-local", "{{json .HostConfig.LogConfig.Config}}") == "{}")
        let opts = root.skiff("run", "--log-driver", "none", "--log-opt", "max-size=1m", "busybox", "true")
        #expect(opts.status == 125 && opts.err.contains("takes no options"), "\(opts)")
    }

    /// The flags Skiff cannot carry out are refused as Docker refuses them where it cannot (exit 125,
    /// no container made); -q silences the pull's chatter but not its error.
    @Test func refusedFlagsAndQuietPull() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-ref-")
        defer { root.cleanUp() }
        for (flags, message) in [
            (["--userns", "private"], "--userns: invalid USER mode"),
            (["--runtime", "runsc"], "unknown or invalid runtime name: runsc"),
            (
                ["--storage-opt", "size=1g"],
                "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"
            ),
            (["--gpus", "all"], "no GPU support"),
            (["--link-local-ip", "10.0.0.1"], "--link-local-ip 10.0.0.1: 10.0.0.1 is not a link-local address"),
        ] {
            for command in ["run", "create"] {
                let r = root.skiff([command] + flags + ["busybox", "true"])
                #expect(r.status == 125 && r.err.contains(message), "\(command) \(flags): \(r)")
            }
        }
        #expect(root.skiff("ps", "-aq").out.isEmpty)
        let loud = root.skiff("run", "--rm", "localhost:1/rf-nope")
        #expect(loud.status == 125 && loud.err.contains("Unable to find image"), "\(loud)")
        let quiet = root.skiff("run", "--rm", "-q", "localhost:1/rf-nope")
        #expect(
            quiet.status == 125 && !quiet.err.contains("Unable to find image") && quiet.err.contains("Error"),
            "\(quiet)")
    }

    /// The compose keys follow the flags: userns_mode host and runtime skiff come up; storage_opt is
    /// refused with Docker's words.
    @Test func composeKeysBehaveLikeTheFlags() throws {
        let root = try CLIRoot(prefix: "skiff-runflags-compose-")
        defer { root.cleanUp() }
        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            network_mode: none
            userns_mode: host
            runtime: skiff
            command: ["sh", "-c", "ulimit -n"]
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let up = root.skiff("compose", "-f", dir + "/compose.yaml", "up")
        #expect(up.status == 0, "\(up)")
        let config = root.skiff("compose", "-f", dir + "/compose.yaml", "config").out
        #expect(config.contains("userns_mode: host\n") && config.contains("runtime: skiff\n"), "\(config)")
        #expect(root.skiff("compose", "-f", dir + "/compose.yaml", "down").status == 0)
        try """
        services:
          app:
            image: busybox
            network_mode: none
            storage_opt: {size: 1G}
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let refused = root.skiff("compose", "-f", dir + "/compose.yaml", "up", "-d")
        #expect(refused.status != 0 && refused.err.contains("supported only for overlay over xfs"), "\(refused)")
        _ = root.skiff("compose", "-f", dir + "/compose.yaml", "down")
    }
}
