import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// The monitor's cgroup v2 OOM watch (the start helper's `ok PID v2:FILE`, inotify on memory.events), run for real against a
/// fake cgroupfs file and a fake `skiff` that logs the helpers it is asked to run (this host's memory
/// controller is v1, whose watch OOMKillTests drives with real kills). No root needed.
@Suite(
    "skiff-monitor: the v2 OOM watch", .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: Engine.monitorPath)))
struct MonitorOOMWatchTests {
    /// `container-internal VERB ID …` → VERB appended to $SKIFF_ROOT/calls; `start` launches a sleep
    /// (reparented to the monitor, a subreaper) and reports its pid, `exited` answers "done".
    static let fakeSkiff = """
        #!/bin/sh
        echo "$2" >> "$SKIFF_ROOT/calls"
        case "$2" in
        start) sleep 1000 </dev/null >/dev/null 2>&1 3>&- & echo "ok $! v2:$SKIFF_ROOT/cgroup/skiff/c1/memory.events" >&3 ;;
        exited) echo done ;;
        esac
        """

    @Test func eachNewKillInMemoryEventsRunsTheOOMHelper() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-oom-monitor-")
        defer { FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/c", mode: 0o755)
        try FileIO.makeDirectories(dir + "/cgroup/skiff/c1", mode: 0o755)
        let events = dir + "/cgroup/skiff/c1/memory.events"
        func count(_ kills: Int, oom: Int) throws {
            try FileIO.create(events, contents: Array("low 0\nhigh 0\nmax 9\noom \(oom)\noom_kill \(kills)\n".utf8))
        }
        try count(0, oom: 0)
        try FileIO.create(dir + "/skiff", contents: Array(Self.fakeSkiff.utf8))
        #expect(chmod(dir + "/skiff", 0o755) == 0)
        func calls() -> [String] {
            ((try? FileIO.readString(dir + "/calls")) ?? "").split(separator: "\n").map(String.init)
        }

        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        do {
            defer { close(fds[1]) }
            try Engine.spawnMonitor(
                [Engine.monitorPath, "-s", dir + "/skiff", "-d", dir + "/c", "-N", "c1"],
                readyFD: fds[1], stateRoot: dir)
        }
        var report = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &report, report.count)
        let text = String(decoding: report.prefix(max(n, 0)), as: UTF8.self)
        let sleeper = try #require(Int32(text.dropFirst(3).prefix { $0 != " " }), "\(text)")
        defer {
            kill(sleeper, SIGKILL)
            _ = Poll.until(10) { HostLeftovers.processesMentioning(dir).isEmpty }
        }
        #expect(calls() == ["start"], "no kill counted at the start: no helper")

        // The OOM killer kills: the helper runs at once, the container still running.
        try count(1, oom: 1)
        #expect(Poll.until(10) { calls() == ["start", "oom"] }, "\(calls())")
        // memory.events changes without a new kill (the limit hit again): no helper.
        try count(1, oom: 2)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(calls() == ["start", "oom"])
        // Two more kills: one helper more (it records every kill it finds not yet recorded).
        try count(3, oom: 4)
        #expect(Poll.until(10) { calls() == ["start", "oom", "oom"] }, "\(calls())")

        // The init exits: the exit is recorded and the monitor ends, nothing left running.
        kill(sleeper, SIGKILL)
        #expect(Poll.until(10) { calls().last == "exited" }, "\(calls())")
        #expect(Poll.until(10) { HostLeftovers.processesMentioning(dir).isEmpty })
        #expect(calls() == ["start", "oom", "oom", "exited"])
    }
}
