import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A tar stream extracted into a directory of a container's filesystem (`skiff cp - CONTAINER:DIR`, and
/// Docker's extract-to-dir), with Docker's rules for it:
///
/// - Every path is taken inside the container's root: parents are opened with openat2(RESOLVE_IN_ROOT)
///   from the root's fd, so `..`, absolute symlinks and symlinks the archive itself made all stay inside
///   the root (as Docker's chrooted untar has them); the last component is made with O_EXCL/O_NOFOLLOW or
///   *at calls that never follow a symlink.
/// - An entry whose name leaves DIR (`../x`), a symlink whose relative target leaves DIR and a hard link
///   to something outside DIR are refused (Docker's breakout errors).
/// - A directory is never replaced by a non-directory, nor the other way round (Docker's
///   NoOverwriteDirNonDir); two directories merge; anything else in the way is replaced.
/// - Modes and mtimes are kept; owners are root's unless `keepOwners` (`cp -a`), which keeps the
///   archive's numeric uid/gid. Parents the archive leaves out are made 0755, owned by root.
public enum TreeExtraction {
    /// Extract the tar read from `input` into `directory` (a path inside the root, which must exist and be a
    /// directory) of the tree whose root is the directory fd `root`. `what` names the input in errors.
    /// Returns the bytes of file content written.
    @discardableResult
    public static func extract(from input: Int32, root: Int32, directory: String, keepOwners: Bool, what: String)
        throws(ImageError) -> UInt64
    {
        let extraction = Extraction(root: root, directory: directory, keepOwners: keepOwners, what: what)
        let reader = try TarStreamReader(fd: input, what: what)
        while let entry = try reader.next() {
            if Cancellation.isCancelled { throw .system(.cancelled) }
            try extraction.write(entry, reader: reader)
        }
        extraction.finishDirectories()
        return extraction.bytes
    }

    /// `name` relative to DIR, cleaned as Go's filepath.Join cleans it; nil when it leaves DIR.
    static func components(_ name: String) -> [String]? {
        var parts: [String] = []
        for part in name.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
                continue
            }
            parts.append(String(part))
        }
        return parts
    }

    private final class Extraction {
        let root: Int32
        let directory: String
        let keepOwners: Bool
        let what: String
        var bytes: UInt64 = 0
        var directoryTimes: [(String, timespec)] = []

        init(root: Int32, directory: String, keepOwners: Bool, what: String) {
            self.root = root
            self.directory = directory.hasSuffix("/") ? directory : directory + "/"
            self.keepOwners = keepOwners
            self.what = what
        }

        func refuse(_ name: String, _ why: String) -> ImageError {
            .invalidContent("\(what): \(name): \(why)")
        }

        func failure(_ step: String, _ name: String, errno code: Int32 = errno) -> ImageError {
            .system(SystemError(step, path: name, errno: code))
        }

        /// openat2 inside the root; the path is DIR's plus `parts` (names, never `..`).
        func open(_ parts: ArraySlice<String>, flags: Int32) -> Int32 {
            ResolvedOpen.open(
                at: root, directory + parts.joined(separator: "/"), flags: flags, resolve: [.inRoot, .noMagicLinks])
        }

        /// The directory holding `parts.last`, made (0755, root) where missing.
        func openParent(_ parts: [String], name: String) throws(ImageError) -> Int32 {
            let parent = parts.dropLast()
            let fd = open(parent, flags: ResolvedOpen.pathOnly | O_DIRECTORY)
            if fd >= 0 { return fd }
            guard errno == ENOENT else { throw failure("open the directory of", name) }
            var current = open([], flags: ResolvedOpen.pathOnly | O_DIRECTORY)
            if current < 0 { throw failure("open the destination directory", directory) }
            for i in parent.indices {
                let next = open(parent[...i], flags: ResolvedOpen.pathOnly | O_DIRECTORY)
                if next >= 0 {
                    close(current)
                    current = next
                    continue
                }
                let code = errno
                guard code == ENOENT, mkdirat(current, parent[i], 0o755) == 0 || errno == EEXIST else {
                    close(current)
                    throw failure("make the directory of", name, errno: code == ENOENT ? errno : code)
                }
                let made = openat(current, parent[i], ResolvedOpen.pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                close(current)
                if made < 0 { throw failure("open the directory of", name) }
                current = made
            }
            return current
        }

        func write(_ entry: TarStreamReader.Entry, reader: TarStreamReader) throws(ImageError) {
            guard let parts = TreeExtraction.components(entry.path) else {
                throw refuse(entry.path, "outside of the destination directory \(directory)")
            }
            guard let name = parts.last else { return }  // "./": DIR itself keeps its attributes
            let parent = try openParent(parts, name: entry.path)
            defer { close(parent) }
            try makeRoom(for: entry, name: name, in: parent)
            let uid = keepOwners ? entry.uid : 0
            let gid = keepOwners ? entry.gid : 0
            switch entry.kind {
            case .file:
                let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                if fd < 0 { throw failure("create", entry.path) }
                defer { close(fd) }
                try reader.readData { (block) throws(ImageError) in
                    do throws(SystemError) { try FileIO.writeAll(fd: fd, bytes: block, path: entry.path) } catch {
                        throw .system(error)
                    }
                }
                bytes += UInt64(max(0, entry.size))
                // chown before chmod: chown clears setuid/setgid.
                if fchown(fd, uid, gid) != 0 || fchmod(fd, entry.mode) != 0 { throw failure("chown/chmod", entry.path) }
                if let t = entry.mtime { setTimes(t) { futimens(fd, $0) } }
            case .directory:
                if mkdirat(parent, name, 0o700) != 0 && errno != EEXIST { throw failure("mkdir", entry.path) }
                let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if fd < 0 { throw failure("open", entry.path) }
                defer { close(fd) }
                if fchown(fd, uid, gid) != 0 || fchmod(fd, entry.mode) != 0 { throw failure("chown/chmod", entry.path) }
                if let t = entry.mtime { directoryTimes.append((parts.joined(separator: "/"), t)) }
            case .symlink:
                let target = entry.linkTarget ?? ""
                if !target.hasPrefix("/"),
                    TreeExtraction.components((parts.dropLast() + [target]).joined(separator: "/")) == nil
                {
                    throw refuse(entry.path, "symlink to \(target) leads outside of the destination directory")
                }
                if symlinkat(target, parent, name) != 0 { throw failure("symlink", entry.path) }
                if fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 { throw failure("chown", entry.path) }
                if let t = entry.mtime { setTimes(t) { utimensat(parent, name, $0, AT_SYMLINK_NOFOLLOW) } }
            case .hardlink:
                let target = entry.linkTarget ?? ""
                guard let targetParts = TreeExtraction.components(target), let targetName = targetParts.last else {
                    throw refuse(entry.path, "hard link to \(target) is outside of the destination directory")
                }
                let from = open(targetParts.dropLast(), flags: ResolvedOpen.pathOnly | O_DIRECTORY)
                if from < 0 { throw failure("open the directory of the link target", target) }
                defer { close(from) }
                // flags 0: a symlink target is linked as the symlink, never followed.
                if linkat(from, targetName, parent, name, 0) != 0 { throw failure("link to \(target)", entry.path) }
            case .other(let type):
                guard type == S_IFCHR || type == S_IFBLK || type == S_IFIFO else {
                    throw refuse(entry.path, "unsupported entry type \(String(type, radix: 8))")
                }
                let device = LinuxCalls.makedev(entry.deviceMajor, entry.deviceMinor)
                if mknodat(parent, name, type | 0o600, device) != 0 { throw failure("mknod", entry.path) }
                if fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 { throw failure("chown", entry.path) }
                // chmod through an O_PATH handle of the node itself: fchmodat would follow a symlink a
                // running container put there meanwhile, and resolve it on the host.
                let node = openat(parent, name, ResolvedOpen.pathOnly | O_NOFOLLOW | O_CLOEXEC)
                if node < 0 { throw failure("open", entry.path) }
                defer { close(node) }
                if chmod("/proc/self/fd/\(node)", entry.mode) != 0 { throw failure("chmod", entry.path) }
                if let t = entry.mtime { setTimes(t) { utimensat(parent, name, $0, AT_SYMLINK_NOFOLLOW) } }
            }
        }

        /// Remove what is in the way of `entry`, never a directory for a non-directory or the other way round.
        func makeRoom(for entry: TarStreamReader.Entry, name: String, in parent: Int32) throws(ImageError) {
            var st = stat()
            guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
            let existingIsDirectory = st.st_mode & S_IFMT == S_IFDIR
            let entryIsDirectory = entry.kind == .directory
            if existingIsDirectory && entryIsDirectory { return }
            if existingIsDirectory {
                throw refuse(entry.path, "cannot overwrite directory with non-directory")
            }
            if entryIsDirectory {
                throw refuse(entry.path, "cannot overwrite non-directory with directory")
            }
            if unlinkat(parent, name, 0) != 0 { throw failure("remove", entry.path) }
        }

        func setTimes(_ mtime: timespec, _ body: (UnsafePointer<timespec>) -> Int32) {
            withUnsafeTemporaryAllocation(of: timespec.self, capacity: 2) { pair in
                pair[0] = mtime
                pair[1] = mtime
                _ = body(pair.baseAddress!)
            }
        }

        /// Directories' times last, after their contents were written (deepest first).
        func finishDirectories() {
            for (path, t) in directoryTimes.reversed() {
                let fd = open([path], flags: ResolvedOpen.pathOnly | O_DIRECTORY)
                guard fd >= 0 else { continue }
                setTimes(t) { utimensat(fd, "", $0, LinuxCalls.AT_EMPTY_PATH) }
                close(fd)
            }
        }
    }
}
