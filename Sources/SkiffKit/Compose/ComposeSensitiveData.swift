import Foundation

/// Docker Compose's scan before `publish`: the compose files (as written, before interpolation, with
/// `environment` lists read as mappings), the services' env files, and the files of configs and
/// secrets, through the secret detectors. What it finds is shown and must be confirmed.
package enum ComposeSensitiveData {
    package static func scan(_ project: ComposeProject) throws(ComposeError) -> [SecretDetector.Finding] {
        var out: [SecretDetector.Finding] = []
        for file in project.files where !file.hasPrefix(ComposeRemote.scheme) && file != "/dev/stdin" {
            var tree = try ComposeTree.parse(yaml: try ComposeLoader.read(file), file: file)
            if var services = tree["services"]?.entries {
                for i in services.indices {
                    guard case .sequence(let items)? = services[i].value["environment"] else { continue }
                    var env: [ComposeTree.Entry] = []
                    for case .scalar(let s, let q) in items {
                        let parts = s.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                        env.append(
                            .init(String(parts[0]), parts.count == 2 ? .scalar(String(parts[1]), quoted: q) : .null))
                    }
                    services[i].value.set("environment", .mapping(env))
                }
                tree.set("services", .mapping(services))
            }
            out += SecretDetector.scan(flatten(tree))
        }
        for s in project.services {
            for path in s.envFiles {
                guard let text = try s.envFileText(path) else { continue }
                out += SecretDetector.scan(envPairs(text, file: path))
            }
        }
        for c in project.configs + project.secrets {
            guard case .file(let path) = c.source, FileManager.default.fileExists(atPath: path) else { continue }
            out += try scan(dataFile: path)
        }
        return out
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

    /// A config or secret file: YAML or JSON data by its keys, `KEY=value` lines by name, else plain text.
    static func scan(dataFile path: String) throws(ComposeError) -> [SecretDetector.Finding] {
        let text = try ComposeLoader.read(path)
        if let tree = try? ComposeTree.parse(yaml: text, file: path), tree.entries != nil || tree.items != nil {
            return SecretDetector.scan(flatten(tree))
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if !lines.isEmpty, lines.allSatisfy({ $0.contains("=") && !$0.hasPrefix("=") && !$0.hasPrefix("-") }) {
            return SecretDetector.scan(envPairs(text, file: path))
        }
        return SecretDetector.scan(text: text)
    }

    static func envPairs(_ text: String, file: String) -> [(key: String, value: String)] {
        guard let parsed = try? ComposeEnvFile.parse(text) else { return [] }
        return parsed.compactMap { k, v in v.map { (k, $0) } }
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
