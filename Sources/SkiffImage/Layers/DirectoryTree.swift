import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Removing trees relative to directory fds, never following a symlink (a hostile layer may have left
/// symlinks pointing anywhere; cleaning up must not follow them).
enum DirectoryTree {
    /// The names in the directory `fd` (not `.` and `..`). `fd` stays open and usable.
    static func names(in fd: Int32) throws(SystemError) -> [[CChar]] {
        let copy = dup(fd)
        if copy < 0 { throw SystemError("dup") }
        guard let dir = fdopendir(copy) else {
            let e = SystemError("fdopendir")
            close(copy)
            throw e
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var out: [[CChar]] = []
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                if errno != 0 { throw SystemError("readdir") }
                break
            }
            let name: [CChar] = withUnsafePointer(to: &ent.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { p in
                    Array(UnsafeBufferPointer(start: p, count: strlen(p) + 1))
                }
            }
            if name == [46, 0] || name == [46, 46, 0] { continue }
            out.append(name)
        }
        return out
    }

    /// Remove everything inside the directory `fd`, leaving the directory itself.
    static func removeContents(of fd: Int32) throws(SystemError) {
        for name in try names(in: fd) {
            try remove(name, in: fd)
        }
    }

    /// Remove `name` in directory `parent`, recursively if it is a directory (without following symlinks).
    static func remove(_ name: [CChar], in parent: Int32) throws(SystemError) {
        try name.withUnsafeBufferPointer { (p) throws(SystemError) in try remove(p.baseAddress!, in: parent) }
    }

    static func remove(_ name: UnsafePointer<CChar>, in parent: Int32) throws(SystemError) {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else { throw SystemError("unlink", path: String(cString: name)) }
        let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if child < 0 { throw SystemError("open", path: String(cString: name)) }
        do {
            try removeContents(of: child)
        } catch {
            close(child)
            throw error
        }
        close(child)
        if unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
            throw SystemError("rmdir", path: String(cString: name))
        }
    }
}
