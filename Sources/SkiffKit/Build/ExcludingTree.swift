#if canImport(Glibc)
import Glibc
#endif

/// `COPY --exclude=PATTERN` (and ADD's): a source tree with the paths below `base` that the patterns
/// match (relative to `base`, with .dockerignore's rules: `*.md` at the top, `**/*.md` anywhere)
/// hidden from the copy and from its cache key.
struct ExcludingTree: SourceTree {
    let tree: SourceTree
    let base: String
    let rules: IgnoreRules

    var label: String { tree.label }

    func excluded(_ path: String) -> Bool {
        guard path != base else { return false }
        let prefix = base.isEmpty ? "" : base + "/"
        guard path.hasPrefix(prefix) else { return false }
        return rules.excludes(String(path.dropFirst(prefix.count)))
    }

    func lstatInfo(_ path: String) -> stat? { excluded(path) ? nil : tree.lstatInfo(path) }
    func readLink(_ path: String) -> String? { excluded(path) ? nil : tree.readLink(path) }
    func openFile(_ path: String) -> Int32 {
        if excluded(path) { errno = ENOENT; return -1 }
        return tree.openFile(path)
    }
    func list(_ directory: String) -> [String] {
        tree.list(directory).filter { !excluded(directory.isEmpty ? $0 : directory + "/" + $0) }
    }
}
