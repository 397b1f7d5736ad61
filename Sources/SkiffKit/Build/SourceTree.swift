import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Where COPY and ADD read from: the build context (less what `.dockerignore` leaves out), or an
/// image's (a stage's) layers merged as overlayfs would merge them. Paths are relative and cleaned
/// ("" is the root).
public protocol SourceTree {
    /// The host path holding `path`'s data and metadata, nil when it is not in the tree.
    func hostPath(_ path: String) -> String?
    /// The names in a directory, sorted.
    func list(_ directory: String) -> [String]
    /// How the tree is named in errors ("build context", "stage builder").
    var label: String { get }
}

extension SourceTree {
    func lstatInfo(_ path: String) -> stat? {
        guard let host = hostPath(path) else { return nil }
        var st = stat()
        return lstat(host, &st) == 0 ? st : nil
    }

    func isDirectory(_ path: String) -> Bool {
        guard let st = lstatInfo(path) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Paths matching a COPY source (a glob matched one path component at a time, like filepath.Glob).
    func glob(_ pattern: String) throws(BuildError) -> [String] {
        guard PathPattern.hasMeta(pattern) else { return hostPath(pattern) == nil ? [] : [pattern] }
        var current = [""]
        for component in pattern.split(separator: "/").map(String.init) {
            var next: [String] = []
            let matcher: PathPattern?
            do { matcher = PathPattern.hasMeta(component) ? try PathPattern(component) : nil } catch {
                throw .context(error.message)
            }
            for base in current {
                let join = { (name: String) in base.isEmpty ? name : base + "/" + name }
                if let matcher {
                    guard isDirectory(base) else { continue }
                    for name in list(base) where matcher.matches(name) { next.append(join(name)) }
                } else if hostPath(join(component)) != nil {
                    next.append(join(component))
                }
            }
            current = next
        }
        return current.sorted()
    }
}

/// The build context directory. `.dockerignore` hides paths (and a directory hides what is under it,
/// unless an exception pattern names something there).
public struct ContextTree: SourceTree {
    public let root: String
    public let ignore: IgnoreRules
    public var label: String { "build context" }

    public init(root: String, ignore: IgnoreRules) {
        self.root = root
        self.ignore = ignore
    }

    /// The context at `root`, with the rules of its `.dockerignore` if it has one.
    public static func open(_ root: String) throws(BuildError) -> ContextTree {
        guard FileIO.isDirectory(root) else { throw .context("the build context \(root) is not a directory") }
        var rules = IgnoreRules()
        if let text = try? FileIO.readString(root + "/.dockerignore") { rules = try IgnoreRules(parsing: text) }
        return ContextTree(root: root, ignore: rules)
    }

    public func hostPath(_ path: String) -> String? {
        let host = path.isEmpty ? root : root + "/" + path
        var st = stat()
        guard lstat(host, &st) == 0 else { return nil }
        if ignore.excludes(path) {
            guard (st.st_mode & S_IFMT) == S_IFDIR, ignore.mayIncludeBelow(path) else { return nil }
        }
        return host
    }

    public func list(_ directory: String) -> [String] {
        let host = directory.isEmpty ? root : root + "/" + directory
        return DirectoryListing.names(host).filter { name in
            hostPath(directory.isEmpty ? name : directory + "/" + name) != nil
        }
    }
}

/// An image's layers (top first), merged: the top layer that has a path wins, a whiteout (0/0
/// character device) deletes it, an opaque directory hides what the layers below hold under it.
public struct ImageTree: SourceTree {
    public let layers: [String]
    public let label: String

    public init(layersTopFirst: [String], label: String) {
        self.layers = layersTopFirst
        self.label = label
    }

    public func hostPath(_ path: String) -> String? {
        if path.isEmpty { return layers.first ?? "/var/empty" }
        switch ImageFilesystem(layersTopFirst: layers).lookup("/" + path) {
        case .missing: return nil
        case .file(let p), .directory(let p), .symlink(let p): return p
        }
    }

    public func list(_ directory: String) -> [String] {
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
                if lstat(current, &st) != 0 { continue layerLoop }
                if (st.st_mode & S_IFMT) != S_IFDIR { break layerLoop }
                if Self.isOpaque(current) { last = true }
            }
            if components.isEmpty, Self.isOpaque(current) { last = true }
            for name in DirectoryListing.names(current) where !seen.contains(name) {
                seen.insert(name)
                var st = stat()
                if lstat(current + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR, st.st_rdev == 0 { continue }
                names.insert(name)
            }
            if last { break }
        }
        return names.sorted()
    }

    static func isOpaque(_ dir: String) -> Bool {
        var value = [UInt8](repeating: 0, count: 4)
        let n = csys_lgetxattr(dir, "trusted.overlay.opaque", &value, value.count)
        return n == 1 && value[0] == UInt8(ascii: "y")
    }
}

enum DirectoryListing {
    /// The entries of a directory (not . and ..), sorted byte-wise; empty when it cannot be read.
    static func names(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
