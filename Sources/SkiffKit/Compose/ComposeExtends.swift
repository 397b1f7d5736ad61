import Foundation

/// `extends:` (Compose Spec): a service starts from another one, of the same file or of `file:` (relative
/// to the extending file's directory), and its own keys are merged over it by the rules `-f` files merge
/// by (ComposeMerge). `depends_on`, `volumes_from` and `links` are not inherited, so a service's
/// dependencies stay visible where it is written. Relative paths of a service written in another
/// directory are made absolute against that directory. Each file is resolved before `-f` merging.
package struct ComposeExtends {
    /// Reads, interpolates and checks another file (what the loader does to a `-f` file).
    package typealias Loader = (String) throws(ComposeError) -> ComposeTree

    /// Where the merged project resolves relative paths.
    package var projectDirectory: String
    var load: Loader
    /// For a file read from an `oci://` artifact: the `extends.file` named (a layer's name) → the key
    /// the loader holds that layer's text under, or nil when the artifact has no such file. Nil for a
    /// file on disk.
    package var artifactFile: (_ from: String, _ name: String) -> String?? = { _, _ in nil }
    private var files: [String: ComposeTree] = [:]

    package init(projectDirectory: String, load: @escaping Loader) {
        self.projectDirectory = projectDirectory
        self.load = load
    }

    /// One service of one file, on the way down a chain of `extends`.
    struct Link: Hashable {
        var file: String
        var service: String
    }

    /// `tree` (the file `file`, interpolated) with every service's `extends` replaced by the merged result.
    package mutating func resolve(_ tree: ComposeTree, file: String) throws(ComposeError) -> ComposeTree {
        guard let services = tree["services"]?.entries, services.contains(where: { $0.value["extends"] != nil })
        else { return tree }
        files[file] = tree
        var out = tree
        var resolved: [ComposeTree.Entry] = []
        for e in services { resolved.append(.init(e.key, try service(e.value, named: e.key, in: file, chain: []))) }
        out.set("services", .mapping(resolved))
        return out
    }

    mutating func service(_ svc: ComposeTree, named name: String, in file: String, chain: [Link])
        throws(ComposeError) -> ComposeTree
    {
        guard case .mapping = svc, let ext = svc["extends"] else { return svc }
        let path = "services.\(name).extends"
        let (baseName, baseFile, namePath) = try target(ext, path: path, file: file)
        let chain = chain + [Link(file: file, service: name)]
        let next = Link(file: baseFile, service: baseName)
        if chain.contains(next) {
            let crossFile = Set((chain + [next]).map(\.file)).count > 1
            let names = (chain + [next]).map { crossFile ? "\($0.service) (\($0.file))" : $0.service }
            throw .invalid(file: file, path: path, reason: "extends cycle: " + names.joined(separator: " → "))
        }
        let baseTree = try tree(of: baseFile, from: file, path: path + ".file")
        guard let baseService = baseTree["services"]?[baseName] else {
            throw .invalid(
                file: file, path: namePath,
                reason: "no service \"\(baseName)\" to extend"
                    + (baseFile == file ? "" : " in \(baseFile)"))
        }
        var base = try service(baseService, named: baseName, in: baseFile, chain: chain)
        guard case .mapping = base else {
            throw .invalid(
                file: baseFile, path: "services.\(baseName)", reason: "must be a mapping to be extended")
        }
        for key in ["depends_on", "volumes_from", "links"] { base.remove(key) }
        let baseDirectory = (baseFile as NSString).deletingLastPathComponent
        // A file read from an `oci://` artifact has no directory: its paths are the project directory's.
        if baseDirectory != projectDirectory && !baseFile.hasPrefix(ComposeRemote.scheme) {
            base = Self.rebase(base, against: baseDirectory)
        }
        var own = svc
        own.remove("extends")
        return ComposeMerge.mergeService(base, own)
    }

    /// `extends: NAME` or `extends: {service: NAME, file: PATH}` → the service, its file, and the path to
    /// name in an error about the service.
    func target(_ ext: ComposeTree, path: String, file: String) throws(ComposeError) -> (String, String, String) {
        switch ext {
        case .scalar(let s, _) where !s.isEmpty:
            return (s, file, path)
        case .mapping:
            guard let s = ext["service"]?.scalarText, !s.isEmpty else {
                throw .invalid(file: file, path: path + ".service", reason: "the service to extend is required")
            }
            guard let f = ext["file"] else { return (s, file, path + ".service") }
            guard let fs = f.scalarText, !fs.isEmpty else {
                throw .invalid(file: file, path: path + ".file", reason: "must be a path to a compose file")
            }
            // In an artifact, the extended file is one of its layers, found by name, never on disk.
            if let inArtifact = artifactFile(file, fs) {
                guard let key = inArtifact else {
                    throw .invalid(
                        file: file, path: path + ".file", reason: "the OCI artifact holds no extended file \"\(fs)\"")
                }
                return (s, key, path + ".service")
            }
            let dir = (file as NSString).deletingLastPathComponent
            return (s, ComposePaths.resolve(fs, against: dir), path + ".service")
        default:
            throw .invalid(
                file: file, path: path, reason: "must be a service name or a mapping with service (and file)")
        }
    }

    mutating func tree(of file: String, from: String, path: String) throws(ComposeError) -> ComposeTree {
        if let t = files[file] { return t }
        guard file.hasPrefix(ComposeRemote.scheme) || FileManager.default.fileExists(atPath: file) else {
            throw .invalid(file: from, path: path, reason: "no such file: \(file)")
        }
        let t = try load(file)
        files[file] = t
        return t
    }

    /// The service's relative host paths (build context, env files, bind sources, label files, watched
    /// paths) made absolute against `directory`, the directory of the file it is written in.
    static func rebase(_ svc: ComposeTree, against directory: String) -> ComposeTree {
        func abs(_ t: ComposeTree) -> ComposeTree {
            guard case .scalar(let s, let q) = t, !s.hasPrefix("/"), !s.hasPrefix("~") else { return t }
            return .scalar(ComposePaths.resolve(s, against: directory), quoted: q)
        }
        func absList(_ t: ComposeTree) -> ComposeTree {
            switch t {
            case .scalar: return abs(t)
            case .sequence(let items):
                return .sequence(
                    items.map { item in
                        guard case .mapping = item, let p = item["path"] else { return abs(item) }
                        var m = item
                        m.set("path", abs(p))
                        return m
                    })
            default: return t
            }
        }
        var out = svc
        if let b = svc["build"] {
            if case .scalar(let s, _) = b, !isRemote(s) {
                out.set("build", abs(b))
            } else if case .mapping = b {
                var m = b
                let context = b["context"] ?? .string(".")
                if !isRemote(context.scalarText ?? "") { m.set("context", abs(context)) }
                if let extra = b["additional_contexts"] { m.set("additional_contexts", rebaseContexts(extra, abs)) }
                out.set("build", m)
            }
        }
        if let e = svc["env_file"] { out.set("env_file", absList(e)) }
        if let l = svc["label_file"] { out.set("label_file", absList(l)) }
        if let v = svc["volumes"]?.items {
            out.set(
                "volumes",
                .sequence(
                    v.map { item in
                        switch item {
                        case .scalar(let s, let q):
                            var parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                            guard parts.count >= 2, ComposePaths.isHostPath(parts[0]), !parts[0].hasPrefix("/"),
                                !parts[0].hasPrefix("~")
                            else { return item }
                            parts[0] = ComposePaths.resolve(parts[0], against: directory)
                            return .scalar(parts.joined(separator: ":"), quoted: q)
                        case .mapping:
                            guard item["type"]?.scalarText == "bind", let src = item["source"] else { return item }
                            var m = item
                            m.set("source", abs(src))
                            return m
                        default: return item
                        }
                    }))
        }
        if let rules = svc["develop"]?["watch"]?.items, var develop = svc["develop"] {
            develop.set(
                "watch",
                .sequence(
                    rules.map { r in
                        guard let p = r["path"] else { return r }
                        var m = r
                        m.set("path", abs(p))
                        return m
                    }))
            out.set("develop", develop)
        }
        return out
    }

    /// `build.additional_contexts` (a mapping or NAME=VALUE items) with its directories made absolute;
    /// `service:NAME`, `docker-image://…` and URLs are left as written.
    static func rebaseContexts(_ t: ComposeTree, _ abs: (ComposeTree) -> ComposeTree) -> ComposeTree {
        func isPath(_ v: String) -> Bool { !v.hasPrefix("service:") && !v.contains("://") && !isRemote(v) }
        switch t {
        case .mapping(let entries):
            return .mapping(
                entries.map { e in
                    guard let v = e.value.scalarText, isPath(v) else { return e }
                    return .init(e.key, abs(e.value))
                })
        case .sequence(let items):
            return .sequence(
                items.map { item in
                    guard case .scalar(let text, let q) = item, let eq = text.firstIndex(of: "=") else { return item }
                    let value = String(text[text.index(after: eq)...])
                    guard isPath(value), let rebased = abs(.string(value)).scalarText else { return item }
                    return .scalar(String(text[..<eq]) + "=" + rebased, quoted: q)
                })
        default: return t
        }
    }

    /// A build context that is a URL (git or an archive), not a directory.
    static func isRemote(_ context: String) -> Bool {
        context.contains("://") || context.hasPrefix("git@")
    }
}
