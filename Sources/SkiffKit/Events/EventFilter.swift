/// `events --filter`: Docker's keys (moby's daemon/events Filter). Values of one key are alternatives,
/// keys must all match; `container`, `volume` and `network` take a name or an ID prefix, `image` a
/// name with or without its tag or an ID, `label` a KEY or KEY=VALUE, `event` an action (health_status,
/// exec_create and exec_start also match their longer forms, "health_status: healthy").
public struct EventFilter: Sendable, Equatable {
    /// The values given for each key.
    public private(set) var values: [String: [String]] = [:]

    /// The keys Docker accepts (the swarm ones match nothing here: Skiff has no swarm).
    public static let keys: Set<String> = [
        "config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope",
        "secret", "service", "type", "volume",
    ]

    /// No filter: every event.
    public init() {}

    /// `--filter` values as given; Docker's errors for a value without `=` and an unknown key.
    public init(_ flags: [String]) throws(KitError) {
        for flag in flags {
            guard let eq = flag.firstIndex(of: "=") else {
                throw .usage("bad format of filter (expected name=value)")
            }
            let key = String(flag[..<eq]).trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(flag[flag.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            guard Self.keys.contains(key) else { throw .usage("invalid filter '\(key)'") }
            values[key, default: []].append(value)
        }
    }

    /// Whether `e` passes every key's filter.
    public func includes(_ e: Event) -> Bool {
        matchEvent(e) && exact("type", e.type) && exact("scope", e.scope)
            && fuzzyName("container", e, type: "container") && fuzzyName("volume", e, type: "volume")
            && fuzzyName("network", e, type: "network") && fuzzyName("plugin", e, type: "plugin")
            && fuzzyName("daemon", e, type: "daemon") && fuzzyName("node", e, type: "node")
            && fuzzyName("service", e, type: "service") && fuzzyName("secret", e, type: "secret")
            && fuzzyName("config", e, type: "config") && matchImage(e) && matchLabels(e.actor.attributes)
    }

    private func exact(_ key: String, _ value: String) -> Bool {
        guard let wanted = values[key] else { return true }
        return wanted.contains(value)
    }

    private func fuzzy(_ key: String, _ value: String) -> Bool {
        guard let wanted = values[key] else { return true }
        return wanted.contains { value == $0 || (!$0.isEmpty && value.hasPrefix($0)) }
    }

    /// moby's fuzzyMatchName: the actor's ID (or a prefix of it) or its `name` attribute; only events of
    /// `type` can match.
    private func fuzzyName(_ key: String, _ e: Event, type: String) -> Bool {
        guard values[key] != nil else { return true }
        guard e.type == type else { return false }
        return fuzzy(key, e.actor.id) || fuzzy(key, e.actor.attributes["name"] ?? "")
    }

    private func matchEvent(_ e: Event) -> Bool {
        guard let wanted = values["event"] else { return true }
        if wanted.contains(where: { ["health_status", "exec_create", "exec_start"].contains($0) }) {
            return fuzzy("event", e.action)
        }
        return wanted.contains(e.action)
    }

    private func matchImage(_ e: Event) -> Bool {
        guard let wanted = values["image"] else { return true }
        let name = e.actor.attributes[e.type == "image" ? "name" : "image"] ?? ""
        let id = e.id ?? e.actor.id
        return [id, name, Self.stripTag(id), Self.stripTag(name)].contains { !$0.isEmpty && wanted.contains($0) }
    }

    /// `busybox:1.36` → `busybox` (a registry's port is not a tag).
    static func stripTag(_ ref: String) -> String {
        guard let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/") else { return ref }
        if ref.hasPrefix("sha256:") { return ref }
        return String(ref[..<colon])
    }

    private func matchLabels(_ attributes: [String: String]) -> Bool {
        guard let wanted = values["label"] else { return true }
        return wanted.allSatisfy { label in
            if let eq = label.firstIndex(of: "=") {
                return attributes[String(label[..<eq])] == String(label[label.index(after: eq)...])
            }
            return attributes[label] != nil
        }
    }
}
