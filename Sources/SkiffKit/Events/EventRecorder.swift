import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What the engine's actions call to record an event (`events.record(container: c, "start")`), with the
/// attributes Docker gives each type: a container's labels, image and name; an image's name; a
/// volume's driver; a network's name and type.
public struct EventRecorder: Sendable {
    /// The log appended to.
    public let log: EventLog

    /// A recorder into `log`.
    public init(log: EventLog) { self.log = log }

    /// An event of any type, now.
    public func record(_ type: String, _ action: String, id: String, _ attributes: [String: String]) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let nano = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        log.append(Event(type: type, action: action, actor: .init(id: id, attributes: attributes), timeNano: nano))
    }

    /// A container event: its labels, `image` and `name`, and `extra` (exitCode, signal…).
    public func record(container c: Container, _ action: String, _ extra: [String: String] = [:]) {
        record(container: ExecSubject(c), action, extra)
    }

    /// A container event from the part of the record an exec reads: the same attributes.
    package func record(container c: ExecSubject, _ action: String, _ extra: [String: String] = [:]) {
        var a = c.labels
        a["image"] = c.image
        a["name"] = c.name
        a.merge(extra) { $1 }
        record("container", action, id: c.id, a)
    }

    /// `die`: the exit code, and how long the run lasted in whole seconds (Docker's execDuration).
    /// First an `oom` event for each of the run's OOM kills not recorded while it ran (`ooms`).
    public func recordDie(_ c: Container, exitCode: Int32, finishedAt: String? = nil, ooms: UInt64 = 0) {
        for _ in 0..<ooms { record(container: c, "oom") }
        var extra = ["exitCode": "\(exitCode)"]
        if let start = c.startedAt.flatMap(Timestamp.parse) {
            let end = finishedAt.flatMap(Timestamp.parse) ?? Timestamp.nowSeconds()
            extra["execDuration"] = "\(Int(max(0, end - start)))"
        }
        record(container: c, "die", extra)
    }

    /// An image event: Docker's actor is the reference for pull/push/tag, the image ID otherwise; `name`
    /// is the reference (or the ID).
    public func record(image id: String, name: String, _ action: String) {
        record("image", action, id: id, ["name": name])
    }

    /// A pull or push of `ref`: Docker's actor is the reference, `name` its repository.
    public func record(reference ref: ImageReference, _ action: String) {
        record("image", action, id: ref.familiar, ["name": ref.familiarName])
    }

    /// An event of the image with ID `id` (the config digest), named by itself (untag, delete, load, save,
    /// import) or by the new name (tag).
    public func record(image id: Digest, name: String? = nil, _ action: String) {
        record(image: id.description, name: name ?? id.description, action)
    }

    /// A volume event (the local driver's).
    public func record(volume name: String, _ action: String, _ extra: [String: String] = [:]) {
        record("volume", action, id: name, ["driver": "local"].merging(extra) { $1 })
    }

    /// A network event (bridge networks'); `extra`: the container of a connect or disconnect.
    public func record(network id: String, name: String, _ action: String, _ extra: [String: String] = [:]) {
        record("network", action, id: id, ["name": name, "type": "bridge"].merging(extra) { $1 })
    }
}

extension Engine {
    /// This state root's event log.
    public var eventLog: EventLog { EventLog(directory: root + "/events") }
    /// Where the engine's actions record their events.
    public var events: EventRecorder { EventRecorder(log: eventLog) }
}
