import Yams

/// A compose file as a plain, ordered YAML tree: what is interpolated and merged before it becomes the
/// typed model. Scalars keep whether they were quoted, so `"true"` stays a string where a bool is asked.
/// Anchors and aliases are resolved by the YAML parser; `<<` merge keys are applied here.
package indirect enum ComposeTree: Sendable, Hashable {
    case scalar(String, quoted: Bool)
    case null
    case mapping([Entry])
    case sequence([ComposeTree])

    package struct Entry: Sendable, Hashable {
        package var key: String
        package var value: ComposeTree
        package init(_ key: String, _ value: ComposeTree) {
            self.key = key
            self.value = value
        }
    }

    package static func string(_ s: String) -> ComposeTree { .scalar(s, quoted: false) }

    package var entries: [Entry]? {
        if case .mapping(let e) = self { return e }
        return nil
    }

    package var items: [ComposeTree]? {
        if case .sequence(let s) = self { return s }
        return nil
    }

    package var scalarText: String? {
        if case .scalar(let s, _) = self { return s }
        return nil
    }

    package subscript(key: String) -> ComposeTree? {
        entries?.first { $0.key == key }?.value
    }

    /// Set (or append) a key of a mapping.
    package mutating func set(_ key: String, _ value: ComposeTree) {
        guard case .mapping(var e) = self else { return }
        if let i = e.firstIndex(where: { $0.key == key }) { e[i].value = value } else { e.append(Entry(key, value)) }
        self = .mapping(e)
    }

    package mutating func remove(_ key: String) {
        guard case .mapping(var e) = self else { return }
        e.removeAll { $0.key == key }
        self = .mapping(e)
    }

    /// Parse YAML text (one document). An empty document is an empty mapping. `limits` are checked
    /// first, on libyaml's events, so an alias bomb or a deep nest is refused before Yams builds anything.
    package static func parse(yaml text: String, file: String, limits: YAMLLimits = .standard) throws(ComposeError)
        -> ComposeTree
    {
        do { try limits.check(text) } catch {
            throw .invalid(file: file, path: error.line.map { "line \($0)" } ?? "(file)", reason: error.reason)
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            // Yams quotes the offending line, which may be megabytes long.
            let lines = "\(error)".split(separator: "\n", omittingEmptySubsequences: false).prefix(20)
            throw .syntax(
                file: file, reason: lines.map { $0.count > 200 ? $0.prefix(200) + "…" : $0 }.joined(separator: "\n"))
        }
        guard let node else { return .mapping([]) }
        return try from(node, file: file, path: "")
    }

    static func from(_ node: Node, file: String, path: String) throws(ComposeError) -> ComposeTree {
        switch node {
        case .scalar(let s):
            let quoted =
                s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
            if !quoted && s.tag.description == "tag:yaml.org,2002:null" { return .null }
            if !quoted && ["", "~", "null", "Null", "NULL"].contains(s.string) { return .null }
            return .scalar(s.string, quoted: quoted)
        case .sequence(let seq):
            var items: [ComposeTree] = []
            for (i, n) in seq.enumerated() { items.append(try from(n, file: file, path: "\(path)[\(i)]")) }
            return .sequence(items)
        case .mapping(let map):
            var out: [Entry] = []
            var merged: [Entry] = []
            // Sets, not searches of `out`: a mapping of many keys must not cost their square.
            var keys: Set<String> = []
            var mergedKeys: Set<String> = []
            for (k, v) in map {
                guard case .scalar(let ks) = k else {
                    throw .invalid(
                        file: file, path: path.isEmpty ? "(top level)" : path, reason: "mapping keys must be strings")
                }
                let childPath = path.isEmpty ? ks.string : path + "." + ks.string
                if ks.string == "<<" && ks.style == .plain {
                    // YAML merge key: one mapping or a list of them; earlier ones win, explicit keys win.
                    let sources: [Node]
                    if case .sequence(let s) = v { sources = Array(s) } else { sources = [v] }
                    for src in sources {
                        guard case .mapping(let e) = try from(src, file: file, path: childPath) else {
                            throw .invalid(
                                file: file, path: childPath,
                                reason: "a merge key (<<) takes a mapping or a list of mappings")
                        }
                        for entry in e where mergedKeys.insert(entry.key).inserted { merged.append(entry) }
                    }
                    continue
                }
                guard keys.insert(ks.string).inserted else {
                    throw .invalid(file: file, path: childPath, reason: "duplicate key")
                }
                out.append(Entry(ks.string, try from(v, file: file, path: childPath)))
            }
            for entry in merged where !keys.contains(entry.key) { out.append(entry) }
            return .mapping(out)
        case .alias:
            throw .invalid(file: file, path: path, reason: "unresolved YAML alias")
        }
    }

    /// Back to a Yams node (for printing). Plain scalars that would read as another type are quoted.
    package var node: Node {
        switch self {
        case .null: return Node("null", Tag(.null), .plain)
        case .scalar(let s, let quoted):
            // An empty string is written "" (plain, it would read back as null).
            if quoted { return Node(s, Tag(.str), s.isEmpty ? .doubleQuoted : .any) }
            return Node(s, Tag(.implicit), .plain)
        case .sequence(let items): return Node(items.map(\.node))
        case .mapping(let entries): return Node(entries.map { (Node($0.key), $0.value.node) })
        }
    }

    /// YAML text, keys in the tree's order.
    package func yaml() -> String {
        (try? Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true)) ?? ""
    }
}
