import Foundation
import SkiffSystem

/// One event as Docker's API gives it (moby's events.Message) and as Skiff's event log stores it, one
/// JSON object a line: the legacy `status`/`id`/`from` for container and image events, then `Type`,
/// `Action`, `Actor`, `scope`, `time` (seconds) and `timeNano`.
public struct Event: Codable, Sendable, Equatable {
    /// What the event is about: its ID (a container's, an image's reference or ID, a volume's name, a
    /// network's ID) and Docker's attributes for it.
    public struct Actor: Codable, Sendable, Equatable {
        /// The actor's ID.
        public var id: String
        /// name, image, exitCode, signal, the container's labels…
        public var attributes: [String: String]
        /// An actor with its attributes.
        public init(id: String, attributes: [String: String]) {
            self.id = id
            self.attributes = attributes
        }
        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case attributes = "Attributes"
        }
    }

    /// The action again (legacy field, containers and images only).
    public var status: String?
    /// The actor's ID again (legacy field, containers and images only).
    public var id: String?
    /// The container's image (legacy field, containers only).
    public var from: String?
    /// container, image, volume or network.
    public var type: String
    /// Docker's action: create, start, die, health_status: healthy, exec_start: CMD, pull, tag…
    public var action: String
    /// What the event is about.
    public var actor: Actor
    /// Always "local" (there is no swarm).
    public var scope: String
    /// When, in whole seconds since the epoch.
    public var time: Int64
    /// When, in nanoseconds since the epoch.
    public var timeNano: Int64

    enum CodingKeys: String, CodingKey {
        case status, id, from, scope, time, timeNano
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
    }

    /// An event of `type` at `timeNano`, with Docker's legacy fields filled where Docker fills them.
    public init(type: String, action: String, actor: Actor, timeNano: Int64) {
        self.type = type
        self.action = action
        self.actor = actor
        self.scope = "local"
        self.timeNano = timeNano
        self.time = timeNano / 1_000_000_000
        // Docker fills the pre-1.22 fields for containers and images only.
        if type == "container" || type == "image" {
            status = action
            id = actor.id
            from = type == "container" ? actor.attributes["image"] : nil
        }
    }

    /// The time in seconds since the epoch (for --since/--until).
    public var seconds: Double { Double(timeNano) / 1e9 }

    /// Docker's default line (the CLI's prettyPrintEvent): RFC 3339 with nanoseconds, type, action, actor
    /// ID, then the attributes sorted by key: `2026-12-04T21:50:01.123456789Z container start 7a9… (image=busybox, name=web)`.
    public var line: String {
        var text =
            Timestamp.format(seconds: time_t(timeNano / 1_000_000_000), nanoseconds: Int(timeNano % 1_000_000_000))
            + " \(type) \(action) \(actor.id)"
        if !actor.attributes.isEmpty {
            text +=
                " (" + actor.attributes.keys.sorted().map { "\($0)=\(actor.attributes[$0]!)" }.joined(separator: ", ")
                + ")"
        }
        return text
    }

    /// The fields a --format template sees, by their Go names (events.Message): Status, ID, From, Type,
    /// Action, actor.id, actor.attributes, Scope, Time, TimeNano.
    public var templateFields: [String: Any] {
        [
            "Status": status ?? "", "ID": id ?? "", "From": from ?? "", "Type": type, "Action": action,
            "Actor": ["ID": actor.id, "Attributes": actor.attributes as [String: Any]] as [String: Any],
            "Scope": scope, "Time": time, "TimeNano": timeNano,
        ]
    }

    /// The stored line (Docker's JSON, its field order), without the newline. Written by hand: it is on
    /// the path of every lifecycle action.
    public var json: String {
        var s = "{"
        if let status { s += "\"status\":" + Self.quote(status) + "," }
        if let id { s += "\"id\":" + Self.quote(id) + "," }
        if let from { s += "\"from\":" + Self.quote(from) + "," }
        s += "\"Type\":" + Self.quote(type) + ",\"Action\":" + Self.quote(action)
        s += ",\"Actor\":{\"ID\":" + Self.quote(actor.id) + ",\"Attributes\":{"
        s += actor.attributes.keys.sorted().map { Self.quote($0) + ":" + Self.quote(actor.attributes[$0]!) }
            .concatenated(separator: ",")
        s += "}},\"scope\":" + Self.quote(scope) + ",\"time\":\(time),\"timeNano\":\(timeNano)}"
        return s
    }

    static func quote(_ text: String) -> String { JSONString.quote(text, escapeHTML: true) }

    /// A stored line back into an event; nil for a line that is not one.
    public static func parse<Bytes: Collection>(_ line: Bytes) -> Event? where Bytes.Element == UInt8 {
        try? JSONDecoder().decode(Event.self, from: Data(line))
    }
}
