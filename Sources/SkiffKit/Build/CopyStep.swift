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
        /// A file, directory or symlink in a source tree (a directory's contents are copied), found
        /// (symlinks followed inside the tree) at the match's path.
        case tree(SourceTree, SourceMatch)
        /// Bytes with a name: a here-document or a downloaded file.
        case inline(name: String, bytes: [UInt8], mode: mode_t)
        /// ADD of a local tar archive (a regular file of the tree): its contents are extracted into the destination.
        case archive(SourceTree, SourceMatch)
    }

    var items: [Item]
    /// Absolute path in the image.
    var destination: String
    var destinationIsDirectory: Bool
    var owner: (uid: UInt32, gid: UInt32)?
    var mode: mode_t?

    // MARK: cache key

    func contentDigest() throws(BuildError) -> String { Self.digest(try contentLines()) }

    static func digest(_ lines: [String]) -> String { Digest.of(Array(lines.joined(separator: "\n").utf8)).description }

    /// One line per source file (path, mode, owner, content digest): what the cache key hashes, kept in
    /// the cache entry so a miss can name the file that changed.
    func contentLines() throws(BuildError) -> [String] {
        var lines: [String] = []
        for item in items {
            switch item {
            case .tree(let tree, let match):
                lines.append("tree \(tree.label) \(match.path) \(match.name)")
                try describe(tree, match.path, relative: ".", into: &lines)
            case .inline(let name, let bytes, let mode):
                lines.append("inline \(name) \(String(mode, radix: 8)) \(Digest.of(bytes).hex)")
            case .archive(let tree, let match):
                lines.append("archive \(match.name) \(try tree.digest(match.path).hex)")
            }
        }
        if let owner { lines.append("chown \(owner.uid):\(owner.gid)") }
        if let mode { lines.append("chmod \(String(mode, radix: 8))") }
        return lines
    }

    private func describe(_ tree: SourceTree, _ path: String, relative: String, into lines: inout [String])
        throws(BuildError)
    {
        guard let st = tree.lstatInfo(path) else { return }
        let perm = String(st.st_mode & 0o7777, radix: 8)
        let head = "\(relative) \(perm) \(st.st_uid):\(st.st_gid)"
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            lines.append("d \(head)")
            for name in tree.list(path) {
                try describe(
                    tree, path.isEmpty ? name : path + "/" + name, relative: relative + "/" + name, into: &lines)
            }
        case S_IFLNK:
            lines.append("l \(head) \(tree.readLink(path) ?? "")")
        case S_IFREG:
            lines.append("f \(head) \(st.st_size) \(try tree.digest(path).hex)")
        default:
            break  // sockets, fifos and devices are not copied
        }
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
        let stager = try Stager(rootfs: rootfs, image: image, owner: owner, mode: mode)
        for item in items {
            switch item {
            case .tree(let tree, let match):
                guard let st = tree.lstatInfo(match.path) else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    try stager.ensureDirectory(destination, created: owner)
                    for name in tree.list(match.path) {
                        try stager.copy(
                            tree, match.path.isEmpty ? name : match.path + "/" + name, to: Self.join(destination, name))
                    }
                } else {
                    let target = destinationIsDirectory ? Self.join(destination, match.name) : destination
                    try stager.ensureDirectory(Self.parent(target), created: destinationIsDirectory ? owner : nil)
                    try stager.copy(tree, match.path, to: target)
                }
            case .inline(let name, let bytes, let fileMode):
                let target = destinationIsDirectory ? Self.join(destination, name) : destination
                try stager.ensureDirectory(Self.parent(target), created: destinationIsDirectory ? owner : nil)
                try stager.write(bytes, mode: fileMode, to: target)
            case .archive(let tree, let match):
                try stager.ensureDirectory(destination, created: owner)
                try Self.extract(tree, match, into: stager, at: destination)
            }
        }
    }

    /// A tar archive (plain, gzip, bzip2 or xz) extracted with owners and modes kept. tar unpacks into
    /// a fresh directory of its own (where it guards against the archive's own symlinks), reading the
    /// archive as its fd 0 opened in the tree (/proc/self/fd/0: a file, so tar still detects the
    /// compression); the result is then merged into the layer through StagingDirectory. tar never
    /// writes into the layer itself, where it would follow a symlink an earlier source left there.
    static func extract(_ tree: SourceTree, _ match: SourceMatch, into stager: Stager, at directory: String)
        throws(BuildError)
    {
        let input = tree.openFile(match.path)
        guard input >= 0 else { throw .wrap(SystemError("open", path: "\(tree.label) \(match.path)")) }
        defer { close(input) }
        let scratch: String
        do {
            scratch = try FileIO.makeTemporaryDirectory(in: parent(stager.layer.path), prefix: ".add-")
        } catch { throw .wrap(error) }
        defer { FileIO.removeTree(scratch) }
        let status = runTool(
            "/bin/tar", ["--numeric-owner", "--same-owner", "-xpf", "/proc/self/fd/0", "-C", scratch], input: input)
        guard status == 0 else { throw .context("ADD failed: cannot extract \(match.name): tar exited with \(status)") }
        let unpacked = try ContextTree(root: scratch, ignore: IgnoreRules())
        let merger = stager.keepingOwners()
        for name in unpacked.list("") {
            try merger.copy(unpacked, name, to: join(directory, name))
        }
    }

    /// Whether `tar` can list the file: ADD extracts only archives it recognizes.
    static func isArchive(_ tree: SourceTree, _ path: String) -> Bool {
        let input = tree.openFile(path)
        guard input >= 0 else { return false }
        defer { close(input) }
        return runTool("/bin/tar", ["-tf", "/proc/self/fd/0"], input: input) == 0
    }

    /// Run a tool with `input` as its stdin, its output discarded; its exit status (127: not run).
    static func runTool(_ tool: String, _ args: [String], input: Int32) -> Int32 {
        guard let pid = try? Subprocess.spawn([tool] + args, stdin: .fd(input), stdout: .null, stderr: .null),
            let status = try? Subprocess.wait(pid)
        else { return 127 }
        return status.exitCode
    }

    static func join(_ dir: String, _ name: String) -> String { dir == "/" ? "/" + name : dir + "/" + name }
    static func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// Writes files into a layer directory with the metadata COPY gives them (through StagingDirectory,
/// so nothing is written outside it).
struct Stager {
    let layer: StagingDirectory
    let image: ImageFilesystem
    let owner: (uid: UInt32, gid: UInt32)?
    let mode: mode_t?
    /// Copies keep the source's owners, modes and device nodes (an extracted archive), not COPY's.
    var keepOwners = false

    init(rootfs: String, image: ImageFilesystem, owner: (uid: UInt32, gid: UInt32)?, mode: mode_t?) throws(BuildError) {
        layer = try StagingDirectory(rootfs)
        self.image = image
        self.owner = owner
        self.mode = mode
    }

    private init(layer: StagingDirectory, image: ImageFilesystem) {
        self.layer = layer
        self.image = image
        owner = nil
        mode = nil
        keepOwners = true
    }

    func keepingOwners() -> Stager { Stager(layer: layer, image: image) }

    /// Make `path` (absolute in the image) and its parents in the layer.
    func ensureDirectory(_ path: String, created: (uid: UInt32, gid: UInt32)?) throws(BuildError) {
        var prefix = ""
        let components = path.split(separator: "/").filter { $0 != "." && $0 != ".." }
        for (i, component) in components.enumerated() {
            prefix += "/" + component
            if let st = layer.lstat(prefix) {
                guard (st.st_mode & S_IFMT) == S_IFDIR else {
                    throw .context("cannot copy to \(prefix): it is not a directory")
                }
                continue
            }
            var st = stat()
            if case .directory(let existing) = image.lookup(prefix), stat(existing, &st) == 0 {
                try layer.makeDirectory(prefix, mode: st.st_mode & 0o7777)
                layer.setMetadata(
                    prefix, owner: (st.st_uid, st.st_gid), mode: st.st_mode & 0o7777, times: [st.st_atim, st.st_mtim])
                continue
            }
            if case .file = image.lookup(prefix) {
                throw .context("cannot copy to \(prefix): it is a file in the image")
            }
            try layer.makeDirectory(prefix, mode: 0o755)
            if i == components.count - 1, let created {
                layer.setMetadata(prefix, owner: created, mode: nil, times: nil)
            }
        }
    }

    func copy(_ tree: SourceTree, _ path: String, to target: String) throws(BuildError) {
        guard let st = tree.lstatInfo(path) else { return }
        let owner =
            keepOwners ? (uid: st.st_uid, gid: st.st_gid) : (uid: self.owner?.uid ?? 0, gid: self.owner?.gid ?? 0)
        let perm = mode ?? (st.st_mode & 0o7777)
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            // An earlier source may have left a symlink or file here: it is replaced, never followed.
            try layer.replaceWithDirectory(target)
            for name in tree.list(path) {
                try copy(tree, path.isEmpty ? name : path + "/" + name, to: CopyStep.join(target, name))
            }
            layer.setMetadata(target, owner: owner, mode: perm, times: nil)
        case S_IFLNK:
            guard let link = tree.readLink(path) else {
                throw .wrap(SystemError("readlink", path: "\(tree.label) \(path)"))
            }
            try layer.makeSymlink(target, target: link)
            layer.setMetadata(target, owner: owner, mode: nil, times: nil)
        case S_IFREG:
            let source = tree.openFile(path)
            guard source >= 0 else { throw .wrap(SystemError("open", path: "\(tree.label) \(path)")) }
            defer { close(source) }
            try layer.copyFile(target, from: source, mode: 0o600)
            layer.setMetadata(target, owner: owner, mode: perm, times: nil)
        case S_IFCHR where keepOwners, S_IFBLK where keepOwners, S_IFIFO where keepOwners:
            try layer.makeNode(target, mode: st.st_mode, device: st.st_rdev)
            layer.setMetadata(target, owner: owner, mode: perm, times: nil)
        default:
            return
        }
        layer.setMetadata(target, owner: nil, mode: nil, times: [st.st_atim, st.st_mtim])
    }

    func write(_ bytes: [UInt8], mode fileMode: mode_t, to target: String) throws(BuildError) {
        try layer.writeFile(target, bytes: bytes, mode: 0o600)
        layer.setMetadata(target, owner: (owner?.uid ?? 0, owner?.gid ?? 0), mode: mode ?? fileMode, times: nil)
    }
}
