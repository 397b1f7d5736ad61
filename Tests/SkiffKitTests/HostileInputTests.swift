import Foundation
import SkiffImage
import SkiffKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Input built to exhaust the host, fed to the built CLI as a user would: a YAML alias bomb, nesting,
/// huge and endless files, variables that multiply, and numbers past what Int64 or a Double holds.
/// Each must be refused by name, quickly, with bounded memory, and leave no container behind.
@Suite(
    "hostile input", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct HostileInputTests {
    /// How a child ended and what it cost: wall time and peak resident memory (its ru_maxrss).
    struct Measured {
        var status: Int32
        var err: String
        var seconds: Double
        var peakMiB: Int
    }

    /// Run the CLI with `root`'s state root under PeakMemory's helper, which reports its peak memory.
    /// Killed (SIGKILL: skiff blocks SIGTERM) after `timeout` seconds.
    static func measured(
        _ root: CLIRoot, _ args: [String], env: [String: String] = [:],
        timeout: Double = 30
    ) -> Measured {
        let errPath = root.path + "/.err-" + UUID().uuidString
        let peakPath = root.path + "/.peak-" + UUID().uuidString
        defer { unlink(errPath); unlink(peakPath) }
        let helper: String
        do { helper = try PeakMemory.build(in: root.path) } catch {
            Issue.record("\(error)")
            return Measured(status: -1, err: "", seconds: 0, peakMiB: 0)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var environment = ProcessInfo.processInfo.environment
        environment["SKIFF_ROOT"] = root.path
        environment.merge(env) { $1 }
        let argv = ([helper, peakPath, Engine.skiffPath] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        guard posix_spawn(&pid, helper, &actions, nil, argv, envp) == 0 else {
            Issue.record("cannot start \(helper)")
            return Measured(status: -1, err: "", seconds: 0, peakMiB: 0)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date().timeIntervalSince(start) > timeout {
                kill(pid, SIGKILL)
                Issue.record("skiff \(args) did not finish in \(timeout) s")
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let peakKiB =
            Int(
                ((try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? "0")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return Measured(
            status: exit, err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            seconds: Date().timeIntervalSince(start), peakMiB: peakKiB / 1024)
    }

    static let service = "services:\n  web:\n    image: busybox\n    command: [\"true\"]\n"

    /// The report's 489-byte file: nine levels of nine aliases, 9^9 strings once expanded.
    static let aliasBomb: String = {
        var text =
            service + "x-lol:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "  \(name): &\(name) [" + Array(repeating: "*" + previous, count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        return text
    }()

    func project(_ root: CLIRoot, _ files: [String: String]) throws -> String {
        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func aliasBombIsRefusedQuicklyInBoundedMemory() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let dir = try project(root, ["compose.yaml": Self.aliasBomb])
        let r = Self.measured(root, ["compose", "config", "-f", dir + "/compose.yaml"])
        #expect(r.status == 1, "stderr: \(r.err)")
        #expect(
            r.err.contains(dir + "/compose.yaml") && r.err.contains("excessive aliasing") && r.err.contains("anchor &"),
            "stderr: \(r.err)")
        #expect(r.seconds < 5, "took \(r.seconds) s")
        #expect(r.peakMiB < 200, "peak RSS \(r.peakMiB) MiB")
        // `up` reads the file the same way and makes nothing.
        let up = Self.measured(root, ["compose", "up", "-d", "-f", dir + "/compose.yaml"])
        #expect(
            up.status == 1 && up.err.contains("excessive aliasing") && up.peakMiB < 200,
            "stderr: \(up.err), \(up.peakMiB) MiB")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }

    /// A build context may hold a file larger than the memory of the machine that builds it: COPY
    /// hashes it for the cache key and copies it into the layer in blocks, never whole.
    @Test func copyOfALargeFileStaysInBoundedMemory() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let dir = try project(root, ["Dockerfile": "FROM busybox\nCOPY big /big\n"])
        let big = open(dir + "/big", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(big >= 0)
        #expect(ftruncate(big, 300 << 20) == 0)  // sparse: costs no disk until copied
        close(big)
        let r = Self.measured(root, ["build", "-t", "bigfile", dir], timeout: 120)
        #expect(r.status == 0, "stderr: \(r.err)")
        #expect(r.peakMiB < 200, "peak RSS \(r.peakMiB) MiB for a 300 MiB file")
        root.skiff("rmi", "bigfile")
    }

    @Test func deepHugeAndEndlessFilesAreRefused() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        // Past Skiff's depth, then past libyaml's own (1000, which it finds looking ahead).
        let deep =
            Self.service + "x-deep: " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "\n"
        let deeper =
            Self.service + "x-deep: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            + "\n"
        let huge = Self.service + "x-pad: \"" + String(repeating: "a", count: 5 << 20) + "\"\n"
        let dir = try project(root, ["deep.yaml": deep, "deeper.yaml": deeper, "huge.yaml": huge])
        let d = Self.measured(root, ["compose", "config", "-f", dir + "/deep.yaml"])
        #expect(
            d.status == 1 && d.err.contains("deep.yaml: line 5: collections nest more than 200 deep"),
            "stderr: \(d.err)")
        let dd = Self.measured(root, ["compose", "config", "-f", dir + "/deeper.yaml"])
        #expect(
            dd.status == 1 && dd.err.contains("deeper.yaml: invalid YAML: 5:") && dd.err.contains("nesting level"),
            "stderr: \(dd.err.prefix(2000))")
        #expect(dd.err.utf8.count < 10_000, "the error quotes 200 KB of brackets")
        let h = Self.measured(root, ["compose", "config", "-f", dir + "/huge.yaml"])
        #expect(
            h.status == 1 && h.err.contains("huge.yaml: the file is larger than the maximum of 4 MiB"),
            "stderr: \(h.err)")
        // A stream that never ends is read up to the limit, not until memory runs out.
        let z = Self.measured(root, ["compose", "config", "-f", "/dev/zero"])
        #expect(z.status == 1 && z.err.contains("/dev/zero: the file is larger than the maximum"), "stderr: \(z.err)")
        for r in [d, dd, h, z] { #expect(r.peakMiB < 200 && r.seconds < 10, "\(r.peakMiB) MiB, \(r.seconds) s") }
    }

    @Test func variablesThatMultiplyAreRefused() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        // .env: each line doubles the one before; forty lines would be a terabyte.
        var env = "V0=0123456789abcdef\n"
        for i in 1...40 { env += "V\(i)=${V\(i - 1)}${V\(i - 1)}\n" }
        let dir = try project(root, [".env": env, "compose.yaml": Self.service])
        let e = Self.measured(root, ["compose", "config", "-f", dir + "/compose.yaml"])
        #expect(
            e.status == 1 && e.err.contains(dir + "/.env: line ") && e.err.contains("more than the maximum of 16 MiB"),
            "stderr: \(e.err)")
        // compose.yaml: a short ${BIG} many times over, BIG from the caller's environment.
        let many =
            Self.service + "x-many: [" + Array(repeating: "\"${BIG}\"", count: 400).joined(separator: ",") + "]\n"
        try many.write(toFile: dir + "/many.yaml", atomically: true, encoding: .utf8)
        unlink(dir + "/.env")
        let m = Self.measured(
            root, ["compose", "config", "-f", dir + "/many.yaml"],
            env: ["BIG": String(repeating: "x", count: 100_000)])
        #expect(
            m.status == 1 && m.err.contains("many.yaml: x-many[")
                && m.err.contains("larger than the maximum of 16 MiB"), "stderr: \(m.err)")
        for r in [e, m] { #expect(r.peakMiB < 200 && r.seconds < 10, "\(r.peakMiB) MiB, \(r.seconds) s") }
    }

    @Test func anchorsAliasesAndMergeKeysStillWork() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let text = """
            x-common: &common
              image: busybox
              environment: &env
                LEVEL: debug
              labels:
                tier: back
            x-limits: &limits
              mem_limit: 64m
            services:
              api:
                <<: [*common, *limits]
                command: ["sleep", "1"]
              worker:
                <<: *common
                image: busybox:latest
                environment: *env

            """
        let dir = try project(root, ["compose.yaml": text])
        let r = root.skiff(["compose", "config", "--project-directory", dir, "-f", dir + "/compose.yaml"])
        #expect(r.status == 0, "stderr: \(r.err)")
        #expect(r.out.contains("api:") && r.out.contains("worker:") && r.out.contains("LEVEL: debug"), "\(r.out)")
        #expect(r.out.contains("image: busybox:latest") && r.out.contains("tier: back"), "\(r.out)")
        #expect(r.out.contains("67108864"), "the merged x-limits: \(r.out)")
    }

    /// Each flag with values past its type, negative, NaN, infinite or absurd: exit 125 naming the flag.
    static let badFlags: [[String]] = [
        ["--memory", "9000000000g"], ["--memory", "-1"], ["--memory", "nan"], ["--memory", "inf"],
        ["--memory", "1e308"],
        ["--memory", "99999999999999999999"],
        ["--cpus", "1e308"], ["--cpus", "inf"], ["--cpus", "nan"], ["--cpus", "-1"], ["--cpus", "0"],
        ["--pids-limit", "99999999999999999999"], ["--pids-limit", "nan"], ["--pids-limit", "1e308"],
        ["--stop-timeout", "99999999999999999999"], ["--stop-timeout", "-5"], ["--stop-timeout", "1e308"],
        ["--health-interval", "9999999999999h"], ["--health-timeout", "-1s"], ["--health-start-period", "1e308s"],
        ["--health-retries", "99999999999999999999"], ["--health-retries", "-1"],
        ["--log-opt", "max-size=9000000000g"], ["--log-opt", "max-file=99999999999"],
        ["--tmpfs", "/run:size=9000000000g"], ["--mount", "type=tmpfs,target=/t,tmpfs-size=99999999999p"],
        ["-p", "99999999999999999999:80"], ["-p", "1-70000:80"],
    ]

    @Test func numericFlagsPastTheirRangeExit125AndLeaveNoContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        for args in Self.badFlags {
            let flag = args[0] == "--log-opt" ? "--log-opt " + args[1].prefix { $0 != "=" } : args[0]
            for command in [["run", "--rm"], ["create"]] {
                var argv = command + args + ["busybox", "true"]
                if args[0] == "--health-interval" || args[0] == "--health-timeout" || args[0] == "--health-start-period"
                    || args[0] == "--health-retries"
                {
                    argv = command + ["--health-cmd", "true"] + args + ["busybox", "true"]
                }
                let r = root.skiff(argv)
                #expect(r.status == 125, "\(argv): status \(r.status), stderr: \(r.err)")
                #expect(
                    r.err.contains(flag) && !r.err.contains("Fatal error") && !r.err.contains("Crash"),
                    "\(argv): stderr: \(r.err)")
            }
        }
        let ps = root.skiff("ps", "-aq")
        #expect(ps.status == 0 && ps.out.isEmpty, "containers left: \(ps.out)")
    }

    /// Valid but long waits: poll(2) takes Int32 milliseconds (about 24.8 days), so a stop timeout or a
    /// healthcheck timeout of 30 days once trapped converting to it.
    @Test func waitsLongerThanPollsRangeDoNotTrap() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let month = String(30 * 24 * 3600)
        #expect(
            root.skiff(
                "run", "-d", "--name", "patient", "--stop-timeout", month, "--health-cmd", "true",
                "--health-interval", "200ms", "--health-timeout", "720h",
                "busybox", "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"
            ).status == 0)
        #expect(
            root.eventually(30) { root.inspect("patient", "{{.State.Health.Status}}") == "healthy" },
            "health: \(root.inspect("patient", "{{json .State.Health}}"))")
        let stop = root.skiff("stop", "-t", month, "patient")
        #expect(stop.status == 0, "stop: status \(stop.status), stderr: \(stop.err)")
        #expect(root.inspect("patient", "{{.State.Status}}") == "exited")
    }

    @Test func composeNumericKeysPastTheirRangeAreRefusedByName() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let cases: [(yaml: String, path: String)] = [
            ("mem_limit: 9000000000g", "services.web.mem_limit"),
            ("mem_limit: -1", "services.web.mem_limit"),
            ("cpus: 1e308", "services.web.cpus"),
            ("cpus: .nan", "services.web.cpus"),
            ("cpus: .inf", "services.web.cpus"),
            ("pids_limit: 99999999999999999999", "services.web.pids_limit"),
            ("stop_grace_period: 9999999999999h", "services.web.stop_grace_period"),
            ("stop_grace_period: 9223372037", "services.web.stop_grace_period"),
            ("healthcheck: {test: [\"CMD\", \"true\"], interval: 1e308s}", "services.web.healthcheck.interval"),
            (
                "healthcheck: {test: [\"CMD\", \"true\"], retries: 99999999999999999999}",
                "services.web.healthcheck.retries"
            ),
            ("deploy: {resources: {limits: {memory: 99999999999p}}}", "services.web.deploy.resources.limits.memory"),
            ("deploy: {resources: {limits: {cpus: \"inf\"}}}", "services.web.deploy.resources.limits.cpus"),
            ("deploy: {resources: {limits: {pids: 1e308}}}", "services.web.deploy.resources.limits.pids"),
            ("volumes: [{type: tmpfs, target: /t, tmpfs: {size: 9000000000g}}]", "services.web.volumes[0].tmpfs.size"),
            ("ports: [{target: 99999999999999999999}]", "services.web.ports[0].target"),
        ]
        for (i, c) in cases.enumerated() {
            let dir = try project(root, ["c\(i).yaml": "services:\n  web:\n    image: busybox\n    \(c.yaml)\n"])
            for command in [["config"], ["up", "-d"]] {
                let r = root.skiff(
                    ["compose"] + command + ["-p", "hostile", "--project-directory", dir, "-f", dir + "/c\(i).yaml"])
                #expect(r.status == 1, "\(c.yaml) (\(command)): status \(r.status), stderr: \(r.err)")
                #expect(r.err.contains("c\(i).yaml: \(c.path): invalid value"), "\(c.yaml): stderr: \(r.err)")
            }
        }
        let ps = root.skiff("ps", "-aq")
        #expect(ps.status == 0 && ps.out.isEmpty, "containers left: \(ps.out)")
    }
}
