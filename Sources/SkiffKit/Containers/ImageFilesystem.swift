import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Read-only look-ups in an image's unpacked layers as overlayfs would merge them, without mounting:
/// the topmost layer that has a path wins; an overlay whiteout (a 0/0 character device) hides it, and
/// an opaque directory on the way hides the layers below. Used before a container starts (user names
/// in /etc/passwd, whether WORKDIR exists).
package struct ImageFilesystem: Sendable {
    /// Layer directories, top layer first.
    package let layers: [String]

    package init(layersTopFirst: [String]) {
        self.layers = layersTopFirst
    }

    package enum Lookup: Equatable {
        case missing
        case file(hostPath: String)
        case directory(hostPath: String)
        /// A symlink (its target is not followed here).
        case symlink(hostPath: String)
    }

    /// What is at `path` itself; `..` is taken lexically (never above a layer), and a symlink on the
    /// way ends the walk in that layer (InRootPath follows symlinks).
    package func lookup(_ path: String) -> Lookup {
        let components = InRootPath.clean(path).split(separator: "/").map(String.init)
        guard !components.isEmpty else { return layers.first.map { .directory(hostPath: $0) } ?? .missing }
        for layer in layers {
            var current = layer
            var hidden = false
            var opaqueAbove = false
            for (i, component) in components.enumerated() {
                current += "/" + component
                var st = stat()
                if lstat(current, &st) != 0 {
                    hidden = false
                    break
                }
                let type = st.st_mode & S_IFMT
                if type == S_IFCHR && st.st_rdev == 0 { hidden = true; break }
                if i == components.count - 1 {
                    switch type {
                    case S_IFDIR: return .directory(hostPath: current)
                    case S_IFLNK: return .symlink(hostPath: current)
                    default: return .file(hostPath: current)
                    }
                }
                if type != S_IFDIR { break }
                if isOpaque(current) { opaqueAbove = true }
            }
            if hidden || opaqueAbove { return .missing }
        }
        return .missing
    }

    /// The contents of a regular file, nil when it is missing (or not a regular file).
    package func read(_ path: String) -> String? {
        guard case .file(let host) = lookup(path) else { return nil }
        return try? FileIO.readString(host)
    }

    private func isOpaque(_ dir: String) -> Bool {
        ExtendedAttributes.isOverlayOpaque(dir)
    }
}
