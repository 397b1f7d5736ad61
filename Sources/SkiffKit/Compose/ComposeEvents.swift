import Foundation
import SkiffSystem

/// What `compose events` prints: the state root's container events (see EventLog) of one project, as
/// Docker Compose shows them: one-off containers left out, the com.docker.compose.* labels dropped from
/// the attributes.
package struct ComposeEvent: Sendable, Equatable {
    package var timeNano: Int64
    /// Docker's action: create, start, die, kill, stop, destroy, pause, exec_create: …
    package var action: String
    package var container: String
    package var service: String
    package var attributes: [String: String]

    /// The event as a project's, or nil when it is not one of `project`'s container events (of `services`,
    /// all when empty).
    package init?(_ e: Event, project: String, services: [String] = []) {
        guard e.type == "container", e.actor.attributes[ComposeLabels.project] == project,
            e.actor.attributes[ComposeLabels.oneoff] != "True"
        else { return nil }
        service = e.actor.attributes[ComposeLabels.service] ?? ""
        guard services.isEmpty || services.contains(service) else { return nil }
        timeNano = e.timeNano
        action = e.action
        container = e.actor.id
        attributes = e.actor.attributes.filter { !$0.key.hasPrefix("com.docker.compose.") }
    }

    /// Docker Compose's line: `2024-05-01 10:00:00.000000 container start ID (image=…, name=…)`.
    package var line: String {
        let stamp = String(Self.rfc3339(timeNano).prefix(26)).replacingOccurrences(of: "T", with: " ")
        let attrs = attributes.keys.sorted().map { "\($0)=\(attributes[$0]!)" }.joined(separator: ", ")
        return "\(stamp) container \(action) \(container) (\(attrs))"
    }

    /// `--json`: Docker Compose's object (Go's map, keys sorted; the time as Go's RFC 3339 with
    /// nanoseconds, trailing zeros dropped).
    package var json: String {
        var time = Self.rfc3339(timeNano).dropLast()
        while time.last == "0" { time.removeLast() }
        if time.last == "." { time.removeLast() }
        let attrs = attributes.keys.sorted().map { Event.quote($0) + ":" + Event.quote(attributes[$0]!) }
        return "{\"action\":\(Event.quote(action)),\"attributes\":{\(attrs.joined(separator: ","))},"
            + "\"id\":\(Event.quote(container)),\"service\":\(Event.quote(service)),"
            + "\"time\":\(Event.quote(time + "Z")),\"type\":\"container\"}"
    }

    static func rfc3339(_ nano: Int64) -> String {
        Timestamp.format(seconds: time_t(nano / 1_000_000_000), nanoseconds: Int(nano % 1_000_000_000))
    }
}

extension ComposeRunner {
    /// The project's events (of `services`, all when empty) from the event log, as `events` reads it:
    /// new ones until `emit` returns false, or a time window's.
    package func watchEvents(
        services: [String], since: Double? = nil, until: Double? = nil, emit: (ComposeEvent) -> Bool
    ) {
        let name = project.name
        EventFollower(log: engine.eventLog).run(since: since, until: until) { e in
            guard let c = ComposeEvent(e, project: name, services: services) else { return true }
            return emit(c)
        }
    }
}
