import Crypto
import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Where COPY and ADD read from: the build context (less what `.dockerignore` leaves out), or an
/// image's (a stage's) layers merged as overlayfs would merge them. Paths are relative and cleaned
/// ("" is the root). A source named in a Dockerfile is first `resolve`d: its symlinks are followed
/// inside the tree (as BuildKit does: `dl -> /etc` is the tree's own `etc`); the entries below it are
/// then reached by walking real directories, and every look-up refuses a path through a symlink, so
/// nothing outside the tree is ever read.
package protocol SourceTree {
    /// The entry at `path` itself (a final symlink is not followed); nil when it is not in the tree,
    /// or when a component on the way is a symlink or `..`.
    func lstatInfo(_ path: String) -> stat?
    /// The target of the symlink at `path`.
    func readLink(_ path: String) -> String?
    /// The regular file at `path` opened for reading, or -1.
    func openFile(_ path: String) -> Int32
    /// The names in a directory, sorted.
    func list(_ directory: String) -> [String]
    /// How the tree is named in errors ("build context", "stage builder").
    var label: String { get }
}

/// One COPY source as named and as found: `path` is where its symlinks lead in the tree, `name` the
/// last component as written (a file copied into a directory keeps the name it was given).
struct SourceMatch {
    var path: String
    var name: String
}

extension SourceTree {
    func isDirectory(_ path: String) -> Bool {
        guard let st = lstatInfo(path) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    func entry(_ path: String) -> InRootPath.Entry? {
        guard let st = lstatInfo(path) else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFLNK: return readLink(path).map { .symlink(target: $0) }
        default: return .other
        }
    }

    /// `path` with its symlinks followed inside the tree; nil when it is missing, hidden or loops.
    func resolve(_ path: String) -> String? {
        InRootPath.resolve(path) { entry($0) }
    }

    /// The whole regular file at `path`.
    func read(_ path: String) throws(BuildError) -> [UInt8] {
        var out: [UInt8] = []
        try readBlocks(path) { out.append(contentsOf: $0) }
        return out
    }

    /// The SHA-256 of a regular file, read in blocks (a build context may hold files larger than memory).
    func digest(_ path: String) throws(BuildError) -> SkiffImage.Digest {
        var hasher = SHA256()
        try readBlocks(path) { hasher.update(data: $0) }
        return SkiffImage.Digest(finalized: hasher)
    }

    private func readBlocks(_ path: String, _ body: (ArraySlice<UInt8>) -> Void) throws(BuildError) {
        let fd = openFile(path)
        guard fd >= 0 else { throw .wrap(SystemError("open", path: "\(label) \(path)")) }
        defer { close(fd) }
        do { try FileIO.readBlocks(fd: fd, path: "\(label) \(path)", body) } catch { throw .wrap(error) }
    }

    /// Paths matching a COPY source (a glob matched one path component at a time, like filepath.Glob),
    /// each resolved inside the tree.
    func glob(_ pattern: String) throws(BuildError) -> [SourceMatch] {
        let components = pattern.split(separator: "/").map(String.init)
        guard PathPattern.hasMeta(pattern) else {
            return resolve(pattern).map { [SourceMatch(path: $0, name: components.last ?? "")] } ?? []
        }
        // (literal path so far, for the order; the match)
        var current: [(String, SourceMatch)] = [("", SourceMatch(path: "", name: ""))]
        for component in components {
            var next: [(String, SourceMatch)] = []
            let matcher: PathPattern?
            do { matcher = PathPattern.hasMeta(component) ? try PathPattern(component) : nil } catch {
                throw .context(error.message)
            }
            for (literal, base) in current {
                let join = { (dir: String, name: String) in dir.isEmpty ? name : dir + "/" + name }
                if let matcher {
                    guard isDirectory(base.path) else { continue }
                    for name in list(base.path) where matcher.matches(name) {
                        if let found = resolve(join(base.path, name)) {
                            next.append((join(literal, name), SourceMatch(path: found, name: name)))
                        }
                    }
                } else if let found = resolve(join(base.path, component)) {
                    next.append((join(literal, component), SourceMatch(path: found, name: component)))
                }
            }
            current = next
        }
        return current.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// The build context directory, opened once; every look-up is an openat2 beneath it that refuses
/// symlinks and `..`. `.dockerignore` hides paths (and a directory hides what is under it, unless an
/// exception pattern names something there).
package struct ContextTree: SourceTree {
    package let root: String
    package let ignore: IgnoreRules
    let directory: RootDirectory
    /// "build context", or "build context NAME" for a named one.
    package var label = "build context"

    package init(root: String, ignore: IgnoreRules) throws(BuildError) {
        self.root = root
        self.ignore = ignore
        do { directory = try RootDirectory(root) } catch { throw .context("the build context \(root): \(error)") }
    }

    /// The context at `root`, with the rules of its `.dockerignore` if it has one.
    package static func open(_ root: String, label: String = "build context") throws(BuildError) -> ContextTree {
        guard FileIO.isDirectory(root) else { throw .context("the \(label) \(root) is not a directory") }
        var tree = try ContextTree(root: root, ignore: IgnoreRules())
        if let path = tree.resolve(".dockerignore"), let bytes = try? tree.read(path) {
            tree = try ContextTree(root: root, ignore: try IgnoreRules(parsing: String(decoding: bytes, as: UTF8.self)))
        }
        tree.label = label
        return tree
    }

    package func lstatInfo(_ path: String) -> stat? {
        guard let st = directory.lstat(path) else { return nil }
        if ignore.excludes(path) {
            guard (st.st_mode & S_IFMT) == S_IFDIR, ignore.mayIncludeBelow(path) else { return nil }
        }
        return st
    }

    package func readLink(_ path: String) -> String? {
        guard lstatInfo(path) != nil else { return nil }
        return directory.readLink(path)
    }

    package func openFile(_ path: String) -> Int32 {
        guard lstatInfo(path) != nil else { errno = ENOENT; return -1 }
        return directory.open(path, flags: O_RDONLY | O_NOFOLLOW)
    }

    package func list(_ directory: String) -> [String] {
        guard lstatInfo(directory) != nil else { return [] }
        let fd = self.directory.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        guard fd >= 0 else { return [] }
        return DirectoryListing.names(fd: fd).filter { name in
            lstatInfo(directory.isEmpty ? name : directory + "/" + name) != nil
        }
    }
}

/// A directory opened once, and paths beneath it opened with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS): a symlink or `..` anywhere on the way fails the open (ELOOP / EXDEV), so a
/// path given here is never resolved outside the directory, even if the tree changes meanwhile.
final class RootDirectory: @unchecked Sendable {
    let fd: Int32

    init(_ path: String) throws(SystemError) {
        fd = Glibc.open(path, ResolvedOpen.pathOnly | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
    }

    deinit { close(fd) }

    static let resolve: PathResolution = [.beneath, .noSymlinks, .noMagicLinks]

    /// -1 with errno on failure.
    func open(_ path: String, flags: Int32) -> Int32 {
        ResolvedOpen.open(at: fd, path.isEmpty ? "." : path, flags: flags, resolve: Self.resolve)
    }

    func lstat(_ path: String) -> stat? {
        let f = open(path, flags: ResolvedOpen.pathOnly | O_NOFOLLOW)
        guard f >= 0 else { return nil }
        defer { close(f) }
        var st = stat()
        return fstat(f, &st) == 0 ? st : nil
    }

    func readLink(_ path: String) -> String? {
        let f = open(path, flags: ResolvedOpen.pathOnly | O_NOFOLLOW)
        guard f >= 0 else { return nil }
        defer { close(f) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(f, "", &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An image's layers (top first), merged: the top layer that has a path wins, a whiteout (0/0
/// character device) deletes it, an opaque directory hides what the layers below hold under it.
/// The layers are the store's own unpacked directories; a look-up stops at a symlink on the way.
package struct ImageTree: SourceTree {
    package let layers: [String]
    package let label: String

    package init(layersTopFirst: [String], label: String) {
        self.layers = layersTopFirst
        self.label = label
    }

    func hostPath(_ path: String) -> String? {
        guard !path.split(separator: "/").contains(where: { $0 == ".." }) else { return nil }
        if path.isEmpty { return layers.first ?? "/var/empty" }
        switch ImageFilesystem(layersTopFirst: layers).lookup("/" + path) {
        case .missing: return nil
        case .file(let p), .directory(let p), .symlink(let p): return p
        }
    }

    package func lstatInfo(_ path: String) -> stat? {
        guard let host = hostPath(path) else { return nil }
        var st = stat()
        return Glibc.lstat(host, &st) == 0 ? st : nil
    }

    package func readLink(_ path: String) -> String? {
        hostPath(path).flatMap(CopyStep.readLink)
    }

    package func openFile(_ path: String) -> Int32 {
        guard let host = hostPath(path) else { errno = ENOENT; return -1 }
        return Glibc.open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    }

    package func list(_ directory: String) -> [String] {
        guard directory.isEmpty || isDirectory(directory) else { return [] }
        var seen = Set<String>()
        var names = Set<String>()
        let components = directory.split(separator: "/").map(String.init)
        layerLoop: for layer in layers {
            // Walk down to the directory in this layer; a whiteout or file on the way hides the rest.
            var current = layer
            var last = false
            for component in components {
                current += "/" + component
                var st = stat()
                if Glibc.lstat(current, &st) != 0 { continue layerLoop }
                if (st.st_mode & S_IFMT) != S_IFDIR { break layerLoop }
                if Self.isOpaque(current) { last = true }
            }
            if components.isEmpty, Self.isOpaque(current) { last = true }
            for name in DirectoryListing.names(current) where !seen.contains(name) {
                seen.insert(name)
                var st = stat()
                if Glibc.lstat(current + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR, st.st_rdev == 0 {
                    continue
                }
                names.insert(name)
            }
            if last { break }
        }
        return names.sorted()
    }

    static func isOpaque(_ dir: String) -> Bool {
        ExtendedAttributes.isOverlayOpaque(dir)
    }
}

enum DirectoryListing {
    /// The entries of a directory (not . and ..), sorted byte-wise; empty when it cannot be read.
    static func names(_ path: String) -> [String] {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        return names(fd: fd)
    }

    /// The same for an open directory, which is closed.
    static func names(fd: Int32) -> [String] {
        guard let dir = fdopendir(fd) else { close(fd); return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
