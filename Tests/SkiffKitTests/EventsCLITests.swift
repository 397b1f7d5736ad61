import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Synchronization
import Testing

/// `skiff events` (issue 14) driven as a user would: the events the lifecycle records, the time
/// window, filters and formats, following, many writers at once, Docker's errors; `compose events`.
@Suite(
    "Events (skiff events, system events, compose events)", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct EventsCLITests {
    /// The stored events' lines of `root` in a closed window (--until 0s: no following).
    static func stored(_ root: CLIRoot, _ args: String...) -> CLIRoot.Result {
        root.skiff(["events", "--since", "1h", "--until", "0s"] + args, timeout: 20)
    }

    @Test func runStopRemoveInOrderWithAttributes() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let start = String(format: "%.9f", Timestamp.nowSeconds())
        let run = root.skiff(
            "run", "-d", "--name", "web", "-l", "tier=front", "busybox", "sh", "-c",
            "trap 'exit 3' TERM; while :; do sleep 0.1; done")
        #expect(run.status == 0, "\(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.skiff("stop", "web").status == 0)
        #expect(root.skiff("rm", "web").status == 0)
        let end = String(format: "%.9f", Timestamp.nowSeconds())

        let lines = Self.stored(root, "--filter", "type=container").out.split(separator: "\n").map(String.init)
        #expect(
            lines.map { $0.split(separator: " ")[2] } == ["create", "start", "kill", "die", "stop", "destroy"],
            "\(lines)")
        for line in lines {
            #expect(line.split(separator: " ")[3] == id, "\(line)")
            #expect(line.hasSuffix(")") && line.contains("image=busybox") && line.contains("name=web"), "\(line)")
            #expect(line.contains("tier=front"), "labels are attributes: \(line)")
        }
        #expect(lines.first.map { Timestamp.parse(String($0.prefix(30))) != nil } == true, "\(lines)")
        #expect(lines[2].contains("signal=15"), "\(lines[2])")
        #expect(lines[3].contains("exitCode=3"), "\(lines[3])")

        // The window, a filter and a template.
        let die = root.skiff(
            "events", "--since", start, "--until", end, "--filter", "event=die", "--format",
            "{{.Status}} {{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}")
        #expect(die.status == 0, "\(die.err)")
        #expect(die.out == "die 3 web\n")
        #expect(root.skiff("events", "--since", end, "--until", "0s").out == "", "nothing after the window")
        let json = root.skiff(
            "system", "events", "--since", start, "--until", end, "-f", "event=create", "--format", "json")
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(object?["Type"] as? String == "container" && object?["Action"] as? String == "create")
        #expect(object?["status"] as? String == "create" && object?["from"] as? String == "busybox")
        #expect((object?["Actor"] as? [String: Any])?["ID"] as? String == id)
        #expect(object?["scope"] as? String == "local" && (object?["timeNano"] as? Int64 ?? 0) > 0)
        #expect(root.skiff("events", "--since", start, "--until", end, "-f", "container=nope").out == "")
        #expect(
            root.skiff(
                "events", "--since", start, "--until", end, "-f", "container=\(id.prefix(6))", "-f", "event=stop"
            ).out.contains(" container stop "))
        // An attached run: attach before start (as Docker), --rm's destroy after die.
        #expect(root.skiff("run", "--rm", "--name", "once", "busybox", "true").status == 0)
        #expect(
            Self.stored(root, "-f", "container=once", "--format", "{{.Action}}").out
                == "create\nattach\nstart\ndie\ndestroy\n")

    }

    @Test func pauseExecRenameRestartKillAndHealth() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "a", "--health-cmd", "true", "--health-interval", "1s", "busybox", "sh", "-c",
            "trap 'exit 0' TERM; trap '' USR1; while :; do sleep 0.1; done")
        #expect(run.status == 0, "\(run.err)")
        #expect(
            root.eventually(20) {
                Self.stored(root, "-f", "event=health_status").out.contains("health_status: healthy")
            })
        #expect(root.skiff("pause", "a").status == 0)
        #expect(root.skiff("unpause", "a").status == 0)
        #expect(root.skiff("exec", "a", "sh", "-c", "exit 4").status == 4)
        #expect(root.skiff("rename", "a", "b").status == 0)
        #expect(root.skiff("restart", "-t", "5", "b").status == 0)
        #expect(root.skiff("kill", "-s", "USR1", "b").status == 0)
        #expect(root.skiff("update", "--restart", "no", "b").status == 0)
        #expect(root.skiff("export", "-o", root.path + "/b.tar", "b").status == 0)
        #expect(root.skiff("commit", "b", "b:snap").status == 0)
        // Health probes are execs too (as with Docker); these are the user's.
        let actions = Self.stored(
            root, "-f", "type=container", "--format",
            "{{.Action}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.exitCode}}{{.Actor.Attributes.signal}}{{.Actor.Attributes.oldName}}"
        )
        .out.replacingOccurrences(of: "<no value>", with: "").split(separator: "\n").map(String.init)
        .filter { !$0.hasPrefix("exec_") || $0.contains("exit 4") || $0.hasSuffix("|4") }
        .filter { !$0.hasPrefix("health_status") }
        #expect(
            actions == [
                "create|a|", "start|a|", "pause|a|", "unpause|a|", "exec_create: sh -c exit 4|a|",
                "exec_start: sh -c exit 4|a|", "exec_die|a|4", "rename|b|a", "kill|b|15", "die|b|0", "stop|b|",
                "start|b|", "restart|b|", "kill|b|10", "update|b|", "export|b|", "commit|b|",
            ], "\(actions)")
        // A missing attribute is Go's "<no value>", as with Docker.
        #expect(
            Self.stored(root, "-f", "event=pause", "--format", "{{.Actor.Attributes.exitCode}}").out == "<no value>\n")
        let execs = Self.stored(root, "-f", "event=exec_create", "--format", "{{.Actor.Attributes.execID}}")
        #expect(!execs.out.isEmpty && execs.out.split(separator: "\n").allSatisfy { $0.count == 64 }, "\(execs.out)")
    }

    @Test func imageVolumeAndNetworkEvents() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("tag", "busybox", "mine:1").status == 0)
        #expect(root.skiff("rmi", "mine:1").status == 0)
        #expect(root.skiff("save", "-o", root.path + "/bb.tar", "busybox").status == 0)
        #expect(root.skiff("load", "-i", root.path + "/bb.tar").status == 0)
        #expect(root.skiff("volume", "create", "data").status == 0)
        #expect(root.skiff("volume", "rm", "data").status == 0)
        // A build's result is tagged as `tag` records it.
        let context = root.path + "/ctx"
        try FileIO.makeDirectories(context, mode: 0o755)
        try FileIO.writeAtomically(context + "/Dockerfile", contents: Array("FROM busybox\nLABEL a=b\n".utf8))
        let build = root.skiff("build", "-q", "-t", "built:1", context)
        #expect(build.status == 0, "\(build.err)")
        let lines = Self.stored(root).out.split(separator: "\n").map {
            $0.split(separator: " ").dropFirst().prefix(2).joined(separator: " ")
        }
        #expect(
            lines == [
                "image tag", "image untag", "image save", "image load", "volume create", "volume destroy", "image tag",
            ],
            "\(lines)")
        #expect(Self.stored(root, "--filter", "image=mine:1").out.contains("(name=mine:1)"))
        #expect(Self.stored(root, "--filter", "image=built").out.contains(" image tag sha256:"))
        #expect(
            Self.stored(
                root, "--filter", "volume=data", "--format", "{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}"
            ).out == "create data local\ndestroy data local\n")

        // A run on a user network with a named volume: mount and connect before start, disconnect and
        // unmount after die.
        let since = String(format: "%.9f", Timestamp.nowSeconds())
        #expect(root.skiff("network", "create", "evnet").status == 0)
        let run = root.skiff(
            "run", "-d", "--name", "w", "--network", "evnet", "-v", "kept:/data", "busybox", "sleep", "30")
        #expect(run.status == 0, "\(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.skiff("rm", "-f", "w").status == 0)
        #expect(root.skiff("network", "rm", "evnet").status == 0)
        let around = root.skiff(
            "events", "--since", since, "--until", "0s", "-f", "type=network", "-f", "type=volume", "-f",
            "type=container", "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}"
        ).out.replacingOccurrences(of: " <no value>", with: "").split(separator: "\n").map(String.init)
        #expect(
            around == [
                "network create evnet", "volume create", "container create w", "volume mount \(id)",
                "network connect evnet \(id)", "container start w", "container kill w", "container die w",
                "network disconnect evnet \(id)", "volume unmount \(id)", "container destroy w",
                "network destroy evnet",
            ], "\(around)")
        #expect(root.skiff("volume", "rm", "kept").status == 0)
    }

    /// Follows: prints an event that happens after it started; SIGTERM and SIGINT end it with 0.
    @Test(arguments: [SIGTERM, SIGINT]) func followsUntilStopped(signal: Int32) throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let outPath = root.path + "/follow.out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let events = root.launch(
            ["events", "--filter", "type=volume", "--format", "{{.Action}} {{.Actor.ID}}"],
            stdout: FileHandle(forWritingAtPath: outPath)!)
        func output() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        // The follower has opened the log once a volume made after its start shows up (made again until it
        // does: the ones before it opened are not its to show).
        var n = 0
        let following = root.eventually(20) {
            n += 1
            _ = root.skiff("volume", "create", "v\(n)")
            return Poll.until(0.3) { output().contains("create v\(n)\n") }
        }
        #expect(following, "\(output())")
        #expect(root.skiff("volume", "rm", "v\(n)").status == 0)
        #expect(Poll.until(10) { output().contains("destroy v\(n)\n") }, "\(output())")
        kill(events.processIdentifier, signal)
        events.waitUntilExit()
        #expect(events.terminationReason == .exit && events.terminationStatus == 0)
        for i in 1..<n { _ = root.skiff("volume", "rm", "v\(i)") }
    }

    /// 20 `run -d` at once append to one log: every line whole and readable, every create and start there.
    @Test func concurrentWritersLeaveWholeLines() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let statuses = Mutex([Int32](repeating: -1, count: 20))
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            let r = root.skiff("run", "-d", "--name", "c\(i)", "busybox", "true")
            statuses.withLock { $0[i] = r.status }
        }
        #expect(statuses.withLock { $0 } == [Int32](repeating: 0, count: 20))
        _ = root.eventually(20) { root.engine.listContainers().allSatisfy { $0.status == .exited } }
        let text = try FileIO.readString(root.path + "/events/events.jsonl")
        #expect(text.hasSuffix("\n"))
        var actions: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let e = Event.parse(Array(line.utf8))
            #expect(e != nil, "a torn line: \(line)")
            if let e { actions[e.action, default: 0] += 1 }
        }
        #expect(actions["create"] == 20 && actions["start"] == 20 && actions["die"] == 20, "\(actions)")
    }

    @Test func badFlagsAreDockersErrors() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let cases: [([String], String)] = [
            (["events", "--filter", "colour=red"], "invalid filter 'colour'"),
            (["events", "--filter", "event"], "bad format of filter (expected name=value)"),
            (["events", "--since", "yesterday"], "failed to parse value as time or duration: \"yesterday\""),
            (["system", "events", "--until", "soon"], "failed to parse value as time or duration: \"soon\""),
            (["events", "--format", "{{.Nope"], "unclosed {{"),
            (["events", "--bogus"], "--bogus"),
        ]
        for (args, message) in cases {
            let r = root.skiff(args, timeout: 10)
            #expect(r.status == 125, "\(args): \(r.status) \(r.err)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
        }
    }

    @Test func composeEventsOfOneProject() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            name: evp
            services:
              a:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
            """)
        defer { p.cleanUp() }
        let start = String(format: "%.9f", Timestamp.nowSeconds())
        #expect(p.compose("up", "-d").status == 0)
        #expect(p.compose("stop", "a").status == 0)
        let json = p.compose("events", "--json", "--since", start, "--until", "0s")
        #expect(json.status == 0, "\(json.err)")
        let objects = json.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(
            objects.map { $0["action"] as? String ?? "" } == ["create", "start", "kill", "die", "stop"], "\(json.out)")
        #expect(objects.allSatisfy { $0["service"] as? String == "a" && $0["type"] as? String == "container" })
        let attributes = objects.first?["attributes"] as? [String: String] ?? [:]
        #expect(attributes["name"] == "evp-a-1" && !attributes.keys.contains { $0.hasPrefix("com.docker.compose.") })
        let plain = p.compose("events", "--since", start, "--until", "0s", "a")
        #expect(plain.out.split(separator: "\n").first?.contains(" container create ") == true, "\(plain.out)")
        #expect(p.compose("events", "--since", start, "--until", "0s", "b").out == "", "another service's: none")
        #expect(p.compose("down").status == 0)
    }
}
