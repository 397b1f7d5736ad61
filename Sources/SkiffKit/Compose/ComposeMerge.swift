/// Merging compose files in `-f` order, by the Compose Spec's merge rules: mappings merge key by key;
/// scalars are replaced; `command`, `entrypoint` and `healthcheck.test` are replaced whole;
/// `environment`, `labels`, `build.args`, `depends_on` and `networks` merge as mappings whatever syntax
/// each file uses; `volumes` merge by target path; other lists append what is not there yet.
package enum ComposeMerge {
    package static func merge(_ base: ComposeTree, _ override: ComposeTree) -> ComposeTree {
        guard case .mapping(var out) = base, case .mapping(let over) = override else { return override }
        var index = positions(out)
        for e in over {
            guard let i = index[e.key] else { index[e.key] = out.count; out.append(e); continue }
            switch e.key {
            case "services":
                out[i].value = mergeMapping(out[i].value, e.value) { _, a, b in mergeService(a, b) }
            default:
                out[i].value = mergeGeneric(out[i].value, e.value)
            }
        }
        return .mapping(out)
    }

    static func mergeMapping(
        _ a: ComposeTree, _ b: ComposeTree,
        _ child: (String, ComposeTree, ComposeTree) -> ComposeTree
    ) -> ComposeTree {
        guard case .mapping(var out) = a, case .mapping(let over) = b else { return b }
        var index = positions(out)
        for e in over {
            if let i = index[e.key] {
                out[i].value = child(e.key, out[i].value, e.value)
            } else {
                index[e.key] = out.count
                out.append(e)
            }
        }
        return .mapping(out)
    }

    /// Key → index, so merging big mappings costs their size, not its square.
    static func positions(_ entries: [ComposeTree.Entry]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() where index[e.key] == nil { index[e.key] = i }
        return index
    }

    static func mergeGeneric(_ a: ComposeTree, _ b: ComposeTree) -> ComposeTree {
        switch (a, b) {
        case (.mapping, .mapping): return mergeMapping(a, b) { _, x, y in mergeGeneric(x, y) }
        case (.sequence(let x), .sequence(let y)):
            let present = Set(x)
            return .sequence(x + y.filter { !present.contains($0) })
        default: return b
        }
    }

    static func mergeService(_ a: ComposeTree, _ b: ComposeTree) -> ComposeTree {
        mergeMapping(a, b) { key, x, y in
            switch key {
            case "command", "entrypoint": return y
            case "environment", "labels", "extra_hosts", "sysctls", "depends_on", "networks":
                return mergeMapping(asMapping(x, key), asMapping(y, key)) { _, p, q in
                    if case .mapping = p, case .mapping = q { return mergeGeneric(p, q) }
                    return q
                }
            case "build":
                let bx = x.scalarText.map { ComposeTree.mapping([.init("context", .string($0))]) } ?? x
                let by = y.scalarText.map { ComposeTree.mapping([.init("context", .string($0))]) } ?? y
                return mergeMapping(bx, by) { k, p, q in
                    k == "args" || k == "labels"
                        ? mergeMapping(asMapping(p, k), asMapping(q, k)) { _, _, v in v } : mergeGeneric(p, q)
                }
            case "healthcheck":
                return mergeMapping(x, y) { _, _, v in v }
            case "volumes":
                guard case .sequence(var items) = x, case .sequence(let more) = y else { return y }
                var byTarget: [String: Int] = [:]
                for (i, m) in items.enumerated() { if let t = mountTarget(m), byTarget[t] == nil { byTarget[t] = i } }
                for m in more {
                    if let t = mountTarget(m), let i = byTarget[t] {
                        items[i] = m
                    } else {
                        if let t = mountTarget(m) { byTarget[t] = items.count }
                        items.append(m)
                    }
                }
                return .sequence(items)
            default:
                return mergeGeneric(x, y)
            }
        }
    }

    /// `[A=1, B]` → `{A: "1", B: null}`; `[db, cache]` (depends_on, networks) → `{db: null, …}`; a mapping stays.
    static func asMapping(_ t: ComposeTree, _ key: String) -> ComposeTree {
        guard case .sequence(let items) = t else { return t }
        var out: [ComposeTree.Entry] = []
        for item in items {
            guard let s = item.scalarText else { continue }
            if key == "depends_on" {
                out.append(.init(s, .mapping([.init("condition", .string("service_started"))])))
            } else if key == "networks" {
                out.append(.init(s, .null))
            } else if let eq = s.firstIndex(of: key == "extra_hosts" ? ":" : "=") {
                out.append(.init(String(s[..<eq]), .scalar(String(s[s.index(after: eq)...]), quoted: true)))
            } else {
                out.append(.init(s, .null))
            }
        }
        return .mapping(out)
    }

    static func mountTarget(_ t: ComposeTree) -> String? {
        if let s = t.scalarText {
            let parts = s.split(separator: ":").map(String.init)
            return parts.count == 1 ? parts[0] : parts[1]
        }
        return t["target"]?.scalarText
    }
}
