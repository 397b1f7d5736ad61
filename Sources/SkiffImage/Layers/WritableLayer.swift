import CSystem
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A container's overlay upper directory (its writable layer), read for `diff` and `commit`. What is in it
/// was made by the container, so it is walked by directory fd only: every entry is looked at with
/// fstatat(AT_SYMLINK_NOFOLLOW) and every directory opened with openat(O_NOFOLLOW) from its parent's fd,
/// so a symlink the container planted (`/x -> /etc/shadow`, `/d -> /`) is an entry, never a way out.
public struct WritableLayer: Sendable {
    /// One entry of the layer, in walk order: names byte-wise sorted, a directory before its contents.
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// `opaque`: overlayfs hides the lower layers' contents (trusted. or user.overlay.opaque=y).
            case directory(opaque: Bool)
            /// An overlay whiteout: a character device 0/0 standing for a deleted path.
            case whiteout
            case file
            case symlink
            /// A device, FIFO or socket.
            case other
        }

        /// Absolute in the container: `/etc/passwd`.
        public var path: String
        public var kind: Kind
        public var metadata: Metadata

        public init(path: String, kind: Kind, metadata: Metadata) {
            self.path = path
            self.kind = kind
            self.metadata = metadata
        }

        public var isDirectory: Bool {
            if case .directory = kind { return true }
            return false
        }
    }

    /// What `diff` compares between a directory and the image's.
    public struct Metadata: Sendable, Equatable {
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32
        public var mtimeSeconds: Int64
        public var mtimeNanoseconds: Int64

        public init(mode: UInt32, uid: UInt32, gid: UInt32, mtimeSeconds: Int64, mtimeNanoseconds: Int64 = 0) {
            self.mode = mode
            self.uid = uid
            self.gid = gid
            self.mtimeSeconds = mtimeSeconds
            self.mtimeNanoseconds = mtimeNanoseconds
        }

        public init(_ st: stat) {
            self.init(
                mode: UInt32(st.st_mode), uid: st.st_uid, gid: st.st_gid, mtimeSeconds: Int64(st.st_mtim.tv_sec),
                mtimeNanoseconds: Int64(st.st_mtim.tv_nsec))
        }
    }

    /// The upper directory (the host's path of a directory the engine made; its contents are the container's).
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Every entry, in walk order.
    public func entries() throws(ImageError) -> [Entry] {
        let root = try Self.openRoot(directory)
        defer { close(root) }
        var out: [Entry] = []
        try Self.walk(root, path: "") { _, _, entry in
            out.append(entry)
            return true
        }
        return out
    }

    /// Copy the entries at `paths` (and nothing else) into the empty directory `staging`, as a layer
    /// directory LayerPacker packs: files, symlinks and devices hard-linked (the same inode, so no data is
    /// copied and hard links between them stay links), directories made with the same owner, mode, xattrs
    /// and mtime, whiteouts as 0/0 devices and opaque directories marked `trusted.overlay.opaque=y`.
    /// Every ancestor of a path in `paths` must be in it too (a directory not in it is not entered).
    /// `staging` must be on the upper directory's filesystem.
    public func stage(_ paths: Set<String>, into staging: String) throws(ImageError) {
        let root = try Self.openRoot(directory)
        defer { close(root) }
        let target = open(staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if target < 0 { throw .system(SystemError("open", path: staging)) }
        defer { close(target) }
        try Self.stageChildren(from: root, path: "", into: target, keeping: paths)
    }

    private static func stageChildren(from source: Int32, path: String, into target: Int32, keeping paths: Set<String>)
        throws(ImageError)
    {
        // A directory's owner, mode and mtime are set after its contents are in.
        for name in try sortedNames(source, path: path) {
            let child = path + "/" + name
            guard paths.contains(child) else { continue }
            var st = stat()
            if fstatat(source, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                throw .system(SystemError("stat", path: child))
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let from = openat(source, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if from < 0 { throw .system(SystemError("open", path: child)) }
                defer { close(from) }
                if mkdirat(target, name, 0o700) != 0 { throw .system(SystemError("mkdir (staging)", path: child)) }
                let to = openat(target, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if to < 0 { throw .system(SystemError("open (staging)", path: child)) }
                defer { close(to) }
                let opaque = isOpaque(from)
                for (key, value) in xattrs(from)
                where !key.hasPrefix("trusted.overlay.") && !key.hasPrefix("user.overlay.") {
                    _ = value.withUnsafeBytes { csys_fsetxattr(to, key, $0.baseAddress, $0.count, 0) }
                }
                if opaque {
                    let y: [UInt8] = [UInt8(ascii: "y")]
                    if y.withUnsafeBytes({ csys_fsetxattr(to, "trusted.overlay.opaque", $0.baseAddress, 1, 0) }) != 0 {
                        throw .system(SystemError("mark opaque (staging)", path: child))
                    }
                }
                try stageChildren(from: from, path: child, into: to, keeping: paths)
                if fchown(to, st.st_uid, st.st_gid) != 0 || fchmod(to, st.st_mode & 0o7777) != 0 {
                    throw .system(SystemError("set owner and mode (staging)", path: child))
                }
                var times = [st.st_atim, st.st_mtim]
                futimens(to, &times)
            default:
                // No AT_SYMLINK_FOLLOW: a symlink is linked itself, never its target.
                if linkat(source, name, target, name, 0) != 0 {
                    throw .system(SystemError("link (staging)", path: child))
                }
            }
        }
    }

    // MARK: - Walking by fd

    static func openRoot(_ directory: String) throws(ImageError) -> Int32 {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: directory)) }
        return fd
    }

    static func sortedNames(_ fd: Int32, path: String) throws(ImageError) -> [String] {
        let raw: [[CChar]]
        do { raw = try DirectoryTree.names(in: fd) } catch { throw .system(error) }
        return raw.map { PackWriter.text($0) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Visit every entry below the directory `fd` (at container path `path`, "" for the root) in walk
    /// order; `visit(parentFD, name, entry)` returns whether to enter a directory.
    static func walk(_ fd: Int32, path: String, visit: (Int32, String, Entry) throws(ImageError) -> Bool)
        throws(ImageError)
    {
        for name in try sortedNames(fd, path: path) {
            if Cancellation.isCancelled { throw .system(.cancelled) }
            let child = path + "/" + name
            var st = stat()
            if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                if errno == ENOENT { continue }  // gone meanwhile (a running container)
                throw .system(SystemError("stat", path: child))
            }
            let metadata = Metadata(st)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let dir = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if dir < 0 {
                    if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { continue }  // replaced meanwhile
                    throw .system(SystemError("open", path: child))
                }
                defer { close(dir) }
                let entry = Entry(path: child, kind: .directory(opaque: isOpaque(dir)), metadata: metadata)
                if try visit(fd, name, entry) { try walk(dir, path: child, visit: visit) }
            case S_IFCHR where st.st_rdev == 0:
                _ = try visit(fd, name, Entry(path: child, kind: .whiteout, metadata: metadata))
            case S_IFREG:
                _ = try visit(fd, name, Entry(path: child, kind: .file, metadata: metadata))
            case S_IFLNK:
                _ = try visit(fd, name, Entry(path: child, kind: .symlink, metadata: metadata))
            default:
                _ = try visit(fd, name, Entry(path: child, kind: .other, metadata: metadata))
            }
        }
    }

    /// overlayfs's opaque marker, in either namespace (user.* on a `userxattr` mount).
    static func isOpaque(_ dirFD: Int32) -> Bool {
        let path = "/proc/self/fd/\(dirFD)/."
        return ExtendedAttributes.value("trusted.overlay.opaque", of: path) == [UInt8(ascii: "y")]
            || ExtendedAttributes.value("user.overlay.opaque", of: path) == [UInt8(ascii: "y")]
    }

    /// The xattrs of the directory `dirFD`.
    static func xattrs(_ dirFD: Int32) -> [(String, [UInt8])] {
        let path = "/proc/self/fd/\(dirFD)/."
        return ExtendedAttributes.names(of: path).compactMap { name in
            ExtendedAttributes.value(name, of: path).map { (name, $0) }
        }
    }
}
