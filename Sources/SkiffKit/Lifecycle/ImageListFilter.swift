import Glibc

/// `images --filter KEY=VALUE`, as Docker filters images: `dangling` (`true`: no name), `label` (`KEY` or
/// `KEY=VALUE`), `before` and `since` (created before or after another image: the caller resolves it
/// to its creation time), `until` (created before a time: RFC 3339, Unix seconds or a duration ago), and
/// `reference` (a shell pattern where `*` stops at `/`, as Docker's `path.Match`, matched against
/// `name:tag`, else the name alone). Values of one key are alternatives; different keys must all match.
public struct ImageListFilter: Sendable, Equatable {
    /// One image as the filter sees it.
    public struct Row: Sendable {
        /// Its names as `images` shows them, "busybox:latest"; empty when dangling.
        public var references: [(name: String, tag: String?)]
        /// Its config's labels.
        public var labels: [String: String]
        /// Its creation time (seconds since the epoch), if its config says.
        public var created: Double?

        /// A row of these facts.
        public init(references: [(name: String, tag: String?)], labels: [String: String], created: Double?) {
            self.references = references
            self.labels = labels
            self.created = created
        }
    }

    static let keys = ["before", "dangling", "label", "reference", "since", "until"]
    private(set) var values: [String: [String]] = [:]
    /// `before=` and `since=` as creation times, `until=` as a time.
    private var times: [String: [Double]] = [:]

    /// The `--filter` texts; `creation` gives the creation time of the image a `before`/`since` value
    /// names (it throws when there is none, as Docker refuses an unknown image).
    public init(parsing texts: [String], now: Double, creation: (String) throws(KitError) -> Double?) throws(KitError) {
        for text in texts {
            let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, Self.keys.contains(kv[0]) else {
                throw .usage(
                    "--filter \(text): invalid filter (expected \(Self.keys.map { $0 + "=" }.joined(separator: ", ")))")
            }
            switch kv[0] {
            case "dangling":
                guard ["true", "false", "1", "0"].contains(kv[1]) else {
                    throw .usage("--filter \(text): invalid filter 'dangling=\(kv[1])'")
                }
            case "before", "since":
                guard let t = try creation(kv[1]) else {
                    throw .usage("--filter \(text): the image \(kv[1]) has no creation time")
                }
                times[kv[0], default: []].append(t)
            case "until":
                guard let t = LogOptions.parseTime(kv[1], now: now) else {
                    throw .usage(
                        "--filter \(text): \(kv[1]) is not a time (e.g. 2024-01-02T15:04:05Z, 1700000000 or 10m)")
                }
                times["until", default: []].append(t)
            default: break
            }
            values[kv[0], default: []].append(kv[1])
        }
    }

    /// Whether the image passes every key but `reference`.
    public func matchesImage(_ row: Row) -> Bool {
        values.allSatisfy { key, options in
            switch key {
            case "reference": return true
            case "dangling":
                return options.contains { ($0 == "true" || $0 == "1") == row.references.isEmpty }
            case "before": return times[key, default: []].contains { t in row.created.map { $0 < t } ?? false }
            case "since": return times[key, default: []].contains { t in row.created.map { $0 > t } ?? false }
            case "until": return times[key, default: []].contains { t in row.created.map { $0 < t } ?? false }
            default:
                return options.contains { LabelFilter.matches($0, in: row.labels) }
            }
        }
    }

    /// Whether one of the image's names passes `reference` (every name does when it is not given; a
    /// dangling image never does).
    public func matchesReference(name: String, tag: String?) -> Bool {
        guard let patterns = values["reference"] else { return true }
        let full = tag.map { name + ":" + $0 } ?? name
        // Docker's FamiliarMatch: the whole familiar reference, else the name alone.
        return patterns.contains { Self.pathMatch($0, full) || Self.pathMatch($0, name) }
    }

    /// Go's path.Match: `*` and `?` do not match `/`.
    static func pathMatch(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, FNM_PATHNAME) == 0
    }

    /// The same keys and values.
    public static func == (a: ImageListFilter, b: ImageListFilter) -> Bool {
        a.values == b.values && a.times == b.times
    }
}
