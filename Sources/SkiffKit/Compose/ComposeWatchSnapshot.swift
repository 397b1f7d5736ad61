import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a `develop.watch` rule's path holds at one moment (relative path → kind, size, mtime), read with
/// lstat(2) (links are entries, never followed), without what its `ignore` patterns leave out (and
/// editors' swap and backup files, as Docker Compose leaves them out).
package struct WatchSnapshot: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package var isDirectory: Bool
        package var size: Int64
        package var modified: Int64
        package var mode: UInt32
        package init(isDirectory: Bool, size: Int64 = 0, modified: Int64 = 0, mode: UInt32 = 0) {
            self.isDirectory = isDirectory
            self.size = size
            self.modified = modified
            self.mode = mode
        }
    }

    /// By path relative to the rule's path ("" is the path itself when it is a file).
    package var entries: [String: Entry] = [:]

    package init(entries: [String: Entry] = [:]) { self.entries = entries }

    /// Editors' temporary files, which Docker Compose's watch never acts on.
    static let ephemeral = [
        "**/*.swp", "**/*.swx", "**/*~", "**/.#*", "**/4913", "**/*___jb_tmp___", "**/*___jb_old___",
    ]

    /// The rule's ignore patterns (.dockerignore syntax, relative to its path) plus the ephemeral files.
    package static func ignoreRules(_ rule: ComposeWatchRule) throws(ComposeError) -> IgnoreRules {
        do { return try IgnoreRules(parsing: (ephemeral + rule.ignore).joined(separator: "\n")) } catch {
            throw .usage("develop.watch \(rule.path): ignore: \(error)")
        }
    }

    /// The rule's include patterns (empty: every file).
    package static func includeRules(_ rule: ComposeWatchRule) throws(ComposeError) -> IgnoreRules {
        do { return try IgnoreRules(parsing: rule.include.joined(separator: "\n")) } catch {
            throw .usage("develop.watch \(rule.path): include: \(error)")
        }
    }

    /// The path's tree now (empty when it does not exist).
    package static func take(_ path: String, ignore: IgnoreRules, include: IgnoreRules) -> WatchSnapshot {
        var snap = WatchSnapshot()
        var st = stat()
        guard lstat(path, &st) == 0 else { return snap }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            snap.entries[""] = entry(st)
            return snap
        }
        var pending: [String] = [""]
        while let rel = pending.popLast() {
            guard let dir = opendir(rel.isEmpty ? path : path + "/" + rel) else { continue }
            defer { closedir(dir) }
            while let e = readdir(dir) {
                let name = withUnsafeBytes(of: e.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = rel.isEmpty ? name : rel + "/" + name
                if ignore.excludes(child) { continue }
                var cs = stat()
                guard lstat(path + "/" + child, &cs) == 0 else { continue }
                let isDirectory = cs.st_mode & S_IFMT == S_IFDIR
                if isDirectory {
                    pending.append(child)
                    if include.isEmpty { snap.entries[child] = entry(cs) }
                } else if include.isEmpty || include.excludes(child) {
                    snap.entries[child] = entry(cs)
                }
            }
        }
        return snap
    }

    static func entry(_ st: stat) -> Entry {
        Entry(
            isDirectory: st.st_mode & S_IFMT == S_IFDIR, size: Int64(st.st_size),
            modified: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
            mode: UInt32(st.st_mode))
    }

    /// What changed from `self` to `now`: entries new or different (a directory only when new, its
    /// entries being listed themselves), and entries gone (not those under a directory gone too), sorted
    /// so a directory comes before what is in it.
    package func changes(to now: WatchSnapshot) -> WatchChanges {
        var changed: [String] = []
        for (path, e) in now.entries {
            guard let old = entries[path] else { changed.append(path); continue }
            if old.isDirectory != e.isDirectory || (!e.isDirectory && old != e) { changed.append(path) }
        }
        let goneSet = Set(entries.keys.filter { now.entries[$0] == nil })
        let gone = goneSet.filter { path in
            !Self.parents(of: path).contains { goneSet.contains($0) }
        }
        return WatchChanges(changed: changed.sorted(), removed: gone.sorted())
    }

    static func parents(of path: String) -> [String] {
        var out: [String] = []
        var p = Substring(path)
        while let slash = p.lastIndex(of: "/") {
            p = p[..<slash]
            out.append(String(p))
        }
        return out
    }
}

/// Paths (relative to a rule's path) that changed between two snapshots.
package struct WatchChanges: Sendable, Equatable {
    package var changed: [String]
    package var removed: [String]
    package init(changed: [String] = [], removed: [String] = []) {
        self.changed = changed
        self.removed = removed
    }
    package var isEmpty: Bool { changed.isEmpty && removed.isEmpty }
}

/// What one batch of changes to a service's watched paths asks for, in Docker Compose's order: a rebuild
/// (which recreates the container, so nothing is synced), else the copies and removals into the
/// container, then a restart or the rules' commands.
package struct WatchPlan: Sendable, Equatable {
    package struct Copy: Sendable, Equatable {
        package var host: String
        package var container: String
        package init(host: String, container: String) {
            self.host = host
            self.container = container
        }
    }
    package var rebuild = false
    package var restart = false
    package var copies: [Copy] = []
    package var removals: [String] = []
    package var execs: [ComposeWatchExec] = []
    /// How many changed paths the plan answers (Docker Compose's log line counts them).
    package var changeCount = 0

    package init() {}

    package var isEmpty: Bool { !rebuild && !restart && copies.isEmpty && removals.isEmpty && execs.isEmpty }

    /// The plan for `changes` of each rule (by index into `rules`).
    package static func make(_ rules: [ComposeWatchRule], changes: [Int: WatchChanges]) -> WatchPlan {
        var plan = WatchPlan()
        for (i, rule) in rules.enumerated() {
            guard let c = changes[i], !c.isEmpty else { continue }
            plan.changeCount += c.changed.count + c.removed.count
            switch rule.action {
            case .rebuild: plan.rebuild = true
            case .restart: plan.restart = true
            case .sync, .syncRestart, .syncExec:
                let target = rule.target ?? "/"
                func inContainer(_ rel: String) -> String { rel.isEmpty ? target : target + "/" + rel }
                func inHost(_ rel: String) -> String { rel.isEmpty ? rule.path : rule.path + "/" + rel }
                plan.copies += c.changed.map { Copy(host: inHost($0), container: inContainer($0)) }
                plan.removals += c.removed.map(inContainer)
                if rule.action == .syncRestart { plan.restart = true }
                if rule.action == .syncExec, let x = rule.exec { plan.execs.append(x) }
            }
        }
        if plan.rebuild {
            plan.copies = []
            plan.removals = []
            plan.execs = []
            plan.restart = false
        }
        return plan
    }
}
