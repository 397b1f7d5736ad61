import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `compose watch`'s sync into a container: a host file (or a link, or a new directory) copied to a path
/// in the container, or a path there removed. Paths in the container are resolved in its root
/// (openat2 RESOLVE_IN_ROOT) and below that walked by fd without following links, as `skiff cp` does, so
/// a link in the container never leads to a host file.
extension Engine {
    /// Copy `hostPath` to `path` in the container, making the directories above it; a directory is
    /// made, not copied (what is in it is synced entry by entry).
    package func syncIntoContainer(_ nameOrID: String, hostPath: String, path: String) throws(KitError) {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (parent, name) = Self.split(path)
        guard name != "." else { throw .usage("watch: cannot sync to \(path) in container \(c.name)") }
        let dst = try Self.directoryCreating(parent, in: root, container: c.name)
        defer { close(dst) }
        var st = stat()
        guard lstat(hostPath, &st) == 0 else { return }  // gone again since it was seen
        if st.st_mode & S_IFMT == S_IFDIR {
            if mkdirat(dst, name, mode_t(st.st_mode & 0o7777)) != 0 && errno != EEXIST {
                throw .system(SystemError("mkdir", path: path))
            }
            return
        }
        let (hostParent, hostName) = Self.split(hostPath)
        let src = open(hostParent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if src < 0 { throw .system(SystemError("open", path: hostParent)) }
        defer { close(src) }
        try Self.copyEntry(srcParent: src, name: hostName, dstParent: dst, dstName: name)
    }

    /// Remove `path` (a tree too) in the container; a path already gone is no error.
    package func removeInContainer(_ nameOrID: String, path: String) throws(KitError) {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (parent, name) = Self.split(path)
        guard name != "." else { return }
        let dir = root.open(parent, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir < 0 { return }
        defer { close(dir) }
        try Self.removeEntry(parent: dir, name: name)
    }

    /// `path`'s directory in the container's root, made (0755) where missing.
    static func directoryCreating(_ path: String, in root: ContainerRoot, container: String) throws(KitError) -> Int32 {
        var fd = root.open("/", flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open the root of container \(container)")) }
        var prefix = ""
        for component in path.split(separator: "/") where component != "." {
            prefix += "/" + component
            var next = root.open(prefix, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                // The name alone, in the directory already resolved: mkdirat never follows a link there.
                if mkdirat(fd, String(component), 0o755) != 0 && errno != EEXIST {
                    close(fd)
                    throw .system(SystemError("mkdir", path: prefix))
                }
                next = root.open(prefix, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
            close(fd)
            if next < 0 { throw .system(SystemError("open directory in container \(container)", path: prefix)) }
            fd = next
        }
        return fd
    }

    static func removeEntry(parent: Int32, name: String) throws(KitError) {
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            let d = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if d < 0 { throw .system(SystemError("open", path: name)) }
            var names: [String] = []
            if let dir = fdopendir(dup(d)) {
                while let e = readdir(dir) {
                    let n = withUnsafeBytes(of: e.pointee.d_name) {
                        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if n != "." && n != ".." { names.append(n) }
                }
                closedir(dir)
            }
            defer { close(d) }
            for n in names { try removeEntry(parent: d, name: n) }
            if unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
                throw .system(SystemError("rmdir", path: name))
            }
        } else if unlinkat(parent, name, 0) != 0 && errno != ENOENT {
            throw .system(SystemError("unlink", path: name))
        }
    }
}
