import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff cp`'s copy of a file or tree from one directory fd to another, never following a symlink (a
/// symlink is copied as one): the container side is always an fd opened inside its root, so nothing
/// in the container leads the copy out to the host. Modes and mtimes are kept; owners are the copier's
/// (root) unless `keepOwners` (`cp -a`). Counts the bytes of file content copied.
final class TreeCopy {
    let keepOwners: Bool
    private(set) var bytes: UInt64 = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    init(keepOwners: Bool) { self.keepOwners = keepOwners }

    func copyChildren(from src: Int32, to dst: Int32) throws(KitError) {
        let dupFD = dup(src)
        guard let dir = fdopendir(dupFD) else { close(dupFD); throw .system(SystemError("read directory")) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        for name in names { try copyEntry(srcParent: src, name: name, dstParent: dst, dstName: name) }
    }

    /// Copy one entry (recursively) from a directory fd to a directory fd, never following a symlink.
    func copyEntry(srcParent: Int32, name: String, dstParent: Int32, dstName: String) throws(KitError) {
        guard !dstName.isEmpty, dstName != ".", dstName != "..", !dstName.contains("/") else {
            throw .usage("cp: invalid name \(dstName)")
        }
        var st = stat()
        if fstatat(srcParent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw .system(SystemError("stat", path: name)) }
        let mode = mode_t(st.st_mode & 0o7777)
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            if mkdirat(dstParent, dstName, mode | 0o700) != 0 && errno != EEXIST {
                throw .system(SystemError("mkdir", path: dstName))
            }
            let s = openat(srcParent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if s < 0 { throw .system(SystemError("open", path: name)) }
            defer { close(s) }
            let d = openat(dstParent, dstName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if d < 0 { throw .system(SystemError("open (a file or symlink is in the way?)", path: dstName)) }
            defer { close(d) }
            try copyChildren(from: s, to: d)
            try setOwner(st, path: dstName) { fchown(d, $0, $1) }
            fchmod(d, mode)
            setTimes(st) { futimens(d, $0) }
        case S_IFREG:
            let s = openat(srcParent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if s < 0 { throw .system(SystemError("open", path: name)) }
            defer { close(s) }
            var d = openat(dstParent, dstName, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
            if d < 0 && errno == ELOOP {
                // A symlink is in the way: replace it, never write through it.
                unlinkat(dstParent, dstName, 0)
                d = openat(dstParent, dstName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            }
            if d < 0 { throw .system(SystemError("create", path: dstName)) }
            defer { close(d) }
            while true {
                let n = read(s, &buffer, buffer.count)
                if n < 0 { if errno == EINTR { continue }; throw .system(SystemError("read", path: name)) }
                if n == 0 { break }
                do { try FileIO.writeAll(fd: d, bytes: buffer[..<n], path: dstName) } catch { throw .system(error) }
                bytes += UInt64(n)
            }
            // chown before chmod: chown clears setuid/setgid.
            try setOwner(st, path: dstName) { fchown(d, $0, $1) }
            fchmod(d, mode)
            setTimes(st) { futimens(d, $0) }
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlinkat(srcParent, name, &buf, buf.count - 1)
            if n < 0 { throw .system(SystemError("readlink", path: name)) }
            buf[n] = 0
            var existing = stat()
            if fstatat(dstParent, dstName, &existing, AT_SYMLINK_NOFOLLOW) == 0, existing.st_mode & S_IFMT != S_IFDIR {
                unlinkat(dstParent, dstName, 0)
            }
            if symlinkat(buf, dstParent, dstName) != 0 { throw .system(SystemError("symlink", path: dstName)) }
            try setOwner(st, path: dstName) { fchownat(dstParent, dstName, $0, $1, AT_SYMLINK_NOFOLLOW) }
            setTimes(st) { utimensat(dstParent, dstName, $0, AT_SYMLINK_NOFOLLOW) }
        default:
            break  // devices, fifos and sockets are not copied
        }
    }

    /// `-a`: the source's uid/gid on the copy (else it keeps the copier's).
    private func setOwner(_ st: stat, path: String, _ chown: (uid_t, gid_t) -> Int32) throws(KitError) {
        guard keepOwners else { return }
        if chown(st.st_uid, st.st_gid) != 0 { throw .system(SystemError("chown", path: path)) }
    }

    /// The source's atime and mtime on the copy.
    private func setTimes(_ st: stat, _ body: (UnsafePointer<timespec>) -> Int32) {
        withUnsafeTemporaryAllocation(of: timespec.self, capacity: 2) { pair in
            pair[0] = st.st_atim
            pair[1] = st.st_mtim
            _ = body(pair.baseAddress!)
        }
    }
}
