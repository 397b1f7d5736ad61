import SkiffImage

/// One line of `skiff diff`: `A /path` (added), `C /path` (changed), `D /path` (deleted).
public struct FilesystemChange: Sendable, Equatable, CustomStringConvertible {
    /// The letter `docker diff` prints.
    public enum Kind: String, Sendable {
        case added = "A"
        case changed = "C"
        case deleted = "D"
    }

    /// Added, changed or deleted.
    public var kind: Kind
    /// Absolute in the container: `/etc/passwd`.
    public var path: String

    /// A change of `kind` at `path`.
    public init(_ kind: Kind, _ path: String) {
        self.kind = kind
        self.path = path
    }

    /// The line `docker diff` prints: `A /path`.
    public var description: String { "\(kind.rawValue) \(path)" }
}

/// The changes of a container's writable layer against its image, as Docker's overlay2 driver lists them
/// (moby's archive.OverlayChanges): in the layer's walk order; a whiteout is `D`, and so is an opaque
/// directory that hid one of the image's (its new contents follow as `A`); a path the image lacks is `A`,
/// one it has `C`, except a directory whose owner, mode and mtime are the image's (copied up only because
/// something below it changed); and each change's parent directories are listed as `C` before it.
/// The container's own mount points (/etc/hosts, /etc/resolv.conf, /etc/hostname, volumes, /dev, ...) and
/// what is below them are not listed, as Docker keeps them out of the layer (its init layer).
public enum FilesystemChanges {
    /// What the image has at a path (nil: nothing).
    public struct Below: Sendable, Equatable {
        /// Whether it is a directory there.
        public var isDirectory: Bool
        /// Its owner, mode and mtime.
        public var metadata: WritableLayer.Metadata

        /// What the image has at a path.
        public init(isDirectory: Bool, metadata: WritableLayer.Metadata) {
            self.isDirectory = isDirectory
            self.metadata = metadata
        }
    }

    /// `upper`: the layer's entries in walk order; `below`: the image at a path; `mountPoints`: the
    /// container's mount destinations (clean absolute paths).
    public static func compute(
        upper: [WritableLayer.Entry], below: (String) -> Below?, mountPoints: [String]
    ) -> [FilesystemChange] {
        let mounts = Set(mountPoints.filter { $0 != "/" })
        // A directory holding a mount point got a new mtime from the stub made in it: not a change by itself.
        let holdsMountPoint = Set(mounts.map(parent))
        func isMountPoint(_ path: String) -> Bool {
            var p = path
            while p != "/" {
                if mounts.contains(p) { return true }
                p = parent(p)
            }
            return false
        }
        var out: [FilesystemChange] = []
        var listed: Set<String> = []
        for entry in upper where !isMountPoint(entry.path) {
            let image = below(entry.path)
            let kind: FilesystemChange.Kind
            switch entry.kind {
            case .whiteout:
                kind = .deleted
            case .directory(opaque: true) where image != nil:
                kind = .deleted
            case .directory:
                if let image, image.isDirectory, sameDirectory(entry.metadata, image.metadata),
                    holdsMountPoint.contains(entry.path) || sameTime(entry.metadata, image.metadata)
                {
                    continue
                }
                kind = image == nil ? .added : .changed
            default:
                kind = image == nil ? .added : .changed
            }
            var missing: [String] = []
            var p = parent(entry.path)
            while p != "/" && !listed.contains(p) {
                missing.append(p)
                p = parent(p)
            }
            for dir in missing.reversed() {
                out.append(FilesystemChange(.changed, dir))
                listed.insert(dir)
            }
            out.append(FilesystemChange(kind, entry.path))
            if entry.isDirectory { listed.insert(entry.path) }
        }
        return out
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func sameDirectory(_ a: WritableLayer.Metadata, _ b: WritableLayer.Metadata) -> Bool {
        a.mode == b.mode && a.uid == b.uid && a.gid == b.gid
    }

    /// moby's sameFsTime: a time without nanoseconds (from a tar) matches the same second.
    static func sameTime(_ a: WritableLayer.Metadata, _ b: WritableLayer.Metadata) -> Bool {
        a.mtimeSeconds == b.mtimeSeconds
            && (a.mtimeNanoseconds == b.mtimeNanoseconds || a.mtimeNanoseconds == 0 || b.mtimeNanoseconds == 0)
    }
}
