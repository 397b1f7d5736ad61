import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageFilesystem {
    /// `path` with its symlinks followed the way the kernel would inside the container's root: never
    /// above "/" (`..` at the root stays at the root, an absolute link target starts again from the
    /// image's root). nil for a loop (more than 40 links).
    package func resolveInScope(_ path: String) -> String? {
        var remaining = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !remaining.isEmpty {
            let component = remaining.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." { _ = resolved.popLast(); continue }
            let candidate = "/" + (resolved + [component]).joined(separator: "/")
            if case .symlink(let host) = lookup(candidate) {
                hops += 1
                guard hops <= 40, let target = Self.readLink(host) else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                remaining = target.split(separator: "/").map(String.init) + remaining
                continue
            }
            resolved.append(component)
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// The names in directory `path` as the merged (overlay) view shows them: whiteouts and opaque
    /// directories respected.
    package func entries(of path: String) -> [String] {
        var names = Set<String>()
        let base = path == "/" ? "" : path
        for layer in layers {
            guard let dir = opendir(layer + base) else { continue }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.insert(name) }
            }
            closedir(dir)
        }
        return names.sorted().filter { lookup(base + "/" + $0) != .missing }
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink(path, &buf, buf.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Docker's copy-up: a new, empty volume mounted over an image directory gets that directory's content
/// first — files, directories and symlinks with their owners, modes, times and extended attributes
/// (file capabilities included; overlay's own `trusted.overlay.*` left out), hard links kept as links,
/// and the directory's own owner and mode on the volume's root. Reads only the image's unpacked layers (never a path through a
/// symlink out of them); writes only below the volume's `_data`, through directory fds and *at calls
/// that follow no symlinks.
enum VolumeCopyUp {
    /// Copy the image directory at `imagePath` (already resolved in scope) into `destination`.
    static func copy(from filesystem: ImageFilesystem, imagePath: String, to destination: String) throws(KitError) {
        guard case .directory(let hostDir) = filesystem.lookup(imagePath) else { return }
        let dfd = open(destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if dfd < 0 { throw .system(SystemError("open volume", path: destination)) }
        defer { close(dfd) }
        var links = HardLinks(rootFD: dfd)
        try copyChildren(
            filesystem, imagePath == "/" ? "" : imagePath, relative: "", into: dfd, shownAs: destination, links: &links)
        var st = stat()
        if lstat(hostDir, &st) == 0 {
            _ = fchown(dfd, st.st_uid, st.st_gid)
            _ = fchmod(dfd, st.st_mode & 0o7777)
            copyXattrs(from: hostDir, to: dfd)
        }
    }

    /// Regular files with more than one link, by (device, inode) in the layers → their first copy, as a
    /// path relative to the volume's root.
    struct HardLinks {
        let rootFD: Int32
        var seen: [String: String] = [:]
    }

    private static func copyChildren(
        _ fs: ImageFilesystem, _ path: String, relative: String, into dfd: Int32, shownAs shown: String,
        links: inout HardLinks
    ) throws(KitError) {
        for name in fs.entries(of: path.isEmpty ? "/" : path) {
            let child = path + "/" + name
            let where_ = shown + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            switch fs.lookup(child) {
            case .missing: continue
            case .directory(let host):
                var st = stat()
                guard lstat(host, &st) == 0 else { continue }
                if mkdirat(dfd, name, 0o700) != 0 { throw .system(SystemError("mkdir", path: where_)) }
                let sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if sub < 0 { throw .system(SystemError("open", path: where_)) }
                defer { close(sub) }
                try copyChildren(fs, child, relative: rel, into: sub, shownAs: where_, links: &links)
                _ = fchown(sub, st.st_uid, st.st_gid)
                _ = fchmod(sub, st.st_mode & 0o7777)
                copyXattrs(from: host, to: sub)
                var times = [st.st_atim, st.st_mtim]
                _ = futimens(sub, &times)
            case .symlink(let host):
                var st = stat()
                guard lstat(host, &st) == 0, let target = ImageFilesystem.readLink(host) else { continue }
                if symlinkat(target, dfd, name) != 0 { throw .system(SystemError("symlink", path: where_)) }
                _ = fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW)
                var times = [st.st_atim, st.st_mtim]
                _ = utimensat(dfd, name, &times, AT_SYMLINK_NOFOLLOW)
            case .file(let host):
                var st = stat()
                guard lstat(host, &st) == 0 else { continue }
                let type = st.st_mode & S_IFMT
                if type == S_IFIFO {
                    if mkfifoat(dfd, name, st.st_mode & 0o7777) != 0 {
                        throw .system(SystemError("mkfifo", path: where_))
                    }
                    _ = fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW)
                    continue
                }
                guard type == S_IFREG else { continue }  // layers hold no devices or sockets
                let key = "\(st.st_dev):\(st.st_ino)"
                if st.st_nlink > 1, let first = links.seen[key] {
                    if linkat(links.rootFD, first, dfd, name, 0) == 0 { continue }
                }
                try copyFile(host, st: st, dfd: dfd, name: name, shownAs: where_)
                if st.st_nlink > 1 { links.seen[key] = rel }
            }
        }
    }

    private static func copyFile(_ host: String, st: stat, dfd: Int32, name: String, shownAs shown: String)
        throws(KitError)
    {
        let input = open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if input < 0 { throw .system(SystemError("open", path: host)) }
        defer { close(input) }
        let output = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if output < 0 { throw .system(SystemError("create", path: shown)) }
        defer { close(output) }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw .system(SystemError("read", path: host)) }
            if n == 0 { break }
            do { try FileIO.writeAll(fd: output, bytes: buf[..<n], path: shown) } catch { throw .system(error) }
        }
        // chown first: it clears set-id bits, which the chmod then sets again.
        _ = fchown(output, st.st_uid, st.st_gid)
        _ = fchmod(output, st.st_mode & 0o7777)
        copyXattrs(from: host, to: output)
        var times = [st.st_atim, st.st_mtim]
        _ = futimens(output, &times)
    }

    /// Extended attributes of `path` onto `fd`, except overlay's own (opaque markers and the like).
    /// Best effort, as Docker's copy is: a filesystem without xattrs leaves them out.
    static func copyXattrs(from path: String, to fd: Int32) {
        for name in ExtendedAttributes.names(of: path) where !name.hasPrefix("trusted.overlay.") {
            guard let value = ExtendedAttributes.value(name, of: path) else { continue }
            ExtendedAttributes.set(name, to: value, on: fd)
        }
    }
}
