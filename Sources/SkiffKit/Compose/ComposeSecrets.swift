import SkiffSystem

/// A top-level `secrets:` or `configs:` entry: where its bytes come from.
package struct ComposeSecret: Sendable, Equatable {
    package enum Source: Sendable, Equatable {
        /// `file:` (absolute).
        case file(String)
        /// `environment:`: the caller's variable.
        case environment(String)
        /// `content:` (configs only): the text itself.
        case content(String)
        /// `external: true`: managed outside compose (Swarm); not available here.
        case external
    }

    package var name: String
    package var source: Source

    package init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

/// A service's (or a build's) use of a secret or config: short syntax (`- NAME`) or long
/// (`source`, `target`, `uid`, `gid`, `mode`).
package struct ComposeSecretUse: Sendable, Equatable {
    package var source: String
    package var target: String?
    package var uid: UInt32?
    package var gid: UInt32?
    package var mode: UInt32?

    package init(source: String) {
        self.source = source
    }

    /// Where it appears in the container: secrets under /run/secrets (a relative target too),
    /// configs at `/NAME`, as Docker Compose mounts them.
    package func containerPath(config: Bool) -> String {
        let t = target ?? source
        if config { return t.hasPrefix("/") ? t : "/" + t }
        return t.hasPrefix("/") ? t : "/run/secrets/" + t
    }
}

extension ComposeParser {
    /// A top-level `secrets:`/`configs:` entry (`kind` names which, for messages).
    func secretDefinition(_ name: String, _ t: ComposeTree, path: String, config: Bool) throws(ComposeError)
        -> ComposeSecret
    {
        let keys =
            config
            ? ["file", "environment", "content", "external", "name", "labels", "template_driver"]
            : ["file", "environment", "external", "name", "labels", "driver", "driver_opts", "template_driver"]
        for e in try mapping(t, path) where !keys.contains(e.key) && !e.key.hasPrefix("x-") {
            throw fail(path + "." + e.key, "unknown key (\(keys.joined(separator: ", ")))")
        }
        var sources: [ComposeSecret.Source] = []
        if let f = try optionalString(t["file"], path + ".file") { sources.append(.file(absolute(f))) }
        if let e = try optionalString(t["environment"], path + ".environment") { sources.append(.environment(e)) }
        if config, let c = try optionalString(t["content"], path + ".content") { sources.append(.content(c)) }
        if let x = t["external"], try bool(x, path + ".external") { sources.append(.external) }
        guard sources.count == 1 else {
            throw fail(
                path,
                sources.isEmpty
                    ? "needs one of file, environment\(config ? ", content" : "") or external"
                    : "give only one of file, environment\(config ? ", content" : "") or external")
        }
        return ComposeSecret(name: name, source: sources[0])
    }

    /// A service's `secrets:`/`configs:` list, or a build's `secrets:`.
    func secretUses(_ t: ComposeTree, _ p: String) throws(ComposeError) -> [ComposeSecretUse] {
        var out: [ComposeSecretUse] = []
        for (i, item) in try list(t, p).enumerated() {
            let ip = "\(p)[\(i)]"
            if case .mapping = item {
                for e in try mapping(item, ip) where !["source", "target", "uid", "gid", "mode"].contains(e.key) {
                    throw fail(ip + "." + e.key, "unknown key (source, target, uid, gid, mode)")
                }
                guard let source = try optionalString(item["source"], ip + ".source") else {
                    throw fail(ip, "source is required")
                }
                var use = ComposeSecretUse(source: source)
                use.target = try optionalString(item["target"], ip + ".target")
                func number(_ key: String, radix: Int) throws(ComposeError) -> UInt32? {
                    guard let text = try optionalString(item[key], ip + "." + key) else { return nil }
                    // YAML 1.1 reads 0440 as an octal number; a string "0440" is octal too.
                    guard let n = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: radix) else {
                        throw fail(
                            ip + "." + key,
                            "expected \(radix == 8 ? "an octal mode such as 0440" : "a number"), got \"\(text)\"")
                    }
                    return n
                }
                use.uid = try number("uid", radix: 10)
                use.gid = try number("gid", radix: 10)
                use.mode = try number("mode", radix: 8)
                out.append(use)
            } else {
                out.append(ComposeSecretUse(source: try string(item, ip)))
            }
        }
        return out
    }

    /// References to undefined secrets or configs, and secret files that are not there: errors before
    /// anything starts (`compose config` reports them too).
    func checkSecrets(_ project: ComposeProject) throws(ComposeError) {
        for s in project.services {
            let lists: [(String, [ComposeSecretUse], [ComposeSecret], String)] = [
                ("services.\(s.name).secrets", s.secrets, project.secrets, "secret"),
                ("services.\(s.name).configs", s.configs, project.configs, "config"),
                ("services.\(s.name).build.secrets", s.build?.secrets ?? [], project.secrets, "secret"),
            ]
            for (path, uses, defined, kind) in lists {
                for (i, use) in uses.enumerated() {
                    guard let d = defined.first(where: { $0.name == use.source }) else {
                        throw fail(
                            "\(path)[\(i)]",
                            "refers to undefined \(kind) \"\(use.source)\" (declare it under the top-level \(kind)s:)")
                    }
                    switch d.source {
                    case .file(let f):
                        if !FileIO.exists(f) {
                            throw fail("\(kind)s.\(d.name).file", "\(kind) \"\(d.name)\": file \(f) does not exist")
                        }
                    case .external:
                        throw ComposeError.unsupported(
                            "\(file): \(kind)s.\(d.name): external \(kind)s are kept by a Swarm; give file: or environment: instead"
                        )
                    default: break
                    }
                }
            }
        }
    }
}
