import Foundation
import SkiffSystem

/// One line of a container's log (`log.jsonl`, Docker's json-file format), written by the monitor or
/// by an attached run (both with CJSONLog).
public struct LogEntry: Codable, Sendable, Equatable {
    /// The text, with its newline.
    public var log: String
    /// `stdout` or `stderr`.
    public var stream: String
    /// When the monitor read it (RFC 3339 with nanoseconds).
    public var time: String
    /// `--log-opt labels/env/tag`'s attributes; nil without them.
    public var attrs: [String: String]?

    /// What `logs --details` puts before the text: Docker's `k=v,k2=v2` (keys sorted, both
    /// query-escaped), empty without attributes.
    public var details: String {
        (attrs ?? [:]).sorted { $0.key < $1.key }.map { Self.queryEscape($0.key) + "=" + Self.queryEscape($0.value) }
            .joined(separator: ",")
    }

    /// Go's url.QueryEscape: unreserved bytes kept, a space as "+", the rest %XX.
    static func queryEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default: out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// `logs`' flags: follow, the last N entries, a time window.
public struct LogOptions: Sendable {
    /// -f: keep printing new entries until the container stops.
    public var follow = false
    /// The last N entries only.
    public var tail: Int?
    /// Entries at or after this time (seconds since the epoch).
    public var since: Double?
    /// Entries before this time (seconds since the epoch).
    public var until: Double?
    /// The whole log, once.
    public init() {}

    /// Docker's --since/--until: an RFC 3339 time, a Unix time ("1700000000.5"), or a duration before
    /// now ("10s", "5m", "1h30m").
    public static func parseTime(_ text: String, now: Double = Timestamp.nowSeconds()) -> Double? {
        // Unix time first: "1796420993.123456789" is long enough to pass for a date's digits.
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let n = Double(text) { return n }
        if let t = Timestamp.parse(text) { return t }
        // A date alone (Docker's "2006-01-02"): its midnight, UTC.
        if text.count == 10, let t = Timestamp.parse(text + "T00:00:00Z") { return t }
        var total = 0.0
        var number = ""
        var sawUnit = false
        for ch in text {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let v = Double(number) else { return nil }
            switch ch {
            case "h": total += v * 3600
            case "m": total += v * 60
            case "s": total += v
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty else { return nil }
        return now - total
    }
}

extension Engine {
    /// The container's log files, oldest first (rotated ones, plain or gzipped by compress=true, then
    /// log.jsonl); `maxFiles` is its max-file (or more).
    func logFiles(_ id: String, maxFiles: Int) -> [String] {
        let dir = containers.directory(of: id)
        var files: [String] = []
        for i in stride(from: max(maxFiles - 1, 9), through: 1, by: -1) {
            let name = dir + "/log.jsonl.\(i)"
            if FileIO.exists(name) {
                files.append(name)
            } else if FileIO.exists(name + ".gz") {
                files.append(name + ".gz")
            }
        }
        return files + [dir + "/log.jsonl"]
    }

    /// A rotated file's lines (gunzipped for a .gz); empty if it is gone.
    static func rotatedLines(_ path: String) -> [UInt8] {
        guard path.hasSuffix(".gz") else { return (try? FileIO.read(path)) ?? [] }
        return GzipFile.read(path) ?? []
    }

    /// Emit the container's log entries; with `follow`, keep emitting as the monitor writes until the
    /// container has stopped (or `emit` returns false).
    public func readLogs(_ nameOrID: String, options: LogOptions, emit: (LogEntry) -> Bool) throws(KitError) {
        let c = try container(nameOrID)
        if c.logDriver == LogDriver.none {
            throw .usage(
                "configured logging driver does not support reading (container \(c.name) has --log-driver none)")
        }
        if !Self.keepsLocalLog(c) {
            throw .usage(
                "configured logging driver does not support reading (container \(c.name) sends its lines to \(c.logDriver?.rawValue ?? "") with cache-disabled=true)"
            )
        }
        let files = logFiles(c.id, maxFiles: Self.logRotation(c).maxFiles)
        let current = files.last!
        // Open the live file first, so nothing written while the old ones are read is lost.
        var fd = open(current, O_RDONLY | O_CLOEXEC)
        var entries: [LogEntry] = []
        for f in files.dropLast() { entries += Self.parse(lines: Self.rotatedLines(f)).entries }
        var pending: [UInt8] = []
        if fd >= 0 {
            pending = Self.readAll(fd)
            let parsed = Self.parse(lines: pending)
            entries += parsed.entries
            pending = parsed.rest
        }
        func keep(_ e: LogEntry) -> Bool {
            guard options.since != nil || options.until != nil, let t = Timestamp.parse(e.time) else { return true }
            if let s = options.since, t < s { return false }
            if let u = options.until, t > u { return false }
            return true
        }
        entries = entries.filter(keep)
        if let n = options.tail { entries = Array(entries.suffix(max(0, n))) }
        for e in entries where !emit(e) { if fd >= 0 { close(fd) }; return }
        guard options.follow else { if fd >= 0 { close(fd) }; return }
        defer { if fd >= 0 { close(fd) } }
        // Woken by inotify when the monitor writes or rotates (the directory's events cover both); the
        // 200 ms timeout is only for noticing that the container stopped.
        let watch = LogWatch(directory: containers.directory(of: c.id))
        var idleRounds = 0
        while true {
            var progressed = false
            if fd >= 0 {
                let more = Self.readAll(fd)
                if !more.isEmpty {
                    progressed = true
                    pending += more
                    let parsed = Self.parse(lines: pending)
                    pending = parsed.rest
                    for e in parsed.entries where keep(e) { if !emit(e) { return } }
                }
            }
            // Rotated: the name now points at a new file; finish the old one (done above), then switch.
            var st = stat()
            var fst = stat()
            if stat(current, &st) == 0 && (fd < 0 || (fstat(fd, &fst) == 0 && fst.st_ino != st.st_ino)) {
                if fd >= 0 { close(fd) }
                fd = open(current, O_RDONLY | O_CLOEXEC)
                pending = []
                continue
            }
            if !progressed {
                idleRounds += 1
                if watch == nil || idleRounds % 4 == 0 {
                    guard let now = try? containers.load(id: c.id), let live = try? reconcile(now) else { return }
                    let running = live.status == .running || live.status == .restarting
                    if !running && !monitorAlive(live) {
                        // One last read: the monitor flushes before it records the exit.
                        if fd >= 0 {
                            pending += Self.readAll(fd)
                            for e in Self.parse(lines: pending + [10]).entries where keep(e) { _ = emit(e) }
                        }
                        return
                    }
                }
                if let watch {
                    if watch.wait(milliseconds: 200) { idleRounds = 0 } else { idleRounds = 3 }
                } else {
                    usleep(50_000)
                }
            } else {
                idleRounds = 0
            }
        }
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// Complete JSON lines into entries; an unfinished last line is returned as `rest`.
    static func parse(lines bytes: [UInt8]) -> (entries: [LogEntry], rest: [UInt8]) {
        var entries: [LogEntry] = []
        let decoder = JSONDecoder()
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 10 {
            if i > start, let e = try? decoder.decode(LogEntry.self, from: Data(bytes[start..<i])) { entries.append(e) }
            start = i + 1
        }
        return (entries, Array(bytes[start...]))
    }
}

/// inotify on a container's directory: the log file written, created (rotation) or moved.
/// nil where inotify is unavailable; the follower then polls.
final class LogWatch {
    private let fd: Int32

    init?(directory: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// Wait for an event (true) or the timeout (false); pending events are consumed.
    func wait(milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, milliseconds) > 0 else { return false }
        var buf = [UInt8](repeating: 0, count: 4096)
        while read(fd, &buf, buf.count) > 0 {}
        return true
    }
}
