/// The value of a `label=` filter (ps, images, volume ls, network ls, the prunes): `KEY` matches what has
/// the label, `KEY=VALUE` what has it with that value.
package enum LabelFilter {
    /// Whether `labels` pass `wanted` (a non-empty filter value, as each command's parser requires).
    package static func matches(_ wanted: String, in labels: [String: String]) -> Bool {
        let kv = wanted.split(separator: "=", maxSplits: 1).map(String.init)
        guard let key = kv.first, let value = labels[key] else { return false }
        return kv.count == 1 || value == kv[1]
    }
}
