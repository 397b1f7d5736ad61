import SkiffSystem

/// Where a build secret's bytes come from (`skiff build --secret`, compose `build.secrets`).
/// Read only when a RUN mounts it, never stored.
public enum BuildSecretSource: Sendable, Equatable {
    case file(String)
    case environment(String)

    /// `--secret id=ID[,type=file|env][,src|source=PATH][,env=VAR]` as `docker build` (buildx) reads it:
    /// `type=env,src=VAR` names a variable; without src and env, the variable named like the id.
    public static func parse(_ text: String) throws(BuildError) -> (id: String, source: BuildSecretSource) {
        let flag = "--secret \(text)"
        var id: String?
        var type: String?
        var src: String?
        var env: String?
        for field in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[1].isEmpty else {
                throw .usage(
                    "\(flag): invalid field '\(field)' must be a key=value pair (id=ID,src=FILE or id=ID,env=VAR)")
            }
            switch kv[0].lowercased() {
            case "id": id = kv[1]
            case "type":
                guard kv[1] == "file" || kv[1] == "env" else {
                    throw .usage("\(flag): unsupported secret type \"\(kv[1])\" (file or env)")
                }
                type = kv[1]
            case "src", "source": src = kv[1]
            case "env": env = kv[1]
            default: throw .usage("\(flag): unexpected key '\(kv[0])' (keys: id, type, src, source, env)")
            }
        }
        guard let id else { throw .usage("\(flag): the secret needs an id (id=ID)") }
        if type == "env" || (type == nil && src == nil) {
            if env != nil && src != nil { throw .usage("\(flag): give src or env, not both") }
            return (id, .environment(env ?? src ?? id))
        }
        if env != nil { throw .usage("\(flag): env= does not go with type=file") }
        guard let src else { throw .usage("\(flag): type=file needs src=FILE") }
        return (id, .file(src))
    }

    /// The bytes, read now; nil when the source does not exist (a missing variable or file).
    func read(environment: [String: String]) throws(BuildError) -> [UInt8]? {
        switch self {
        case .environment(let name):
            return environment[name].map { Array($0.utf8) }
        case .file(let path):
            guard FileIO.exists(path) else { return nil }
            do { return try FileIO.read(path) } catch { throw .usage("secret file \(path): \(error)") }
        }
    }
}

/// `--ssh ID[=SOCKET|KEY[,KEY…]]`: what a `RUN --mount=type=ssh,id=ID` reaches. No paths: the
/// caller's `SSH_AUTH_SOCK`. A socket is forwarded; key files are loaded into an agent started for
/// the build (ssh-agent from openssh-client) and stopped after it.
public struct BuildSSHSource: Sendable, Equatable {
    /// The id `RUN --mount=type=ssh,id=...` names (`default` when none).
    public var id: String
    /// A socket, or key files to load into an agent; empty: the caller's $SSH_AUTH_SOCK.
    public var paths: [String]

    /// The ssh source `id` reaching `paths`.
    public init(id: String, paths: [String]) {
        self.id = id
        self.paths = paths
    }

    /// Parse one `--ssh` value: `default`, `ID`, `ID=SOCKET` or `ID=KEY[,KEY...]`.
    public static func parse(_ text: String) throws(BuildError) -> BuildSSHSource {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let id = parts.first, !id.isEmpty else {
            throw .usage("--ssh \(text): expected default|ID[=SOCKET|KEY[,KEY]]")
        }
        let paths = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
        if parts.count > 1 && paths.isEmpty { throw .usage("--ssh \(text): give a socket or key files after =") }
        return BuildSSHSource(id: id, paths: paths)
    }
}
