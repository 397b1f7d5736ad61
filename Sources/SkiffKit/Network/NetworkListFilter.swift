/// `network ls --filter KEY=VALUE`, as Docker filters networks: `driver`, `id` (all or part of the ID),
/// `label` (`KEY` or `KEY=VALUE`), `name` (all or part of the name), `scope` (local), `type` (`custom`
/// or `builtin`) and `dangling` (`true`: no container uses it). Values of one key are alternatives;
/// different keys must all match.
public struct NetworkListFilter: Sendable, Equatable {
    /// One network as the filter sees it.
    public struct Row: Sendable {
        /// The whole ID (host and none: their names).
        public var id: String
        /// The network's name.
        public var name: String
        /// bridge, host or null.
        public var driver: String
        /// Its labels.
        public var labels: [String: String]
        /// bridge, host and none.
        public var builtin: Bool
        /// A container uses it.
        public var inUse: Bool

        /// A row of these facts.
        public init(
            id: String, name: String, driver: String, labels: [String: String], builtin: Bool, inUse: Bool
        ) {
            self.id = id
            self.name = name
            self.driver = driver
            self.labels = labels
            self.builtin = builtin
            self.inUse = inUse
        }
    }

    static let keys = ["dangling", "driver", "id", "label", "name", "scope", "type"]
    var values: [String: [String]] = [:]

    /// The `--filter` texts; a key Docker does not filter networks by, or a bad value, is refused.
    public init(parsing texts: [String]) throws(KitError) {
        for text in texts {
            let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, Self.keys.contains(kv[0]) else {
                throw .usage(
                    "--filter \(text): invalid filter (expected \(Self.keys.map { $0 + "=" }.joined(separator: ", ")))")
            }
            if kv[0] == "type", !["custom", "builtin"].contains(kv[1]) {
                throw .usage("--filter \(text): invalid filter: type must be custom or builtin")
            }
            if kv[0] == "dangling", !["true", "false", "1", "0"].contains(kv[1]) {
                throw .usage("--filter \(text): invalid filter 'dangling=\(kv[1])'")
            }
            values[kv[0], default: []].append(kv[1])
        }
    }

    /// Whether `row` passes every key given.
    public func matches(_ row: Row) -> Bool {
        values.allSatisfy { key, options in
            options.contains { value in
                switch key {
                case "driver": return row.driver == value
                case "id": return row.id.contains(value)
                case "name": return row.name.contains(value)
                case "scope": return value == "local"
                case "type": return (value == "builtin") == row.builtin
                case "dangling": return (value == "true" || value == "1") == (!row.inUse && !row.builtin)
                default: return LabelFilter.matches(value, in: row.labels)
                }
            }
        }
    }
}
