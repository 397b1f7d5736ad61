import SkiffExplain
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--explain` across the monitor: a detached start runs in `skiff container-internal start`, another
/// process. The starting command leaves a request in the container's directory; the internal start
/// records its events into a file there, which the starting command reads back into its own narration.
extension Engine {
    func explainRequestPath(_ id: String) -> String { containers.directory(of: id) + "/explain.request" }
    func explainEventsPath(_ id: String) -> String { containers.directory(of: id) + "/explain.events.json" }

    /// Before the monitor starts `id`: ask it to record (when this command explains).
    func requestExplanation(id: String) {
        guard logger.isExplaining else { return }
        unlink(explainEventsPath(id))
        try? FileIO.create(explainRequestPath(id), contents: [])
    }

    /// After the monitor answered: the events the internal start recorded join this command's.
    func collectExplanation(id: String) {
        defer { unlink(explainRequestPath(id)); unlink(explainEventsPath(id)) }
        guard logger.isExplaining, let bytes = try? FileIO.read(explainEventsPath(id)),
            let events = try? KitJSON.decode([ExplainEvent].self, from: bytes)
        else { return }
        for e in events { logger.explain(e) }
    }

    /// In the internal start: whether the starting command asked for the events (taking the request).
    package func takeExplanationRequest(id: String) -> Bool {
        unlink(explainRequestPath(id)) == 0
    }

    /// In the internal start: hand the recorded events to the starting command.
    package func saveExplanation(id: String, _ events: [ExplainEvent]) {
        guard let bytes = try? KitJSON.encode(events) else { return }
        try? FileIO.writeAtomically(explainEventsPath(id), contents: bytes, mode: 0o600)
    }
}
