import Foundation
import SkiffPresentation
import SkiffSystem
import Synchronization
import Testing

@testable import SkiffKit

/// The event log and what `events` makes of it, without root: Docker's line and JSON, the filters, the
/// time window, appends from many threads at once, rotation.
@Suite("Event log")
struct EventLogTests {
    static func container(
        _ action: String, id: String = "7a9f00", name: String = "web", image: String = "busybox:1.36",
        extra: [String: String] = [:], nano: Int64 = 1_796_000_000_000_000_042
    ) -> Event {
        Event(
            type: "container", action: action,
            actor: .init(id: id, attributes: ["name": name, "image": image].merging(extra) { $1 }), timeNano: nano)
    }

    @Test func dockerLineAndJSON() throws {
        let e = Self.container("die", extra: ["exitCode": "3", "com.example": "a\"b"])
        // Nanoseconds padded to nine digits, attributes sorted by key.
        #expect(
            e.line
                == "2026-11-30T00:53:20.000000042Z container die 7a9f00 (com.example=a\"b, exitCode=3, image=busybox:1.36, name=web)"
        )
        #expect(e.status == "die" && e.id == "7a9f00" && e.from == "busybox:1.36" && e.time == 1_796_000_000)
        #expect(
            e.json.hasPrefix(
                "{\"status\":\"die\",\"id\":\"7a9f00\",\"from\":\"busybox:1.36\",\"Type\":\"container\",\"Action\":\"die\","
            ))
        #expect(e.json.hasSuffix("\"scope\":\"local\",\"time\":1796000000,\"timeNano\":1796000000000000042}"))
        #expect(Event.parse(Array(e.json.utf8)) == e, "the stored line reads back")
        let odd = Self.container("rename", name: "line\nbreak\t<&>\u{1}")
        #expect(!odd.json.contains("\n"))
        #expect(Event.parse(Array(odd.json.utf8)) == odd)
        // A volume event has no legacy fields.
        let v = Event(type: "volume", action: "create", actor: .init(id: "v", attributes: [:]), timeNano: 1)
        #expect(
            v.status == nil && !v.json.contains("status") && v.line == "1970-01-01T00:00:00.000000001Z volume create v")
    }

    @Test func templateFieldsAreDockersGoNames() throws {
        let e = Self.container("die", extra: ["exitCode": "137"])
        let t = try FormatTemplate("{{.Status}} {{.Actor.Attributes.exitCode}} {{.Type}} {{.Scope}}").render(
            e.templateFields)
        #expect(t == "die 137 container local")
    }

    @Test func filters() throws {
        let web = Self.container("start")
        let db = Self.container("start", id: "bb01", name: "db", image: "postgres")
        func keeps(_ flags: [String], _ e: Event) throws -> Bool { try EventFilter(flags).includes(e) }
        #expect(try keeps([], web))
        #expect(try keeps(["container=web"], web) && !(try keeps(["container=web"], db)))
        #expect(try keeps(["container=7a9"], web), "an ID prefix")
        #expect(try keeps(["container=db", "container=web"], web), "values of one key: any")
        #expect(try keeps(["image=busybox"], web) && (try keeps(["image=busybox:1.36"], web)))
        #expect(!(try keeps(["image=busybox:latest"], web)))
        #expect(try keeps(["event=start", "type=container"], web) && !(try keeps(["event=die"], web)))
        #expect(try !keeps(["event=start", "type=image"], web), "keys: all")
        let health = Self.container("health_status: healthy")
        #expect(try keeps(["event=health_status"], health), "health_status matches its longer forms")
        #expect(try !keeps(["event=health"], health))
        let labelled = Self.container("start", extra: ["tier": "front"])
        #expect(try keeps(["label=tier"], labelled) && (try keeps(["label=tier=front"], labelled)))
        #expect(try !keeps(["label=tier=back"], labelled) && !(try keeps(["label=tier"], web)))
        let volume = Event(
            type: "volume", action: "create", actor: .init(id: "data", attributes: ["driver": "local"]), timeNano: 1)
        #expect(try keeps(["volume=data"], volume) && !(try keeps(["volume=data"], web)))
        #expect(try !keeps(["container=data"], volume), "a container filter keeps container events only")
        #expect(try keeps(["scope=local"], web) && !(try keeps(["scope=swarm"], web)))

        #expect(throws: KitError.self) { try EventFilter(["container"]) }
        do {
            _ = try EventFilter(["colour=red"])
            Issue.record("an unknown key is refused")
        } catch { #expect(error.description == "invalid filter 'colour'") }
        do {
            _ = try EventFilter(["event"])
            Issue.record("a filter without = is refused")
        } catch { #expect(error.description == "bad format of filter (expected name=value)") }
    }

    @Test func appendRotateAndWindow() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-eventlog-")
        defer { FileIO.removeTree(dir) }
        // The directory is made on the first append.
        let log = EventLog(directory: dir + "/events", maxSize: 4096)
        for i in 0..<200 { log.append(Self.container("start", name: "c\(i)", nano: Int64(i) * 1_000_000_000)) }
        let size = { (path: String) -> Int in
            var st = stat()
            return stat(path, &st) == 0 ? Int(st.st_size) : 0
        }
        let line = Self.container("start", name: "c100").json.utf8.count + 1
        #expect(size(log.path) < 4096 + line && size(log.previousPath) < 4096 + line, "rotation bounds each file")
        #expect(!FileIO.exists(log.path + ".2"))
        let kept = log.all()
        #expect(!kept.isEmpty && kept.last?.actor.attributes["name"] == "c199")
        #expect(kept.map(\.timeNano) == kept.map(\.timeNano).sorted(), "oldest first, across the two files")

        // A closed window: the events in it, then the follower returns (--until has passed).
        var seen: [String] = []
        EventFollower(log: log).run(since: 190, until: 195, now: 1000) { e in
            seen.append(e.actor.attributes["name"]!)
            return true
        }
        #expect(seen == ["c190", "c191", "c192", "c193", "c194", "c195"])
        var first: [String] = []
        EventFollower(log: log).run(since: 190, until: 1000, now: 1000) { e in
            first.append(e.actor.attributes["name"]!)
            return first.count < 2
        }
        #expect(first == ["c190", "c191"], "emit's false stops it")
    }

    /// A follower sees every event appended while it follows, in order, across many rotations.
    @Test func followAcrossRotations() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-eventlog-")
        defer { FileIO.removeTree(dir) }
        let log = EventLog(directory: dir, maxSize: 2048)
        log.append(Self.container("start", name: "before"))
        let seen = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let started = Timestamp.nowSeconds()
        Thread.detachNewThread {
            EventFollower(log: log).run(since: nil, until: started + 4) { e in
                seen.withLock { $0.append(e.actor.attributes["name"]!) }
                return e.actor.attributes["name"] != "c299"
            }
            done.signal()
        }
        usleep(300_000)
        // A rotation every 8 or so events; at most one between two of the follower's looks.
        for i in 0..<300 {
            log.append(Self.container("start", name: "c\(i)"))
            usleep(2000)
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        // With --until alone, the stored events come first (Docker's rule), then the new ones.
        #expect(seen.withLock { $0 } == ["before"] + (0..<300).map { "c\($0)" }, "every event once, in order")
    }

    @Test func concurrentAppendsStayWholeLines() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-eventlog-")
        defer { FileIO.removeTree(dir) }
        let log = EventLog(directory: dir, maxSize: 64 * 1024)
        // Long lines (near PIPE_BUF) make torn or interleaved writes likely if appends were not atomic.
        let filler = String(repeating: "x", count: 3000)
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            log.append(Self.container("start", name: "c\(i)", extra: ["pad": filler]))
        }
        var lines = 0
        for file in [log.previousPath, log.path] {
            let text = (try? FileIO.readString(file)) ?? ""
            #expect(text.isEmpty || text.hasSuffix("\n"))
            for l in text.split(separator: "\n") {
                lines += 1
                #expect(Event.parse(Array(l.utf8)) != nil, "a torn line: \(l.prefix(80))")
            }
        }
        #expect(lines > 0)
        for file in [log.previousPath, log.path] {
            var st = stat()
            // The line that crossed the limit, and one from each writer that had the file open when it
            // was renamed (concurrentPerform runs one per core).
            let writers = ProcessInfo.processInfo.activeProcessorCount
            #expect(stat(file, &st) != 0 || Int(st.st_size) <= 64 * 1024 + (writers + 1) * 4096, "\(file) bounded")
        }
    }

    /// Recording is on the path of every `run -d` (issue 15): an event costs microseconds, not milliseconds.
    @Test func recordingIsCheap() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-eventlog-")
        defer { FileIO.removeTree(dir) }
        let recorder = EventRecorder(log: EventLog(directory: dir))
        let c = Container(
            id: String(repeating: "a", count: 64), name: "web", image: "busybox", imageID: "sha256:x",
            manifestDigest: "sha256:y", layerChainIDs: [], command: ["sh"], created: "2026-01-01T00:00:00Z",
            status: .running, autoRemove: false,
            labels: ["com.docker.compose.project": "p", "com.docker.compose.service": "a", "tier": "front"])
        let count = 2000
        let start = Timestamp.nowSeconds()
        for _ in 0..<count { recorder.record(container: c, "start") }
        let each = (Timestamp.nowSeconds() - start) / Double(count)
        print("event record: \(Int(each * 1e6)) µs each")
        #expect(each < 0.0005, "\(each * 1e6) µs per event")
    }

    @Test func oversizedAttributesLoseTheirLabels() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-eventlog-")
        defer { FileIO.removeTree(dir) }
        let log = EventLog(directory: dir)
        log.append(Self.container("create", extra: ["big": String(repeating: "y", count: 5000), "exitCode": "0"]))
        let kept = log.all()
        #expect(kept.count == 1)
        #expect(kept.first?.actor.attributes == ["name": "web", "image": "busybox:1.36", "exitCode": "0"])
    }

    @Test func sinceAndUntilReadAsLogsReadsThem() {
        #expect(LogOptions.parseTime("10m", now: 1000) == 400)
        #expect(LogOptions.parseTime("1700000000.5") == 1_700_000_000.5)
        // Long enough to pass for a date's digits, but a Unix time with nanoseconds.
        #expect(LogOptions.parseTime("1796420993.123456789") == 1_796_420_993.123456789)
        #expect(LogOptions.parseTime("2026-12-04T21:50:01Z") == Timestamp.parse("2026-12-04T21:50:01Z"))
        #expect(LogOptions.parseTime("2026-12-04") == Timestamp.parse("2026-12-04T00:00:00Z"))
        #expect(LogOptions.parseTime("soon") == nil)
    }
}
