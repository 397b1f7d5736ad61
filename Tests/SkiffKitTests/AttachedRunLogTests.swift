import Foundation
import SkiffImage
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// Issue 14: an attached container's output is logged as a detached one's (Docker's daemon logs every
/// container): `skiff run` without -d and `compose run` write log.jsonl (the monitor's format, through
/// the same writer), `logs` reads it; `--log-driver none` keeps the old direct path; `--log-opt
/// labels/env/tag` give each entry attributes; an unknown option is refused; a build step keeps no log.
@Suite(
    "attached runs keep a log (issue 14)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct AttachedRunLogTests {
    @Test func attachedRunIsLoggedStreamByStream() throws {
        let root = try CLIRoot(prefix: "skiff-attached-log-")
        defer { root.cleanUp() }
        let script = "echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf 'no newline'; exit 3"
        let run = root.skiff("run", "--name", "x", "busybox", "sh", "-c", script)
        #expect(run.status == 3, "the container's exit code: \(run)")
        #expect(run.out == "out1\nout2\nno newline" && run.err == "err1\nerr2\n", "\(run)")
        let logs = root.skiff("logs", "x")
        #expect(logs.status == 0 && logs.out == "out1\nout2\nno newline" && logs.err == "err1\nerr2\n", "\(logs)")
        let stamped = root.skiff("logs", "-t", "x").out
        #expect(stamped.hasPrefix("20") && stamped.contains("Z out1\n"), "\(stamped)")
        // -f on a container that has exited prints the log and ends.
        #expect(root.skiff("logs", "-f", "x", timeout: 20).out == "out1\nout2\nno newline")
        let line =
            try String(
                contentsOfFile: root.engine.containers.directory(of: try root.engine.container("x").id)
                    + "/log.jsonl", encoding: .utf8
            ).split(separator: "\n").first ?? ""
        #expect(
            line.hasPrefix("{\"log\":\"out1\\n\",\"stream\":\"stdout\",\"time\":\"20"),
            "Docker's json-file line: \(line)")

        // A stream left out of -a is logged, not shown.
        let quiet = root.skiff("run", "-a", "stdout", "--name", "y", "busybox", "sh", "-c", "echo o; echo e >&2")
        #expect(quiet.status == 0 && quiet.out == "o\n" && quiet.err.isEmpty, "\(quiet)")
        let yLogs = root.skiff("logs", "y")
        #expect(yLogs.out == "o\n" && yLogs.err == "e\n", "\(yLogs)")

        // A terminal (-t, no -i): its output is one stream, stdout.
        let tty = root.skiff("run", "-t", "--name", "t", "busybox", "sh", "-c", "echo on-tty; echo also >&2")
        #expect(tty.status == 0 && tty.out == "on-tty\r\nalso\r\n", "\(tty)")
        let ttyLogs = root.skiff("logs", "t")
        #expect(ttyLogs.out == "on-tty\r\nalso\r\n" && ttyLogs.err.isEmpty, "\(ttyLogs)")

        // What the init leaves behind (--pid host: its exit kills nothing) holds the pipes open: it is
        // killed with the container, as before, and `run` does not wait for it.
        let started = Date()
        let host = root.skiff("run", "--pid", "host", "--name", "h", "busybox", "sh", "-c", "echo a; sleep 40 & echo b")
        #expect(host.status == 0 && host.out == "a\nb\n", "\(host)")
        #expect(Date().timeIntervalSince(started) < 20, "run waited for the process left behind")
        #expect(root.skiff("logs", "h").out == "a\nb\n")

        // --rm still removes it (and its log).
        #expect(root.skiff("run", "--rm", "--name", "gone", "busybox", "echo", "bye").out == "bye\n")
        #expect(root.skiff("logs", "gone").status != 0)
    }

    @Test func logDriverNoneKeepsNoLog() throws {
        let root = try CLIRoot(prefix: "skiff-attached-nolog-")
        defer { root.cleanUp() }
        let run = root.skiff("run", "--log-driver", "none", "--name", "n", "busybox", "sh", "-c", "echo hi; echo e >&2")
        #expect(run.status == 0 && run.out == "hi\n" && run.err == "e\n", "\(run)")
        let logs = root.skiff("logs", "n")
        #expect(logs.status != 0 && logs.err.contains("does not support reading"), "\(logs)")
        let dir = root.engine.containers.directory(of: try root.engine.container("n").id)
        #expect(!FileIO.exists(dir + "/log.jsonl"))
    }

    /// 2 MB of lines, and one line longer than json-file's 16 KB (logged in pieces): all of it on
    /// stdout, in order, before `run` returns, and all of it in the log.
    @Test func largeOutputArrivesWholeOnStdoutAndInTheLog() throws {
        let root = try CLIRoot(prefix: "skiff-attached-big-")
        defer { root.cleanUp() }
        let script = """
            awk 'BEGIN { for (i = 0; i < 2000; i++) { s = i "-"; while (length(s) < 1000) s = s "x"; print s } }'
            awk 'BEGIN { s = ""; while (length(s) < 40000) s = s "y"; print s }'
            echo last >&2
            """
        var expected = ""
        for i in 0..<2000 {
            let head = "\(i)-"
            expected += head + String(repeating: "x", count: 1000 - head.count) + "\n"
        }
        expected += String(repeating: "y", count: 40000) + "\n"
        let run = root.skiff("run", "--name", "big", "busybox", "sh", "-c", script, timeout: 120)
        #expect(run.status == 0 && run.err == "last\n", "\(run.status) \(run.err)")
        #expect(run.out.count == expected.count && run.out == expected, "\(run.out.count) bytes of \(expected.count)")
        let logs = root.skiff("logs", "big", timeout: 120)
        #expect(logs.out.count == expected.count && logs.out == expected, "\(logs.out.count) of \(expected.count)")
        #expect(logs.err == "last\n")
    }

    /// `--log-opt labels=…,env=…,tag=…`: every entry carries the attributes, shown by `logs --details` as
    /// Docker shows them (keys sorted, query-escaped), for an attached run and a detached one alike.
    @Test func logOptAttributesShowInDetails() throws {
        let root = try CLIRoot(prefix: "skiff-attached-attrs-")
        defer { root.cleanUp() }
        func flags(_ name: String) -> [String] {
            [
                "--name", name, "--label", "a=1", "--label", "b=x y", "--label", "other=no", "-e", "E=3", "-e",
                "F=no", "--log-opt", "labels=a,b,missing", "--log-opt", "env=E", "--log-opt", "tag={{.Name}}",
            ]
        }
        let run = root.skiff(["run"] + flags("att") + ["busybox", "echo", "hi"])
        #expect(run.status == 0 && run.out == "hi\n", "\(run)")
        let details = root.skiff("logs", "--details", "att")
        #expect(details.out == "E=3,a=1,b=x+y,tag=att hi\n", "\(details)")
        #expect(root.skiff("logs", "att").out == "hi\n", "without --details, the text alone")
        #expect(root.inspect("att", "{{index .HostConfig.LogConfig.Config \"labels\"}}") == "a,b,missing")

        #expect(root.skiff(["run", "-d"] + flags("det") + ["busybox", "echo", "bg"]).status == 0)
        #expect(root.skiff("wait", "det").out == "0\n")
        #expect(root.skiff("logs", "--details", "det").out == "E=3,a=1,b=x+y,tag=det bg\n")

        let regex = root.skiff(
            "run", "--name", "re", "--label", "app.x=1", "--label", "zzz=2", "-e", "LOG_A=a", "--log-opt",
            "labels-regex=^app\\.", "--log-opt", "env-regex=^LOG_", "busybox", "echo", "r")
        #expect(regex.status == 0, "\(regex)")
        #expect(root.skiff("logs", "--details", "re").out == "LOG_A=a,app.x=1 r\n")
    }

    @Test func unknownLogOptIsRefusedAndDockersOthersAreTaken() throws {
        let root = try CLIRoot(prefix: "skiff-attached-logopt-")
        defer { root.cleanUp() }
        let unknown = root.skiff("run", "--log-opt", "frobnicate=1", "busybox", "true")
        #expect(unknown.status == 125, "\(unknown)")
        #expect(unknown.err.contains("unknown log opt 'frobnicate' for json-file log driver"), "\(unknown.err)")
        let local = root.skiff("run", "--log-driver", "local", "--log-opt", "labels=a", "busybox", "true")
        #expect(local.status == 125 && local.err.contains("unknown log opt 'labels' for local log driver"), "\(local)")
        let badMode = root.skiff("run", "--log-opt", "mode=sometimes", "busybox", "true")
        #expect(badMode.status == 125 && badMode.err.contains("mode"), "\(badMode)")
        let badRegex = root.skiff("run", "--log-opt", "env-regex=(", "busybox", "true")
        #expect(badRegex.status == 125 && badRegex.err.contains("env-regex"), "\(badRegex)")
        #expect(root.engine.containers.all().isEmpty, "nothing made for a refused option")
        let taken = root.skiff(
            "run", "--log-opt", "mode=non-blocking", "--log-opt", "max-buffer-size=4m", "--log-opt", "max-size=1m",
            "--log-opt", "max-file=3", "--log-opt", "compress=false", "busybox", "echo", "ok")
        #expect(taken.status == 0 && taken.out == "ok\n", "\(taken)")
    }

    /// `--log-opt compress=true` (with max-size and max-file, as json-file requires): the rotated files
    /// are gzipped, log.jsonl.1.gz and on, as Docker's, and `logs` reads through them; attached or
    /// under the monitor alike.
    @Test func compressGzipsRotatedFilesAndLogsReadsThem() throws {
        let root = try CLIRoot(prefix: "skiff-attached-gzip-")
        defer { root.cleanUp() }
        let script = "i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"
        let opts = ["--log-opt", "max-size=3k", "--log-opt", "max-file=3", "--log-opt", "compress=true"]
        #expect(root.skiff(["run", "--name", "att"] + opts + ["busybox", "sh", "-c", script]).status == 0)
        #expect(root.skiff(["run", "-d", "--name", "det"] + opts + ["busybox", "sh", "-c", script]).status == 0)
        #expect(root.skiff("wait", "det").out == "0\n")
        for name in ["att", "det"] {
            let dir = root.engine.containers.directory(of: try root.engine.container(name).id)
            for i in 1...2 {
                let gz = (try? FileIO.read(dir + "/log.jsonl.\(i).gz")) ?? []
                #expect(gz.starts(with: [0x1f, 0x8b]), "\(name): log.jsonl.\(i).gz is gzip")
                #expect(!FileIO.exists(dir + "/log.jsonl.\(i)"), "\(name): no plain .\(i) left")
            }
            #expect(!FileIO.exists(dir + "/log.jsonl.3.gz"), "max-file=3 keeps three files")
            let current = (try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8)).split(separator: "\n")
            let lines = root.skiff("logs", name).out.split(separator: "\n")
            let numbers = lines.compactMap { Int($0.split(separator: "-")[1]) }
            #expect(numbers.count == lines.count && numbers.last == 199, "\(name): \(lines.suffix(2))")
            #expect(numbers == Array((numbers.first ?? 0)...199), "\(name): consecutive to the end")
            #expect(lines.count > current.count && (numbers.first ?? 0) > 0, "\(name): \(lines.count) lines")
        }
        // More than ten files: every one is read (about 8 entries a file here).
        #expect(
            root.skiff(
                "run", "--name", "many", "--log-opt", "max-size=1k", "--log-opt", "max-file=12", "busybox", "sh", "-c",
                script
            ).status == 0)
        let many = root.skiff("logs", "many").out.split(separator: "\n").compactMap { Int($0.split(separator: "-")[1]) }
        #expect(many.count > 85 && many == Array((many.first ?? 0)...199), "\(many.count) lines: \(many.prefix(3))")
        let refused = root.skiff("run", "--log-opt", "compress=true", "busybox", "true")
        #expect(refused.status == 125 && refused.err.contains("compress cannot be true"), "\(refused)")
    }

    @Test func composeRunOutputIsLogged() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            name: cmprunlog
            services:
              app:
                image: busybox
                command: ["true"]
                logging:
                  options:
                    labels: tier
                labels:
                  tier: back
            """)
        defer { p.cleanUp() }
        let run = p.compose("run", "--name", "oneoff", "-T", "app", "sh", "-c", "echo from-run; echo err-run >&2")
        #expect(run.status == 0 && run.out.contains("from-run"), "\(run)")
        let logs = Self.skiff(["logs", "oneoff"], root: p.engine.root)
        #expect(logs.out == "from-run\n" && logs.err == "err-run\n", "\(logs)")
        #expect(Self.skiff(["logs", "--details", "oneoff"], root: p.engine.root).out == "tier=back from-run\n")
    }

    /// `skiff ARGS` on the state root `root`: (stdout, stderr).
    static func skiff(_ args: [String], root: String) -> (out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["SKIFF_ROOT"] = root
        p.environment = environment
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try! p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// A build's RUN step is no user container: while it runs (and after) no log file is written.
    @Test func buildRunStepKeepsNoLog() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        final class Seen: @unchecked Sendable {
            var logs: [String] = []
            var stop = false
        }
        let seen = Seen()
        let containers = f.engine.root + "/containers"
        let watcher = Thread {
            while !seen.stop {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: containers)) ?? [] {
                    let path = containers + "/" + entry + "/log.jsonl"
                    if FileIO.exists(path) { seen.logs.append(path) }
                }
                usleep(10_000)
            }
        }
        watcher.start()
        let outcome = try f.build("FROM busybox\nRUN echo step-output; sleep 1\n")
        seen.stop = true
        usleep(50_000)
        #expect(outcome.runOutput.contains("step-output"), "\(outcome.runOutput)")
        #expect(seen.logs.isEmpty, "a RUN step's container logged: \(seen.logs)")
    }
}
