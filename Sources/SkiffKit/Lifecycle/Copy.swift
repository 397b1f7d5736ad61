import SkiffImage
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
/// What `skiff cp` keeps and follows (Docker's `-a` and `-L`).
public struct CopyOptions: Sendable {
    /// `-a`: copies get the source's uid/gid (default: the copier's, root, as Docker's).
    public var archive: Bool
    /// `-L`: a symlink given as the source is followed; the copy is named as the link.
    public var followLink: Bool
    /// `compose --dry-run`: both sides checked as a real copy checks them (the source found, the place
    /// the copy would go found), nothing copied and no event recorded; the byte count is 0.
    public var dryRun = false

    /// Options with Docker's defaults: owners are the copier's and a source symlink is copied as a symlink.
    public init(archive: Bool = false, followLink: Bool = false) {
        self.archive = archive
        self.followLink = followLink
    }
}

extension Engine {
    /// `cp CONTAINER:PATH HOSTPATH`: copy a file or tree out of the container, symlinks resolved inside it.
    /// Returns the bytes of file content copied; records Docker's `archive-path` event.
    @discardableResult
    public func copyFromContainer(_ nameOrID: String, path: String, to hostPath: String, options: CopyOptions = .init())
        throws(KitError) -> UInt64
    {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (linkParent, name) = Self.containerSplit(path)
        let (parentPath, sourceName) =
            options.followLink ? Self.followLink(root, linkParent, name) : (linkParent, name)
        let src = root.open(parentPath, flags: O_RDONLY | O_DIRECTORY)
        if src < 0 { throw .notFound("Could not find the file \(path) in container \(c.name)") }
        defer { close(src) }
        var st = stat()
        if sourceName != ".", fstatat(src, sourceName, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            throw .notFound("Could not find the file \(path) in container \(c.name)")
        }
        let copier = TreeCopy(keepOwners: options.archive)
        // The host side is the caller's: plain paths.
        var dst = stat()
        let destExists = stat(hostPath, &dst) == 0
        let destIsDir = destExists && dst.st_mode & S_IFMT == S_IFDIR
        // Docker: a destination that ends in / must be an existing directory.
        if !destExists && hostPath.hasSuffix("/") { throw .notFound("\(hostPath): no such directory") }
        let (destParent, destName): (String, String)
        if sourceName == "." {
            if options.dryRun {
                guard destIsDir || access(Self.split(hostPath).0, W_OK) == 0 else {
                    throw .system(SystemError("mkdir", path: hostPath))
                }
                return 0
            }
            guard destIsDir || mkdir(hostPath, 0o755) == 0 else { throw .system(SystemError("mkdir", path: hostPath)) }
            let d = open(hostPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if d < 0 { throw .system(SystemError("open", path: hostPath)) }
            defer { close(d) }
            try copier.copyChildren(from: src, to: d)
            events.record(container: c, "archive-path")
            return copier.bytes
        } else if destIsDir {
            (destParent, destName) = (hostPath, name)
        } else {
            (destParent, destName) = Self.split(hostPath)
        }
        let d = open(destParent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d < 0 { throw .system(SystemError("open destination directory", path: destParent)) }
        defer { close(d) }
        if options.dryRun { return 0 }
        try copier.copyEntry(srcParent: src, name: sourceName, dstParent: d, dstName: destName)
        events.record(container: c, "archive-path")
        return copier.bytes
    }

    /// `cp CONTAINER:PATH -`: PATH as a tar stream to `fd`, named by its last component (`hostname`,
    /// `etc/…`; `.` for `DIR/.`), owners and modes as they are in the container. `followLink`: a symlink
    /// at PATH is followed and its target archived under the link's name. Records `archive-path`.
    public func archiveFromContainer(_ nameOrID: String, path: String, to fd: Int32, followLink: Bool, what: String)
        throws(KitError)
    {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let (linkParent, name) = Self.containerSplit(path)
        let (parentPath, sourceName) = followLink ? Self.followLink(root, linkParent, name) : (linkParent, name)
        let src = root.open(parentPath, flags: O_RDONLY | O_DIRECTORY)
        if src < 0 { throw .notFound("Could not find the file \(path) in container \(c.name)") }
        defer { close(src) }
        var st = stat()
        if fstatat(src, sourceName, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            throw .notFound("Could not find the file \(path) in container \(c.name)")
        }
        do { try TreeArchive.write(sourceName, in: src, as: name, to: fd, what: what) } catch { throw .image(error) }
        events.record(container: c, "archive-path")
    }

    /// `cp - CONTAINER:DIR`: extract the tar read from `fd` into DIR, which must exist and be a directory
    /// (a symlink to one is followed inside the container). See TreeExtraction for what is refused.
    /// `keepOwners` (`-a`): the archive's uid/gid, else root's. Returns the bytes of file content written;
    /// records Docker's `extract-to-dir` event.
    @discardableResult
    public func extractToContainer(_ nameOrID: String, path: String, from fd: Int32, keepOwners: Bool, what: String)
        throws(KitError) -> UInt64
    {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        let directory = InRootPath.clean(path)
        let d = root.open(directory, flags: ResolvedOpen.pathOnly | O_DIRECTORY)
        if d < 0 { throw .usage("destination \"\(nameOrID):\(path)\" must be a directory") }
        close(d)
        let bytes: UInt64
        do {
            bytes = try TreeExtraction.extract(
                from: fd, root: root.fd, directory: directory, keepOwners: keepOwners, what: what)
        } catch { throw .image(error) }
        events.record(container: c, "extract-to-dir")
        return bytes
    }

    /// `cp HOSTPATH CONTAINER:PATH`: copy a file or tree into the container, symlinks resolved inside it.
    /// Returns the bytes of file content copied; records Docker's `extract-to-dir` event.
    @discardableResult
    public func copyToContainer(_ nameOrID: String, hostPath: String, path: String, options: CopyOptions = .init())
        throws(KitError) -> UInt64
    {
        let c = try container(nameOrID)
        let root = try copyRoot(c)
        var (srcParent, srcName) = Self.split(hostPath)
        let linkName = srcName
        var lst = stat()
        if options.followLink, lstat(hostPath, &lst) == 0, lst.st_mode & S_IFMT == S_IFLNK {
            // The host side is the caller's: its symlink is followed on the host, the copy named as the link.
            guard let resolved = realpath(hostPath, nil) else { throw .system(SystemError("follow", path: hostPath)) }
            (srcParent, srcName) = Self.split(String(cString: resolved))
            free(resolved)
        }
        let s = open(srcParent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if s < 0 { throw .system(SystemError("open", path: srcParent)) }
        defer { close(s) }
        var st = stat()
        if fstatat(s, srcName, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw .system(SystemError("stat", path: hostPath)) }
        let copier = TreeCopy(keepOwners: options.archive)
        let clean = InRootPath.clean(path)
        let destDir = root.open(clean, flags: O_RDONLY | O_DIRECTORY)
        if destDir >= 0 {
            defer { close(destDir) }
            if options.dryRun { return 0 }
            if srcName == "." {
                try copier.copyChildren(from: s, to: destDir)
            } else {
                try copier.copyEntry(srcParent: s, name: srcName, dstParent: destDir, dstName: linkName)
            }
            events.record(container: c, "extract-to-dir")
            return copier.bytes
        }
        if path.hasSuffix("/") { throw .notFound("\(c.name):\(path): no such directory") }
        let (parent, name) = Self.split(clean)
        guard name != "." else { throw .usage("cp: destination \(path) is not a directory in container \(c.name)") }
        let p = root.open(parent, flags: O_RDONLY | O_DIRECTORY)
        if p < 0 { throw .notFound("Could not find the directory \(parent) in container \(c.name)") }
        defer { close(p) }
        if options.dryRun { return 0 }
        try copier.copyEntry(srcParent: s, name: srcName, dstParent: p, dstName: name)
        events.record(container: c, "extract-to-dir")
        return copier.bytes
    }

    /// A path in the container as (parent, name): cleaned inside the root first, so the name is never `..`
    /// (which, opened from the root's fd, would lead out of it); `DIR/.` keeps its meaning, "DIR's contents".
    static func containerSplit(_ path: String) -> (String, String) {
        let contents = path == "." || path.hasSuffix("/.")
        let clean = InRootPath.clean(path)
        if contents || clean == "/" { return (clean, ".") }
        return split(clean)
    }

    /// `-L`: where the symlink `name` in `parent` leads, followed (chains too) inside the container's root,
    /// as (parent, name); unchanged when it is not a symlink.
    static func followLink(_ root: ContainerRoot, _ parent: String, _ name: String) -> (String, String) {
        var (p, n) = (parent, name)
        for _ in 0..<InRootPath.maxSymlinks {
            guard n != "." else { break }
            let fd = root.open(p, flags: ResolvedOpen.pathOnly | O_DIRECTORY)
            guard fd >= 0 else { break }
            defer { close(fd) }
            var st = stat()
            guard fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFLNK else { break }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlinkat(fd, n, &buf, buf.count - 1)
            guard count > 0 else { break }
            buf[count] = 0
            let target = String(decoding: buf[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A path inside the container, opened only with openat2 in its root.
            (p, n) = containerSplit(target.hasPrefix("/") ? target : p + "/" + target)
        }
        return (p, n)
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

    /// Copy one entry (recursively) from a directory fd to a directory fd, never following a symlink,
    /// owned by the copier (compose watch's sync).
    static func copyEntry(srcParent: Int32, name: String, dstParent: Int32, dstName: String) throws(KitError) {
        try TreeCopy(keepOwners: false).copyEntry(
            srcParent: srcParent, name: name, dstParent: dstParent, dstName: dstName)
    }
}
