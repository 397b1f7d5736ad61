import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Secrets and configs in a project's containers, as Docker Compose gives them: a `file:` one is
/// bind-mounted read-only as it is; an `environment:` or `content:` one (or one whose use asks for
/// uid, gid or mode) is written, with those, to `<state root>/compose-secrets/<project>/` (0700) and
/// bind-mounted read-only from there; `down` removes that directory.
extension ComposeRunner {
    var secretsDirectory: String { engine.root + "/compose-secrets/" + project.name }

    /// The read-only mounts of a service's secrets and configs.
    func secretMounts(_ s: ComposeService) throws(ComposeError) -> [MountRequest] {
        var out: [MountRequest] = []
        for (uses, defined, config) in [(s.secrets, project.secrets, false), (s.configs, project.configs, true)] {
            let kind = config ? "config" : "secret"
            for (i, use) in uses.enumerated() {
                let origin = "services.\(s.name).\(kind)s[\(i)]"
                guard let d = defined.first(where: { $0.name == use.source }) else {
                    throw .usage("\(origin): undefined \(kind) \"\(use.source)\"")
                }
                let bytes: [UInt8]?
                var path: String?
                switch d.source {
                case .file(let f):
                    guard FileIO.exists(f) else { throw .usage("\(kind) \"\(d.name)\": file \(f) does not exist") }
                    if use.uid == nil && use.gid == nil && use.mode == nil {
                        path = f; bytes = nil
                    } else {
                        do { bytes = try FileIO.read(f) } catch { throw .usage("\(kind) \"\(d.name)\": \(error)") }
                    }
                case .environment(let name):
                    guard let v = callerEnvironment[name] else {
                        throw .usage("\(kind) \"\(d.name)\": environment variable \(name) is not set")
                    }
                    bytes = Array(v.utf8)
                case .content(let text): bytes = Array(text.utf8)
                case .external:
                    throw .usage(
                        "\(kind) \"\(d.name)\": external \(kind)s are kept by a Swarm; give file: or environment:")
                }
                if let bytes, !dryRun {
                    let dir = secretsDirectory
                    let file = dir + "/\(kind)-\(s.name)-\(i)"
                    do {
                        try FileIO.makeDirectories(dir, mode: 0o700)
                        chmod(dir, 0o700)
                        try FileIO.writeAtomically(file, contents: bytes, mode: 0o600)
                    } catch { throw .usage("\(kind) \"\(d.name)\": \(error)") }
                    chown(file, use.uid ?? 0, use.gid ?? 0)
                    chmod(file, mode_t(use.mode ?? 0o444))
                    path = file
                }
                var r = MountRequest(
                    kind: .bind, source: path, target: use.containerPath(config: config), origin: origin)
                r.readOnly = true
                out.append(r)
            }
        }
        return out
    }

    /// `build.secrets` (each under its target's name or its own) and `build.ssh` for a service's build.
    func buildSecrets(_ b: ComposeBuild, service: String) throws(ComposeError) -> (
        secrets: [String: BuildSecretSource], ssh: [BuildSSHSource]
    ) {
        var secrets: [String: BuildSecretSource] = [:]
        for use in b.secrets {
            guard let d = project.secrets.first(where: { $0.name == use.source }) else {
                throw .usage("services.\(service).build.secrets: undefined secret \"\(use.source)\"")
            }
            let id = use.target ?? use.source
            switch d.source {
            case .file(let f): secrets[id] = .file(f)
            case .environment(let name): secrets[id] = .environment(name)
            case .content: throw .usage("secret \"\(d.name)\": content: is for configs; give file: or environment:")
            case .external:
                throw .usage("secret \"\(d.name)\": external secrets are kept by a Swarm; give file: or environment:")
            }
        }
        var ssh: [BuildSSHSource] = []
        for entry in b.ssh {
            var source: BuildSSHSource
            do { source = try BuildSSHSource.parse(entry) } catch {
                throw .usage("services.\(service).build.ssh: \(error.description)")
            }
            source.paths = source.paths.map { ComposePaths.resolve($0, against: project.workingDirectory) }
            ssh.append(source)
        }
        return (secrets, ssh)
    }

    func removeSecretFiles() {
        FileIO.removeTree(secretsDirectory)
    }
}
