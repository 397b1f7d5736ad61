import Foundation
import SkiffImage

/// The layers `compose publish` pushes, made as Docker Compose makes them: each `-f` file, with its
/// services' `env_file` entries and local `extends.file` replaced by names that are the SHA-256 of the
/// file's path (`<hex>.env`, `<hex>.yaml`); then every file extended, recursively, rewritten the same
/// way, as `com.docker.compose.extends` layers of that name; then, with `--with-env`, the env files
/// named, as env-file layers of that name. `-f oci://…` finds those files by name in the artifact.
package struct ComposePublishLayers {
    /// What interpolation reads, to know which file a `${…}` in a path names.
    package var variables: [String: String]
    /// Where the project's own files resolve relative paths.
    package var projectDirectory: String

    package init(variables: [String: String], projectDirectory: String) {
        self.variables = variables
        self.projectDirectory = projectDirectory
    }

    /// The name a file is published under: the SHA-256 of its path, then `ext`.
    package static func name(of path: String, ext: String) -> String {
        String(Digest.of(Array(path.utf8)).description.dropFirst("sha256:".count)) + ext
    }

    /// One file read and rewritten, with the env files and extended files it names (absolute path → name).
    struct Rewritten {
        var content: [UInt8]
        var envFiles: [String: String] = [:]
        var extended: [String: String] = [:]
    }

    package func layers(files: [String], withEnvironment: Bool) throws(ComposeError) -> [ComposeArtifact.Layer] {
        var layers: [ComposeArtifact.Layer] = []
        var envFiles: [String: String] = [:]
        var extended: [String: String] = [:]
        for file in files {
            let r = try rewrite(file, envDirectory: projectDirectory)
            layers.append(.init(kind: .composeFile, name: (file as NSString).lastPathComponent, content: r.content))
            envFiles.merge(r.envFiles) { a, _ in a }
            extended.merge(r.extended) { a, _ in a }
        }
        // Extended files, in path order, then the files they extend in turn, each once.
        var done: Set<String> = []
        var pending = extended
        while !pending.isEmpty {
            var next: [String: String] = [:]
            for path in pending.keys.sorted() where done.insert(path).inserted {
                let dir = (path as NSString).deletingLastPathComponent
                let r = try rewrite(path, envDirectory: dir)
                layers.append(.init(kind: .extendsFile, name: pending[path]!, content: r.content))
                envFiles.merge(r.envFiles) { a, _ in a }
                for (p, n) in r.extended where !done.contains(p) { next[p] = n }
            }
            pending = next
        }
        if withEnvironment {
            // As Docker Compose: an env file that cannot be read (an optional one) is left out.
            for path in envFiles.keys.sorted() {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                layers.append(.init(kind: .envFile, name: envFiles[path]!, content: Array(data)))
            }
        }
        return layers
    }

    /// The file with its services' env files and local extended files renamed. `envDirectory`: what its
    /// env files are relative to (the project directory for a `-f` file, its own for an extended one);
    /// an extended file is relative to the file's directory. A file with nothing to rename is kept as is.
    func rewrite(_ file: String, envDirectory: String) throws(ComposeError) -> Rewritten {
        let text = try ComposeLoader.read(file)
        var out = Rewritten(content: Array(text.utf8))
        var tree = try ComposeTree.parse(yaml: text, file: file)
        guard var services = tree["services"]?.entries else { return out }
        let interpolation = ComposeInterpolation(variables: variables)
        func value(_ raw: String) -> String {
            var unset: [String] = []
            return (try? interpolation.interpolate(raw, unset: &unset)) ?? raw
        }
        func renamedEnvFile(_ t: ComposeTree) -> ComposeTree {
            guard case .scalar(let raw, let quoted) = t else { return t }
            let path = ComposePaths.resolve(value(raw), against: envDirectory)
            let name = Self.name(of: path, ext: ".env")
            out.envFiles[path] = name
            return .scalar(name, quoted: quoted)
        }
        var changed = false
        for i in services.indices {
            var svc = services[i].value
            if let env = svc["env_file"] {
                switch env {
                case .scalar:
                    svc.set("env_file", renamedEnvFile(env))
                case .sequence(let items):
                    svc.set(
                        "env_file",
                        .sequence(
                            items.map { item in
                                guard case .mapping = item, let p = item["path"] else { return renamedEnvFile(item) }
                                var m = item
                                m.set("path", renamedEnvFile(p))
                                return m
                            }))
                default: break
                }
                changed = true
            }
            if let ext = svc["extends"], case .mapping = ext, case .scalar(let raw, let quoted)? = ext["file"] {
                let given = value(raw)
                let path = ComposePaths.resolve(given, against: (file as NSString).deletingLastPathComponent)
                // A remote file, or none on disk (Docker Compose: then it is a remote resource), stays as written.
                if !given.contains("://") && FileManager.default.fileExists(atPath: path) {
                    let name = Self.name(of: path, ext: ".yaml")
                    out.extended[path] = name
                    var e = ext
                    e.set("file", .scalar(name, quoted: quoted))
                    svc.set("extends", e)
                    changed = true
                }
            }
            services[i].value = svc
        }
        if changed {
            tree.set("services", .mapping(services))
            out.content = Array(tree.yaml().utf8)
        }
        return out
    }

    /// The `include:` entries of the file that are on disk (not `oci://`, git or another URL):
    /// Docker Compose refuses to publish them.
    package static func localIncludes(_ file: String) throws(ComposeError) -> [String] {
        let tree = try ComposeTree.parse(yaml: try ComposeLoader.read(file), file: file)
        var found: [String] = []
        func collect(_ t: ComposeTree) {
            switch t {
            case .scalar(let s, _):
                let remote =
                    s.contains("://") || s.hasPrefix("git@") || s.hasPrefix("github.com/") || s.contains(".git#")
                if !s.isEmpty && !remote { found.append(s) }
            case .sequence(let items): items.forEach(collect)
            case .mapping: if let p = t["path"] { collect(p) }
            case .null: break
            }
        }
        if let inc = tree["include"] { collect(inc) }
        return found
    }
}
