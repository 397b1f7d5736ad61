import Foundation

/// `include:` (Compose Spec): each entry is loaded as a compose application of its own — its files
/// merged as `-f` files are, interpolated with the including project's variables plus its own env
/// file (`.env` in its project directory unless `env_file:` names others; the including project's
/// values win), its `extends` and nested `include` resolved, and its relative paths made absolute
/// against its project directory (the first file's directory unless `project_directory:` says).
/// Its services, networks, volumes, secrets and configs are then copied into the including file,
/// which may override them (its definition merged over the imported one).
package struct ComposeInclude {
    /// The including project's variables (the caller's environment over its `.env`).
    var variables: [String: String]
    /// Variables an included file used without a value, for the loader's warnings.
    package var unset: [String] = []
    /// Off for `config --no-interpolate`: included files are merged as written, not checked.
    package var interpolate = true
    /// Where an `oci://` entry is read from (the loader's artifacts, in memory).
    package var artifacts: ComposeArtifactFiles?

    package init(variables: [String: String], interpolate: Bool = true) {
        self.variables = variables
        self.interpolate = interpolate
    }

    static let sections = ["services", "networks", "volumes", "secrets", "configs"]

    /// `tree` (the file `file`, interpolated) without `include:`, with what it includes copied in.
    /// `directory`: where the including model resolves relative paths; `chain`: the files being
    /// included, to refuse a cycle.
    package mutating func apply(_ tree: ComposeTree, file: String, directory: String, chain: [String] = [])
        throws(ComposeError) -> ComposeTree
    {
        guard let inc = tree["include"] else { return tree }
        var out = tree
        out.remove("include")
        guard case .sequence(let items) = inc else {
            if case .null = inc { return out }
            throw .invalid(file: file, path: "include", reason: "must be a list of files to include")
        }
        for (i, item) in items.enumerated() {
            let path = "include[\(i)]"
            let entry = try Entry(item, path: path, file: file, directory: directory)
            let imported = try load(entry, path: path, from: file, chain: chain + [file])
            // What the including file declares too is merged over the imported definition, by the
            // rules `-f` files merge by (as Docker Compose does since 2.24).
            let sections = Self.sections.compactMap { k in imported[k].map { ComposeTree.Entry(k, $0) } }
            out = ComposeMerge.merge(.mapping(sections), out)
        }
        return out
    }

    /// One `include:` entry: a path, or `{path, project_directory, env_file}`.
    struct Entry {
        var paths: [String]
        var projectDirectory: String
        var envFiles: [String]
        var envFilesGiven: Bool

        init(_ item: ComposeTree, path: String, file: String, directory: String) throws(ComposeError) {
            func strings(_ t: ComposeTree?, _ p: String) throws(ComposeError) -> [String] {
                switch t {
                case nil, .null?: return []
                case .scalar(let s, _)?: return [s]
                case .sequence(let items)?:
                    var out: [String] = []
                    for (i, x) in items.enumerated() {
                        guard let s = x.scalarText else {
                            throw .invalid(file: file, path: "\(p)[\(i)]", reason: "must be a path")
                        }
                        out.append(s)
                    }
                    return out
                default: throw .invalid(file: file, path: p, reason: "must be a path or a list of paths")
                }
            }
            let given: [String]
            var projectDirectory: String?
            var envFiles: [String] = []
            switch item {
            case .scalar(let s, _):
                given = [s]
            case .mapping(let entries):
                for e in entries where !["path", "project_directory", "env_file"].contains(e.key) {
                    throw .invalid(
                        file: file, path: "\(path).\(e.key)",
                        reason: "unknown key (an include entry has path, project_directory and env_file)")
                }
                given = try strings(item["path"], path + ".path")
                if let d = item["project_directory"] {
                    guard let s = d.scalarText, !s.isEmpty else {
                        throw .invalid(file: file, path: path + ".project_directory", reason: "must be a directory")
                    }
                    projectDirectory = s
                }
                envFiles = try strings(item["env_file"], path + ".env_file")
            default:
                throw .invalid(file: file, path: path, reason: "must be a path or a mapping with path")
            }
            guard !given.isEmpty, !given.contains(where: \.isEmpty) else {
                throw .invalid(file: file, path: path, reason: "the file to include is required (path:)")
            }
            // An `oci://` artifact has no directory: its paths are the including model's.
            let remote = given[0].hasPrefix(ComposeRemote.scheme)
            paths = given.map { $0.hasPrefix(ComposeRemote.scheme) ? $0 : ComposePaths.resolve($0, against: directory) }
            self.projectDirectory =
                projectDirectory.map { ComposePaths.resolve($0, against: directory) }
                ?? (remote ? directory : (paths[0] as NSString).deletingLastPathComponent)
            envFilesGiven = !envFiles.isEmpty
            self.envFiles =
                envFilesGiven
                ? envFiles.map { ComposePaths.resolve($0, against: directory) }
                : remote ? [] : [self.projectDirectory + "/.env"]
        }
    }

    /// The included application, as one tree whose relative paths are absolute.
    mutating func load(_ entry: Entry, path: String, from file: String, chain: [String]) throws(ComposeError)
        -> ComposeTree
    {
        var vars = variables
        for envFile in entry.envFiles {
            guard FileManager.default.fileExists(atPath: envFile) else {
                if !entry.envFilesGiven { continue }
                throw .invalid(file: file, path: path + ".env_file", reason: "no such file: \(envFile)")
            }
            let text = try ComposeLoader.read(envFile)
            do {
                // The including project's variables win over the included env file's.
                for (k, v) in try ComposeEnvFile.parse(text, environment: variables) where vars[k] == nil {
                    vars[k] = v ?? ""
                }
            } catch {
                throw .invalid(file: envFile, path: "line \(error.line)", reason: error.reason)
            }
        }
        var interpolation = ComposeInterpolation(variables: vars)
        interpolation.enabled = interpolate
        var nested = ComposeInclude(variables: vars, interpolate: interpolate)
        nested.artifacts = artifacts
        let artifacts = artifacts
        func read(_ p: String) throws(ComposeError) -> String {
            if let artifacts { return try artifacts.read(p) }
            return try ComposeLoader.read(p)
        }
        var extendedUnset: [String] = []
        var extends = ComposeExtends(projectDirectory: entry.projectDirectory) { (p: String) throws(ComposeError) in
            var tree = try ComposeTree.parse(yaml: try read(p), file: p)
            tree = try interpolation.interpolate(tree, file: p, unset: &extendedUnset)
            try ComposeSchema.validate(tree, file: p)
            return tree
        }
        if let artifacts { extends.artifactFile = { from, name in artifacts.extendedFile(from: from, name: name) } }
        var files: [String] = []
        for f in entry.paths {
            if chain.contains(f) {
                throw .invalid(
                    file: file, path: path, reason: "include cycle: " + (chain + [f]).joined(separator: " → "))
            }
            if f.hasPrefix(ComposeRemote.scheme), let artifacts {
                let keys = try artifacts.add(f)
                if let again = keys.first(where: chain.contains) {
                    throw .invalid(
                        file: file, path: path, reason: "include cycle: " + (chain + [again]).joined(separator: " → "))
                }
                files += keys
                continue
            }
            guard FileManager.default.fileExists(atPath: f) else {
                throw .invalid(file: file, path: path, reason: "no such file: \(f)")
            }
            files.append(f)
        }
        var merged: ComposeTree?
        for f in files {
            var tree = try ComposeTree.parse(yaml: try read(f), file: f)
            tree = try interpolation.interpolate(tree, file: f, unset: &unset)
            try ComposeSchema.validate(tree, file: f)
            tree = try nested.apply(tree, file: f, directory: entry.projectDirectory, chain: chain)
            tree = try extends.resolve(tree, file: f)
            // Checked on its own, so an error names the file it is in.
            if interpolate {
                var check = ComposeParser(file: f, directory: entry.projectDirectory, projectName: "project")
                check.partial = true
                _ = try check.parse(tree)
            }
            merged = merged.map { ComposeMerge.merge($0, tree) } ?? tree
        }
        unset += nested.unset + extendedUnset
        return Self.rebase(merged ?? .mapping([]), against: entry.projectDirectory)
    }

    /// Relative host paths of services, secrets and configs made absolute against `directory`.
    static func rebase(_ tree: ComposeTree, against directory: String) -> ComposeTree {
        var out = tree
        if let services = tree["services"]?.entries {
            out.set(
                "services",
                .mapping(services.map { .init($0.key, ComposeExtends.rebase($0.value, against: directory)) }))
        }
        for section in ["secrets", "configs"] {
            guard let defs = tree[section]?.entries else { continue }
            out.set(
                section,
                .mapping(
                    defs.map { e in
                        guard case .mapping = e.value, let f = e.value["file"]?.scalarText, !f.hasPrefix("/") else {
                            return e
                        }
                        var v = e.value
                        v.set("file", .string(ComposePaths.resolve(f, against: directory)))
                        return .init(e.key, v)
                    }))
        }
        return out
    }
}
