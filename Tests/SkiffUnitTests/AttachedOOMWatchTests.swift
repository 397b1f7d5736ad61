import Foundation
import SkiffKit
import SkiffRuntime
import SkiffSystem
import SkiffTestSupport
import Testing

/// The attached run's OOM watch (issue 14) run for real on a fake cgroup v2 tree (this host's memory
/// controller is v1, which AttachedOOMEventTests drives with real kills): the thread reads the counter
/// the OOMWatch plan names when inotify says memory.events changed, reports each increase once, and
/// leaves nothing open once stopped. No root needed.
@Suite("Attached run: the v2 OOM watch")
struct AttachedOOMWatchTests {
    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [UInt64] = []
        func add(_ n: UInt64) { lock.withLock { seen.append(n) } }
        var all: [UInt64] { lock.withLock { seen } }
    }

    /// Rewritten in place (not replaced), as the kernel changes the file: the watch's descriptor sees it.
    static func write(_ path: String, kills: Int, max: Int) {
        let fd = open(path, O_WRONLY | O_TRUNC)
        let text = Array("low 0\nhigh 0\nmax \(max)\noom \(kills)\noom_kill \(kills)\noom_group_kill 0\n".utf8)
        _ = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// The descriptors of this process open on `path`.
    static func descriptors(on path: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path
        }
        .count
    }

    @Test func eachIncreaseOfMemoryEventsIsReportedOnceUntilStopped() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-attached-oom-")
        defer { FileIO.removeTree(root) }
        try FileIO.makeDirectories(root + "/skiff/c1", mode: 0o755)
        let events = root + "/skiff/c1/memory.events"
        try FileIO.create(events, contents: [])
        Self.write(events, kills: 2, max: 5)
        let cgroup = try CgroupManager(layout: .v2(root: root), path: "/skiff/c1", fakeFilesystem: true)
        let plan = try #require(OOMWatch(cgroup: cgroup))
        #expect(plan.mechanism == .v2MemoryEvents && plan.counterFile == events && plan.eventControlFile == nil)

        let counts = Counts()
        let watch = AttachedOOMWatch()
        #expect(watch.start(plan) { counts.add($0) })
        #expect(Self.descriptors(on: events) == 1)
        // Kills before the watch was armed: reported at once.
        #expect(Poll.until(5) { counts.all == [2] }, "\(counts.all)")
        // The file changes without a kill (memory.max reached): nothing.
        Self.write(events, kills: 2, max: 9)
        usleep(200_000)
        #expect(counts.all == [2])
        Self.write(events, kills: 3, max: 12)
        #expect(Poll.until(5) { counts.all == [2, 3] }, "\(counts.all)")
        Self.write(events, kills: 5, max: 14)
        #expect(Poll.until(5) { counts.all == [2, 3, 5] }, "\(counts.all)")

        watch.stop()
        #expect(Self.descriptors(on: events) == 0, "the counter's descriptor is closed")
        Self.write(events, kills: 6, max: 15)
        usleep(200_000)
        #expect(counts.all == [2, 3, 5], "stopped: no report")
        watch.stop()  // again: nothing
    }

    @Test func v1RegistersAnEventfdBesideMemoryOOMControl() throws {
        let layout = CgroupLayout.hybrid(hierarchies: ["memory": "/cg/memory"], unified: "/cg/unified")
        let plan = try #require(
            OOMWatch(cgroup: try CgroupManager(layout: layout, path: "/skiff/c1", fakeFilesystem: true)))
        #expect(plan.counterFile == "/cg/memory/skiff/c1/memory.oom_control")
        #expect(plan.eventControlFile == "/cg/memory/skiff/c1/cgroup.event_control")
    }

    @Test func aCgroupWithoutItsFileIsNoWatch() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-attached-oom-")
        defer { FileIO.removeTree(root) }
        let cgroup = try CgroupManager(layout: .v2(root: root), path: "/skiff/gone", fakeFilesystem: true)
        let plan = try #require(OOMWatch(cgroup: cgroup))
        let watch = AttachedOOMWatch()
        #expect(!watch.start(plan) { _ in Issue.record("no report without a counter") })
        watch.stop()
    }
}
