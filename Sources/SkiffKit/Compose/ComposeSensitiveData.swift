import Foundation

/// Docker Compose's scan before `publish`: the compose files (as written, before interpolation, in
/// the shapes Compose writes its model back in), the services' env files, and the files of configs and
/// secrets, each as the library's `ScanFile` reads it, through the secret detectors. What it finds is
/// shown and must be confirmed.
package enum ComposeSensitiveData {
    package static func scan(_ project: ComposeProject) throws(ComposeError) -> [SecretDetector.Finding] {
        var out: [SecretDetector.Finding] = []
        for file in project.files where !file.hasPrefix(ComposeRemote.scheme) && file != "/dev/stdin" {
            let tree = try ComposeTree.parse(yaml: try ComposeLoader.read(file), file: file)
            out += SecretDetector.scan(flatten(asCompose(tree, directory: project.workingDirectory)))
        }
        for s in project.services {
            for path in s.envFiles {
                guard let text = try s.envFileText(path) else { continue }
                out += scan(fileText: text, path: path)
            }
        }
        for c in project.configs + project.secrets {
            guard case .file(let path) = c.source, FileManager.default.fileExists(atPath: path) else { continue }
            out += scan(fileText: try ComposeLoader.read(path), path: path)
        }
        return out
    }

    /// The shapes of Compose's own YAML that change what the detectors see: `KEY=value` lists as
    /// mappings, `command`/`entrypoint` strings as words, short secret/config uses as `source`, and
    /// top-level secret/config files as absolute paths.
    static func asCompose(_ tree: ComposeTree, directory: String) -> ComposeTree {
        var tree = tree
        if var services = tree["services"]?.entries {
            for i in services.indices {
                var s = services[i].value
                for key in ["environment", "labels"] { s = listAsMapping(s, key) }
                if var build = s["build"], build.entries != nil {
                    build = listAsMapping(build, "args")
                    s.set("build", build)
                }
                for key in ["command", "entrypoint"] {
                    if case .scalar(let text, _)? = s[key], let words = try? ShellWords.split(text) {
                        s.set(key, .sequence(words.map(ComposeTree.string)))
                    }
                }
                for key in ["secrets", "configs"] {
                    guard let uses = s[key]?.items else { continue }
                    s.set(
                        key,
                        .sequence(
                            uses.map {
                                guard case .scalar(let name, _) = $0 else { return $0 }
                                return .mapping([.init("source", .string(name))])
                            }))
                }
                services[i].value = s
            }
            tree.set("services", .mapping(services))
        }
        for key in ["secrets", "configs"] {
            guard var defs = tree[key]?.entries else { continue }
            for i in defs.indices {
                guard case .scalar(let path, _)? = defs[i].value["file"], !path.hasPrefix("/") else { continue }
                let absolute = URL(fileURLWithPath: directory).appendingPathComponent(path).standardized.path
                defs[i].value.set("file", .string(absolute))
            }
            tree.set(key, .mapping(defs))
        }
        return tree
    }

    /// `- KEY=value` items as `KEY: value` (a bare `KEY` as null).
    static func listAsMapping(_ node: ComposeTree, _ key: String) -> ComposeTree {
        guard case .sequence(let items)? = node[key] else { return node }
        var entries: [ComposeTree.Entry] = []
        for case .scalar(let s, let q) in items {
            let parts = s.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            entries.append(.init(String(parts[0]), parts.count == 2 ? .scalar(String(parts[1]), quoted: q) : .null))
        }
        var node = node
        node.set(key, .mapping(entries))
        return node
    }

    /// Compose's prompt text for what was found.
    package static func question(_ findings: [SecretDetector.Finding]) -> String {
        var q =
            "you are about to publish sensitive data within your OCI artifact.\n"
            + "please double check that you are not leaking sensitive data\n"
        for f in findings {
            let key = f.key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            q += "\(f.type)\n\"\(key)\": \(f.value)\n"
        }
        return q + "Are you ok to publish these sensitive data?"
    }

    /// How the library reads a file: by its extension, as JSON, YAML or INI data (XML is not read
    /// as such here); with another extension, the first of JSON, YAML and INI that takes it. Data is
    /// scanned by its keys; anything else as plain text.
    package static func scan(fileText: String, path: String) -> [SecretDetector.Finding] {
        let text = fileText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        let readers: [(String, String) -> [(key: String, value: String)]?]
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json": readers = [jsonPairs]
        case "yaml", "yml": readers = [yamlPairs]
        case "xml": readers = []
        case "ini", "cnf", "conf", "cf", "cfg", "env", "properties": readers = [{ t, _ in SecretDetectorINI.pairs(t) }]
        default: readers = [jsonPairs, yamlPairs, { t, _ in SecretDetectorINI.pairs(t) }]
        }
        for read in readers {
            if let pairs = read(text, path) { return SecretDetector.scan(pairs) }
        }
        return SecretDetector.scan(text: text)
    }

    /// A JSON object (not an array or a scalar), flattened.
    static func jsonPairs(_ text: String, _ path: String) -> [(key: String, value: String)]? {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else { return nil }
        return yamlPairs(text, path)
    }

    /// A YAML mapping at the top (a list or a scalar is not what the library reads), flattened.
    static func yamlPairs(_ text: String, _ path: String) -> [(key: String, value: String)]? {
        guard let tree = try? ComposeTree.parse(yaml: text, file: path), tree.entries != nil else { return nil }
        return flatten(tree)
    }

    /// The tree as `a.b[0].c` → value pairs, in document order.
    static func flatten(_ tree: ComposeTree, prefix: String = "") -> [(key: String, value: String)] {
        switch tree {
        case .scalar(let s, _): return [(prefix, s)]
        case .null: return []
        case .sequence(let items):
            return items.enumerated().flatMap { flatten($1, prefix: "\(prefix)[\($0)]") }
        case .mapping(let entries):
            return entries.flatMap { flatten($0.value, prefix: prefix.isEmpty ? $0.key : prefix + "." + $0.key) }
        }
    }
}
