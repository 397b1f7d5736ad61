import Foundation

/// What `compose events` reports, found by comparing two looks at the project's containers (Skiff has
/// no daemon to publish events: each container's record is the truth, and its monitor updates it).
package struct ComposeEvent: Sendable, Equatable {
    /// create, start, die, pause, unpause, destroy (Docker's container actions).
    package var action: String
    package var container: Container
    package var time: Date

    /// Docker Compose's line: `2024-05-01 10:00:00.000000 container start ID (image=…, name=…)`.
    package var line: String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        return
            "\(f.string(from: time)) container \(action) \(container.id) (\(attributes.keys.sorted().map { "\($0)=\(attributes[$0]!)" }.joined(separator: ", ")))"
    }

    package var attributes: [String: String] {
        var a = ["image": container.image, "name": container.name]
        if action == "die" { a["exitCode"] = "\(container.exitCode ?? 0)" }
        return a
    }

    /// `--json`: Docker Compose's fields.
    package var json: [String: Any] {
        [
            "time": ISO8601DateFormatter().string(from: time), "type": "container", "action": action,
            "id": container.id, "service": container.composeService ?? "", "attributes": attributes,
        ]
    }

    /// The events between two looks (`before` nil: the first look, which reports nothing).
    package static func diff(
        before: [String: Snapshot], after: [String: Snapshot], containers: [String: Container], now: Date
    ) -> [ComposeEvent] {
        var out: [ComposeEvent] = []
        for (id, a) in after.sorted(by: { $0.key < $1.key }) {
            guard let c = containers[id] else { continue }
            guard let b = before[id] else {
                out.append(ComposeEvent(action: "create", container: c, time: now))
                if a.startedAt != nil { out.append(ComposeEvent(action: "start", container: c, time: now)) }
                if a.finishedAt != nil && !a.running {
                    out.append(ComposeEvent(action: "die", container: c, time: now))
                }
                continue
            }
            // A restart between two looks shows as a new finish and a new start.
            if a.finishedAt != b.finishedAt, a.finishedAt != nil {
                out.append(ComposeEvent(action: "die", container: c, time: now))
            }
            if a.startedAt != b.startedAt, a.startedAt != nil {
                out.append(ComposeEvent(action: "start", container: c, time: now))
            }
            if a.paused != b.paused {
                out.append(ComposeEvent(action: a.paused ? "pause" : "unpause", container: c, time: now))
            }
        }
        for (id, _) in before where after[id] == nil {
            if let c = containers[id] { out.append(ComposeEvent(action: "destroy", container: c, time: now)) }
        }
        return out
    }

    package struct Snapshot: Sendable, Equatable {
        package var startedAt: String?
        package var finishedAt: String?
        package var running: Bool
        package var paused: Bool
        package init(startedAt: String?, finishedAt: String?, running: Bool, paused: Bool) {
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.running = running
            self.paused = paused
        }
    }
}

extension ComposeRunner {
    /// Watch the project's containers (of `services`, all when empty) until `emit` returns false.
    package func watchEvents(services: [String], interval: useconds_t = 100_000, emit: (ComposeEvent) -> Bool) {
        var known: [String: Container] = [:]
        var before: [String: ComposeEvent.Snapshot]?
        while true {
            let list = projectContainers(includeOneOff: true).filter {
                services.isEmpty || services.contains($0.composeService ?? "")
            }
            var after: [String: ComposeEvent.Snapshot] = [:]
            for c in list {
                known[c.id] = c
                after[c.id] = .init(
                    startedAt: c.startedAt, finishedAt: c.finishedAt,
                    running: c.status == .running || c.status == .restarting,
                    paused: engine.isPaused(c))
            }
            if let before {
                for e in ComposeEvent.diff(before: before, after: after, containers: known, now: Date()) where !emit(e)
                { return }
            }
            before = after
            usleep(interval)
        }
    }
}
