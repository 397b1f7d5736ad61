import SkiffRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// runc's `events`: one JSON object a line, {"type":"stats","id":ID,"data":{...}} every interval and
/// {"type":"oom","id":ID} when the OOM killer acted, until the container stops; `--stats` prints the
/// counters once.
struct OCIEvents: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "events", "Print a container's resource usage and OOM events.",
        options: [
            .flag("stats", help: "Print the counters once and exit."),
            .value("interval", placeholder: "duration", help: "Time between two stats events (5s, 500ms, 1m)."),
        ],
        operands: [.containerID])
    let id: String
    let stats: Bool
    let interval: String

    init(_ a: RuntimeArguments) {
        id = a.operands[0]
        stats = a.flag("stats")
        interval = a.string("interval") ?? "5s"
    }

    struct Event<Data: Encodable>: Encodable {
        var type: String
        var id: String
        var data: Data?
    }

    func run() throws {
        let runtime = OCIContext.runtime()
        if stats {
            try emit(Event(type: "stats", id: id, data: try runtime.stats(id: id)))
            return
        }
        guard let period = Self.seconds(interval), period > 0 else {
            throw CommandLineError("--interval: expected a duration like 5s, 500ms or 1m, got \"\(interval)\"")
        }
        var ooms = runtime.oomKills(id: id) ?? 0
        while true {
            guard let now = runtime.oomKills(id: id), let counters = try? runtime.stats(id: id) else { return }
            if now > ooms { try emit(Event<CgroupStats>(type: "oom", id: id, data: nil)) }
            ooms = now
            try emit(Event(type: "stats", id: id, data: counters))
            usleep(useconds_t(period * 1_000_000))
        }
    }

    /// runc's field order, which callers match on as text: type, id, then data.
    func emit<T: Encodable>(_ event: Event<T>) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        func json<V: Encodable>(_ value: V) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var fields = ["\"type\":" + (try json(event.type)), "\"id\":" + (try json(event.id))]
        if let data = event.data { fields.append("\"data\":" + (try json(data))) }
        let line = "{" + fields.joined(separator: ",") + "}\n"
        var bytes = Array(line.utf8)
        if bytes.withUnsafeMutableBytes({ write(STDOUT_FILENO, $0.baseAddress, $0.count) }) != bytes.count {
            throw CommandExit(1)
        }
    }

    /// Go's durations as runc's flag takes them, for the common units.
    static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
}

struct OCIFeatures: RuntimeCommand {
    static let spec = RuntimeCommandSpec("features", "Print what this runtime implements (runtime-spec features.json).")

    init(_ a: RuntimeArguments) {}

    func run() throws {
        try OCIContext.printJSON(RuntimeFeatures.current(version: SkiffVersion.number))
    }
}
