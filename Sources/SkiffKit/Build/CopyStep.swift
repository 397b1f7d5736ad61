import Foundation
import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What one COPY or ADD puts into its layer, worked out before anything is written: the sources,
/// the destination and the owner/mode changes. `contentDigest` is the cache's view of the sources
/// (names, types, modes, owners and bytes; never mtimes); `stage` writes the layer's tree.
struct CopyStep {
    enum Item {
        /// A file, directory or symlink in a source tree (a directory's contents are copied).
        case tree(SourceTree, String)
        /// Bytes with a name: a here-document or a downloaded file.
        case inline(name: String, bytes: [UInt8], mode: mode_t)
        /// ADD of a local tar archive: its contents are extracted into the destination.
        case archive(hostPath: String, name: String)
    }

    var items: [Item]
    /// Absolute path in the image.
    var destination: String
    var destinationIsDirectory: Bool
    var owner: (uid: UInt32, gid: UInt32)?
    var mode: mode_t?

    // MARK: cache key

    func contentDigest() throws(BuildError) -> String {
        var lines: [String] = []
        for item in items {
            switch item {
            case .tree(let tree, let path):
                lines.append("tree \(tree.label) \(path)")
                try describe(tree, path, relative: ".", into: &lines)
            case .inline(let name, let bytes, let mode):
                lines.append("inline \(name) \(String(mode, radix: 8)) \(Digest.of(bytes).hex)")
            case .archive(let host, let name):
                lines.append("archive \(name) \(try fileDigest(host))")
            }
        }
        if let owner { lines.append("chown \(owner.uid):\(owner.gid)") }
        if let mode { lines.append("chmod \(String(mode, radix: 8))") }
        return Digest.of(Array(lines.joined(separator: "\n").utf8)).description
    }

    private func describe(_ tree: SourceTree, _ path: String, relative: String, into lines: inout [String]) throws(BuildError) {
        guard let host = tree.hostPath(path) else { return }
        var st = stat()
        guard lstat(host, &st) == 0 else { throw .context("stat \(host): \(String(cString: strerror(errno)))") }
        let perm = String(st.st_mode & 0o7777, radix: 8)
        let head = "\(relative) \(perm) \(st.st_uid):\(st.st_gid)"
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            lines.append("d \(head)")
            for name in tree.list(path) {
                try describe(tree, path.isEmpty ? name : path + "/" + name, relative: relative + "/" + name, into: &lines)
            }
        case S_IFLNK:
            lines.append("l \(head) \(Self.readLink(host) ?? "")")
        case S_IFREG:
            lines.append("f \(head) \(st.st_size) \(try fileDigest(host))")
        default:
            break  // sockets, fifos and devices are not copied
        }
    }

    private func fileDigest(_ host: String) throws(BuildError) -> String {
        do { return Digest.of(try FileIO.read(host)).hex } catch { throw .wrap(error) }
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: the layer's tree

    /// Write the files under `rootfs` (the new layer's root). Parent directories that the image has
    /// keep its mode and owner; new ones are 0755 root (the destination itself gets --chown).
    func stage(into rootfs: String, image: ImageFilesystem) throws(BuildError) {
        let stager = Stager(rootfs: rootfs, image: image, owner: owner, mode: mode)
        for item in items {
            switch item {
            case .tree(let tree, let path):
                guard let host = tree.hostPath(path) else { continue }
                var st = stat()
                guard lstat(host, &st) == 0 else { throw .context("stat \(host): \(String(cString: strerror(errno)))") }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    try stager.ensureDirectory(destination, created: owner)
                    for name in tree.list(path) {
                        try stager.copy(tree, path.isEmpty ? name : path + "/" + name, to: Self.join(destination, name))
                    }
                } else {
                    let target = destinationIsDirectory ? Self.join(destination, Self.baseName(path)) : destination
                    try stager.ensureDirectory(Self.parent(target), created: destinationIsDirectory ? owner : nil)
                    try stager.copy(tree, path, to: target)
                }
            case .inline(let name, let bytes, let fileMode):
                let target = destinationIsDirectory ? Self.join(destination, name) : destination
                try stager.ensureDirectory(Self.parent(target), created: destinationIsDirectory ? owner : nil)
                try stager.write(bytes, mode: fileMode, to: target)
            case .archive(let host, _):
                try stager.ensureDirectory(destination, created: owner)
                try Self.extract(archive: host, into: rootfs + destination)
            }
        }
    }

    /// A tar archive (plain, gzip, bzip2 or xz) extracted with owners and modes kept.
    static func extract(archive: String, into directory: String) throws(BuildError) {
        let status = Self.runTool("/bin/tar", ["--numeric-owner", "--same-owner", "-xpf", archive, "-C", directory])
        guard status == 0 else { throw .context("ADD failed: cannot extract \(baseName(archive)): tar exited with \(status)") }
    }

    /// Whether `tar` can list the file: ADD extracts only archives it recognizes.
    static func isArchive(_ path: String) -> Bool {
        runTool("/bin/tar", ["-tf", path]) == 0
    }

    static func runTool(_ tool: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        do { try p.run() } catch { return 127 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func join(_ dir: String, _ name: String) -> String { dir == "/" ? "/" + name : dir + "/" + name }
    static func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// Writes files into a layer directory with the metadata COPY gives them.
struct Stager {
    let rootfs: String
    let image: ImageFilesystem
    let owner: (uid: UInt32, gid: UInt32)?
    let mode: mode_t?

    /// Make `path` (absolute in the image) and its parents in the layer.
    func ensureDirectory(_ path: String, created: (uid: UInt32, gid: UInt32)?) throws(BuildError) {
        var prefix = ""
        let components = path.split(separator: "/")
        for (i, component) in components.enumerated() {
            prefix += "/" + component
            let host = rootfs + prefix
            var st = stat()
            if lstat(host, &st) == 0 {
                guard (st.st_mode & S_IFMT) == S_IFDIR else { throw .context("cannot copy to \(prefix): it is not a directory") }
                continue
            }
            if case .directory(let existing) = image.lookup(prefix), stat(existing, &st) == 0 {
                guard mkdir(host, st.st_mode & 0o7777) == 0 else { throw .wrap(SystemError("mkdir", path: host)) }
                chmod(host, st.st_mode & 0o7777)
                lchown(host, st.st_uid, st.st_gid)
                var times = [st.st_atim, st.st_mtim]
                utimensat(AT_FDCWD, host, &times, AT_SYMLINK_NOFOLLOW)
                continue
            }
            if case .file = image.lookup(prefix) { throw .context("cannot copy to \(prefix): it is a file in the image") }
            guard mkdir(host, 0o755) == 0 else { throw .wrap(SystemError("mkdir", path: host)) }
            chmod(host, 0o755)
            if i == components.count - 1, let created { lchown(host, created.uid, created.gid) }
        }
    }

    func copy(_ tree: SourceTree, _ path: String, to target: String) throws(BuildError) {
        guard let source = tree.hostPath(path) else { return }
        var st = stat()
        guard lstat(source, &st) == 0 else { throw .wrap(SystemError("lstat", path: source)) }
        let host = rootfs + target
        let uid = owner?.uid ?? 0
        let gid = owner?.gid ?? 0
        let perm = mode ?? (st.st_mode & 0o7777)
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            var existing = stat()
            if lstat(host, &existing) != 0 {
                guard mkdir(host, 0o700) == 0 else { throw .wrap(SystemError("mkdir", path: host)) }
            }
            for name in tree.list(path) { try copy(tree, path.isEmpty ? name : path + "/" + name, to: CopyStep.join(target, name)) }
            lchown(host, uid, gid)
            chmod(host, perm)
        case S_IFLNK:
            unlinkIfFile(host)
            guard let link = CopyStep.readLink(source), symlink(link, host) == 0 else {
                throw .wrap(SystemError("symlink", path: host))
            }
            lchown(host, uid, gid)
        case S_IFREG:
            let bytes: [UInt8]
            do { bytes = try FileIO.read(source) } catch { throw .wrap(error) }
            try write(bytes, mode: perm, to: target)
        default:
            return
        }
        var times = [st.st_atim, st.st_mtim]
        utimensat(AT_FDCWD, host, &times, AT_SYMLINK_NOFOLLOW)
    }

    func write(_ bytes: [UInt8], mode fileMode: mode_t, to target: String) throws(BuildError) {
        let host = rootfs + target
        unlinkIfFile(host)
        do { try FileIO.create(host, contents: bytes, mode: 0o600) } catch { throw .wrap(error) }
        lchown(host, owner?.uid ?? 0, owner?.gid ?? 0)
        chmod(host, mode ?? fileMode)
    }

    private func unlinkIfFile(_ host: String) {
        var st = stat()
        if lstat(host, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR { unlink(host) }
    }
}
