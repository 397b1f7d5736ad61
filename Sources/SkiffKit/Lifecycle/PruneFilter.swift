import SkiffSystem

/// The `--filter` of Docker's prune commands: `until=TIME` (only what was created before it: RFC 3339,
/// Unix seconds, or a duration ago such as 24h), `label=KEY[=VALUE]` (only what has the label) and
/// `label!=KEY[=VALUE]` (only what lacks it). Every filter given must match. Volumes take no `until`,
/// as Docker refuses it there.
public struct PruneFilter: Sendable, Equatable {
    var until: [Double] = []
    var labels: [String] = []
    var withoutLabels: [String] = []

    /// No filter: everything prunable goes.
    public init() {}

    /// The `--filter` texts; `allowUntil` false (volume prune) refuses `until`.
    public init(parsing texts: [String], allowUntil: Bool = true, now: Double) throws(KitError) {
        for text in texts {
            if let value = Self.value(text, "label!=") {
                withoutLabels.append(value)
            } else if let value = Self.value(text, "label=") {
                labels.append(value)
            } else if allowUntil, let value = Self.value(text, "until=") {
                guard let t = LogOptions.parseTime(value, now: now) else {
                    throw .usage(
                        "--filter \(text): \(value) is not a time (e.g. 2024-01-02T15:04:05Z, 1700000000 or 24h)")
                }
                until.append(t)
            } else {
                let keys = allowUntil ? "until=, label= or label!=" : "label= or label!="
                throw .usage("--filter \(text): invalid filter (expected \(keys))")
            }
        }
    }

    /// No filter was given.
    public var isEmpty: Bool { until.isEmpty && labels.isEmpty && withoutLabels.isEmpty }

    /// Whether something created at `created` (RFC 3339; nil when unknown) with `labels` may be pruned.
    public func matches(created: String?, labels have: [String: String]) -> Bool {
        if !until.isEmpty {
            guard let text = created, let t = Timestamp.parse(text), until.allSatisfy({ t < $0 }) else { return false }
        }
        return labels.allSatisfy { LabelFilter.matches($0, in: have) }
            && !withoutLabels.contains { LabelFilter.matches($0, in: have) }
    }

    static func value(_ text: String, _ key: String) -> String? {
        text.hasPrefix(key) && text.count > key.count ? String(text.dropFirst(key.count)) : nil
    }
}
