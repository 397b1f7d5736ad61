import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Paths that come from images, Dockerfiles, compose files and flags, taken inside a root the way the
/// kernel takes them with openat2(RESOLVE_IN_ROOT): `..` at the root stays at the root, and a symlink
/// is followed inside the root (an absolute target starts again at the root), never out of it.
/// The callers say what a relative path in their root is (a build context, an image's merged layers),
/// so the same walk serves COPY sources, COPY destinations and working directories.
package enum InRootPath {
    /// What is at a path relative to the root (all of whose parents are real directories).
    package enum Entry: Equatable, Sendable {
        case directory
        case symlink(target: String)
        case other
    }

    /// Linux's MAXSYMLINKS: more symlinks than this on one walk is a loop.
    static let maxSymlinks = 40

    /// `path` cleaned as Docker and Go's filepath.Clean do, absolute: `a//b/./c/../d` → `/a/b/d`, and a
    /// `..` above the root stays at the root (`/../../x` → `/x`).
    package static func clean(_ path: String) -> String {
        var parts: [String] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(String(part))
        }
        // `concatenated`, not `joined`: the standard library's join looks its associated types up at
        // run time on first use, a scan of the binary's conformance records (0.2 ms of a `run -d`).
        return "/" + parts.concatenated(separator: "/")
    }

    /// Follow `path` inside the root. Returns the path relative to the root ("" for the root itself)
    /// with every symlink replaced by where it leads, or nil when something on the way is missing (or
    /// `entry` hides it), is not a directory, or the symlinks loop. With `followLast` false a final
    /// symlink is kept as it is.
    package static func resolve(_ path: String, followLast: Bool = true, entry: (String) -> Entry?) -> String? {
        walk(path, followLast: followLast, keepMissing: false, entry: entry)
    }

    /// Like `resolve`, but where the walk reaches something missing the rest is taken literally
    /// (cleaned), as securejoin does: the path where a directory would be created inside the root.
    /// Nil when a component before the end is not a directory or the symlinks loop.
    package static func join(_ path: String, entry: (String) -> Entry?) -> String? {
        walk(path, followLast: true, keepMissing: true, entry: entry)
    }

    private static func walk(_ path: String, followLast: Bool, keepMissing: Bool, entry: (String) -> Entry?) -> String?
    {
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var resolved: [String] = []
        var symlinks = 0
        var missing = false
        while let component = pending.popLast() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = (resolved + [component]).concatenated(separator: "/")
            if missing {
                resolved.append(component)
                continue
            }
            switch entry(candidate) {
            case nil:
                guard keepMissing else { return nil }
                missing = true
                resolved.append(component)
            case .directory:
                resolved.append(component)
            case .other:
                guard pending.isEmpty else { return nil }
                resolved.append(component)
            case .symlink(let target):
                if pending.isEmpty && !followLast {
                    resolved.append(component)
                    continue
                }
                symlinks += 1
                guard symlinks <= maxSymlinks else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
            }
        }
        return resolved.concatenated(separator: "/")
    }
}

extension ImageFilesystem {
    /// What is at `relative` (no leading `/`) in the merged layers, for InRootPath.
    package func inRootEntry(_ relative: String) -> InRootPath.Entry? {
        switch lookup("/" + relative) {
        case .missing: return nil
        case .directory: return .directory
        case .file: return .other
        case .symlink(let host): return CopyStep.readLink(host).map { .symlink(target: $0) } ?? .other
        }
    }
}
