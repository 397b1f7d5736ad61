import Foundation
import SkiffKit
import SkiffRuntime
import SkiffSystem
import Testing

/// State.OOMKilled's decision (issue 14): the `oom_kill` counter of the container's cgroup, from v1's
/// memory.oom_control or v2's memory.events as the files read, and where CgroupManager reads them (a
/// fake cgroupfs tree: this host is v1, and the v1 kernel side is OOMKillTests).
@Suite("OOM kill report (cgroup counter → State.OOMKilled)")
struct OOMKillReportTests {
    @Test func v1OOMControl() {
        let killed = CgroupOOMReport(source: .v1OOMControl, contents: "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        #expect(killed.oomKills == 2 && killed.killedByOOM)
        let spared = CgroupOOMReport(source: .v1OOMControl, contents: "oom_kill_disable 0\nunder_oom 0\noom_kill 0")
        #expect(spared.oomKills == 0 && !spared.killedByOOM)
        // --oom-kill-disable: the process waits under OOM, nobody is killed.
        let waiting = CgroupOOMReport(source: .v1OOMControl, contents: "oom_kill_disable 1\nunder_oom 1\noom_kill 0")
        #expect(!waiting.killedByOOM)
        // A kernel before 4.13 has no counter: nothing known, not a kill.
        let old = CgroupOOMReport(source: .v1OOMControl, contents: "oom_kill_disable 0\nunder_oom 0\n")
        #expect(old.oomKills == nil && !old.killedByOOM)
    }

    @Test func v2MemoryEventsCountsKillsNotOOMs() {
        let killed = CgroupOOMReport(
            source: .v2MemoryEvents,
            contents: "low 0\nhigh 0\nmax 41\noom 1\noom_kill 1\noom_group_kill 0\n")
        #expect(killed.oomKills == 1 && killed.killedByOOM)
        // The limit was hit (max, oom) but the OOM killer took nobody: the allocation failed instead.
        let hitOnly = CgroupOOMReport(
            source: .v2MemoryEvents, contents: "low 0\nhigh 0\nmax 7\noom 3\noom_kill 0\noom_group_kill 0")
        #expect(hitOnly.oomKills == 0 && !hitOnly.killedByOOM)
        // A similar key is not the counter.
        let group = CgroupOOMReport(source: .v2MemoryEvents, contents: "oom_group_kill 4\noom_kill 0")
        #expect(!group.killedByOOM)
        #expect(!CgroupOOMReport(source: .v2MemoryEvents, contents: "").killedByOOM)
        #expect(!CgroupOOMReport(source: .v2MemoryEvents, contents: "oom_kill x").killedByOOM)
    }

    @Test func managerReadsTheV2FileOfItsCgroupUntilItIsGone() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-oom-cgv2-")
        defer { FileIO.removeTree(root) }
        try FileIO.makeDirectories(root + "/skiff/c1", mode: 0o755)
        try FileIO.makeDirectories(root + "/skiff/c2", mode: 0o755)
        try FileIO.create(root + "/skiff/c1/memory.events", contents: Array("max 9\noom 1\noom_kill 1\n".utf8))
        try FileIO.create(root + "/skiff/c2/memory.events", contents: Array("max 0\noom 0\noom_kill 0\n".utf8))
        let c1 = try CgroupManager(layout: .v2(root: root), path: "/skiff/c1", fakeFilesystem: true)
        let c2 = try CgroupManager(layout: .v2(root: root), path: "/skiff/c2", fakeFilesystem: true)
        #expect(c1.oomReport() == CgroupOOMReport(source: .v2MemoryEvents, contents: "max 9\noom 1\noom_kill 1"))
        #expect(c1.oomReport()?.killedByOOM == true && c1.oomKills() == 1)
        #expect(c2.oomReport()?.killedByOOM == false, "each container's own counter")
        FileIO.removeTree(root + "/skiff/c1")
        #expect(c1.oomReport() == nil, "read before the cgroup is removed: nothing after")
    }

    @Test func managerReadsTheV1MemoryHierarchy() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-oom-cgv1-")
        defer { FileIO.removeTree(root) }
        try FileIO.makeDirectories(root + "/memory/skiff/c1", mode: 0o755)
        try FileIO.create(
            root + "/memory/skiff/c1/memory.oom_control",
            contents: Array("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n".utf8))
        let layout = CgroupLayout.hybrid(
            hierarchies: ["memory": root + "/memory", "pids": root + "/pids"], unified: root + "/unified")
        let cg = try CgroupManager(layout: layout, path: "/skiff/c1", fakeFilesystem: true)
        #expect(cg.oomReport()?.source == .v1OOMControl && cg.oomReport()?.oomKills == 3)
        let noMemory = try CgroupManager(
            layout: .v1(hierarchies: ["pids": root + "/pids"]), path: "/skiff/c1", fakeFilesystem: true)
        #expect(noMemory.oomReport() == nil, "no memory controller, no counter")
    }
}

/// What a detached container's monitor watches for OOM kills while the container runs (issue 14), and
/// how many `oom` events a run still owes (a fake cgroupfs tree: the v2 side; v1 is OOMKillTests).
@Suite("OOM watch (what the monitor watches, the oom events a run owes)")
struct OOMWatchPlanTests {
    @Test func v2WatchesMemoryEventsOfTheContainersCgroup() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-oom-watch-v2-")
        defer { FileIO.removeTree(root) }
        let cg = try CgroupManager(layout: .v2(root: root), path: "/skiff/c1", fakeFilesystem: true)
        let watch = try #require(OOMWatch(cgroup: cg))
        #expect(watch.mechanism == .v2MemoryEvents)
        #expect(watch.counterFile == root + "/skiff/c1/memory.events")
        #expect(watch.monitorArgument == "v2:" + root + "/skiff/c1/memory.events")
        // Under a --cgroup-parent, the same file of that cgroup.
        let nested = try CgroupManager(layout: .v2(root: root), path: "/custom/parent/c1", fakeFilesystem: true)
        #expect(OOMWatch(cgroup: nested)?.monitorArgument == "v2:" + root + "/custom/parent/c1/memory.events")
    }

    @Test func v1WatchesTheMemoryHierarchysOOMControl() throws {
        let layout = CgroupLayout.hybrid(
            hierarchies: ["memory": "/fake/memory", "pids": "/fake/pids"], unified: "/fake/unified")
        let cg = try CgroupManager(layout: layout, path: "/skiff/c1", fakeFilesystem: true)
        #expect(OOMWatch(cgroup: cg)?.monitorArgument == "v1:/fake/memory/skiff/c1/memory.oom_control")
        let noMemory = try CgroupManager(
            layout: .v1(hierarchies: ["pids": "/fake/pids"]), path: "/skiff/c1", fakeFilesystem: true)
        #expect(OOMWatch(cgroup: noMemory) == nil, "no memory controller, nothing to watch")
    }

    /// The counter as memory.events reads it while the container runs, against what the record says
    /// was reported: the live helper and the exit each record only the kills not recorded yet.
    @Test func aRunOwesAnEventForEachKillNotReported() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-oom-owed-v2-")
        defer { FileIO.removeTree(root) }
        try FileIO.makeDirectories(root + "/skiff/c1", mode: 0o755)
        let cg = try CgroupManager(layout: .v2(root: root), path: "/skiff/c1", fakeFilesystem: true)
        func counted(_ events: String) throws -> UInt64? {
            try FileIO.create(root + "/skiff/c1/memory.events", contents: Array(events.utf8))
            return cg.oomReport()?.oomKills
        }
        // The limit was hit, nobody killed: nothing owed.
        #expect(OOMWatch.unreported(counted: try counted("max 5\noom 1\noom_kill 0\n"), reported: nil) == 0)
        // A kill: one event; reported, then nothing more is owed for it (the exit adds no second).
        let one = try counted("max 9\noom 2\noom_kill 1\noom_group_kill 0\n")
        #expect(OOMWatch.unreported(counted: one, reported: nil) == 1)
        #expect(OOMWatch.unreported(counted: one, reported: 1) == 0)
        // Two more before the monitor looked again: two events.
        #expect(OOMWatch.unreported(counted: try counted("oom 4\noom_kill 3\n"), reported: 1) == 2)
        // The cgroup gone or no counter (v1 before 4.13): nothing known, nothing owed.
        FileIO.removeTree(root + "/skiff/c1")
        #expect(OOMWatch.unreported(counted: cg.oomReport()?.oomKills, reported: 1) == 0)
        #expect(OOMWatch.unreported(counted: nil, reported: nil) == 0)
    }
}
