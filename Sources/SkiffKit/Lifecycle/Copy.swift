import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff cp`, both directions, safe against symlinks inside the container: every path in the container
/// is resolved with openat2(RESOLVE_IN_ROOT) from the container's root, and everything below is
/// walked by fd with O_NOFOLLOW, so no symlink (absolute, relative or `..`) leads out to the host.
///
/// The root: a running container's /proc/<pid>/root (its mount namespace, volumes included); a stopped
/// one's overlay (image layers + its upper dir), mounted in a private mount namespace of this thread
/// and detached at once, so it is reachable only through our fd and never appears on the host.
extension Engine {
    /// `cp CONTAINER:PATH HOSTPATH`: copy a file or tree out of the container, symlinks resolved inside it.
    public func copyFromContainer(_ nameOrID: String, path: String, to hostPath: String) throws(KitError) {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (parentPath, name) = Self.split(path)
        let src = root.open(parentPath, flags: O_RDONLY | O_DIRECTORY)
        if src < 0 { throw .notFound("Could not find the file \(path) in container \(c.name)") }
        defer { close(src) }
        var st = stat()
        if name != ".", fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            throw .notFound("Could not find the file \(path) in container \(c.name)")
        }
        // The host side is the caller's: plain paths.
        var dst = stat()
        let destIsDir = stat(hostPath, &dst) == 0 && dst.st_mode & S_IFMT == S_IFDIR
        let (destParent, destName): (String, String)
        if name == "." {
            guard destIsDir || mkdir(hostPath, 0o755) == 0 else { throw .system(SystemError("mkdir", path: hostPath)) }
            let d = open(hostPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if d < 0 { throw .system(SystemError("open", path: hostPath)) }
            defer { close(d) }
            try Self.copyChildren(from: src, to: d)
            return
        } else if destIsDir {
            (destParent, destName) = (hostPath, name)
        } else {
            (destParent, destName) = Self.split(hostPath)
        }
        let d = open(destParent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d < 0 { throw .system(SystemError("open destination directory", path: destParent)) }
        defer { close(d) }
        try Self.copyEntry(srcParent: src, name: name, dstParent: d, dstName: destName)
    }

    /// `cp HOSTPATH CONTAINER:PATH`: copy a file or tree into the container, symlinks resolved inside it.
    public func copyToContainer(_ nameOrID: String, hostPath: String, path: String) throws(KitError) {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (srcParent, srcName) = Self.split(hostPath)
        let s = open(srcParent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if s < 0 { throw .system(SystemError("open", path: srcParent)) }
        defer { close(s) }
        var st = stat()
        if fstatat(s, srcName, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw .system(SystemError("stat", path: hostPath)) }
        let destDir = root.open(path, flags: O_RDONLY | O_DIRECTORY)
        if destDir >= 0 {
            defer { close(destDir) }
            if srcName == "." { try Self.copyChildren(from: s, to: destDir); return }
            try Self.copyEntry(srcParent: s, name: srcName, dstParent: destDir, dstName: srcName)
            return
        }
        let (parent, name) = Self.split(path)
        guard name != "." else { throw .usage("cp: destination \(path) is not a directory in container \(c.name)") }
        let p = root.open(parent, flags: O_RDONLY | O_DIRECTORY)
        if p < 0 { throw .notFound("Could not find the directory \(parent) in container \(c.name)") }
        defer { close(p) }
        try Self.copyEntry(srcParent: s, name: srcName, dstParent: p, dstName: name)
    }

    /// The container's root for cp (see above).
    func copyRoot(_ c: Container) throws(KitError) -> ContainerRoot {
        if c.status == .running, processAlive(c) {
            let pid: Int32
            if let p = c.pid { pid = p } else { pid = try runtimePidOf(c.id) }
            return try ContainerRoot(pid: pid)
        }
        return try mountDetachedRootfs(c)
    }

    private func mountDetachedRootfs(_ c: Container) throws(KitError) -> ContainerRoot {
        let dir = containers.directory(of: c.id)
        let spec: SkiffOCI.Spec
        do { spec = try SpecFile.load(bundle: dir) } catch {
            throw .usage("cannot read the container's config.json: \(error)")
        }
        guard let options = spec.annotations?[SkiffAnnotations.rootfsOverlay] else {
            throw .unsupported("cp from a stopped container without an image overlay")
        }
        let base = spec.annotations?[SkiffAnnotations.rootfsOverlayDirectory] ?? layers.root
        var lowers: [String] = []
        var upper = dir + "/upper"
        var work = dir + "/work"
        for part in options.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            switch kv[0] {
            case "lowerdir":
                lowers = kv[1].split(separator: ":").map { $0.hasPrefix("/") ? String($0) : base + "/" + $0 }
            case "upperdir": upper = kv[1]
            case "workdir": work = kv[1]
            default: break
            }
        }
        let namespace: PrivateMountNamespace
        do { namespace = try PrivateMountNamespace(for: "cp") } catch { throw .system(error) }
        defer { namespace.leave() }
        if mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) != 0 {
            throw .system(SystemError("make mounts private for cp"))
        }
        let target = dir + "/rootfs"
        do { try OverlayMount.mount(on: target, lowers: lowers, upper: upper, work: work) } catch {
            throw .system(SystemError("mount the container's filesystem for cp", path: target, errno: error.errno))
        }
        let root = try ContainerRoot(directory: target)
        umount2(target, Int32(MNT_DETACH))
        return root
    }

    /// (parent, name); name "." stands for "the parent's contents" (`/`, `dir/.`).
    static func split(_ path: String) -> (String, String) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        if p == "/" || p == "." { return (p, ".") }
        if p.hasSuffix("/.") {
            let parent = String(p.dropLast(2))
            return (parent.isEmpty ? "/" : parent, ".")
        }
        guard let slash = p.lastIndex(of: "/") else { return (".", p) }
        let parent = String(p[..<slash])
        return (parent.isEmpty ? "/" : parent, String(p[p.index(after: slash)...]))
    }

    static func copyChildren(from src: Int32, to dst: Int32) throws(KitError) {
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
    static func copyEntry(srcParent: Int32, name: String, dstParent: Int32, dstName: String) throws(KitError) {
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
            fchmod(d, mode)
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
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(s, &buf, buf.count)
                if n < 0 { if errno == EINTR { continue }; throw .system(SystemError("read", path: name)) }
                if n == 0 { break }
                do { try FileIO.writeAll(fd: d, bytes: buf[..<n], path: dstName) } catch { throw .system(error) }
            }
            fchmod(d, mode)
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
        default:
            break  // devices, fifos and sockets are not copied
        }
    }
}
