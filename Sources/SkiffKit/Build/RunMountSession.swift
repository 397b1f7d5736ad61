import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What a build brings to its RUN mounts: the `--secret` sources, the ssh agents, the caller's
/// environment (for `env=` secrets) and where cache mounts live.
struct RunMountInputs: @unchecked Sendable {
    var secrets: [String: BuildSecretSource]
    var environment: [String: String]
    var agents: SSHAgents
    var stateRoot: String

    /// `<state root>/build-mounts/cache`: one directory per cache id, kept across builds, cleared by
    /// `skiff builder prune`. Never packed into a layer (bind-mounted) nor hashed into a cache key.
    static func cacheRoot(_ stateRoot: String) -> String { stateRoot + "/build-mounts/cache" }

    /// Whether a name in `cacheRoot` is a cache directory (not a lock, a use count or a half-made one).
    static func isCacheDirectory(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".lock") && !name.hasSuffix(".uses")
    }

}

/// One RUN's mounts made real on the host, as the container's mount requests, and taken down after:
/// - secrets: files in a fresh 0700 directory on /dev/shm (tmpfs: never on disk), bind-mounted
///   read-only one by one, removed when the RUN ends;
/// - ssh: a socket of its own relaying to the agent (`SSHAgentProxy`), `SSH_AUTH_SOCK` set;
/// - cache: a persistent directory per id (locked or copied as `sharing` says);
/// - bind: a copy of the source (read from the tree, so paths stay inside it), discarded after the RUN;
/// - tmpfs: a tmpfs.
/// Targets are plain container paths here: the runtime resolves them inside the rootfs
/// (openat2 RESOLVE_IN_ROOT), so an image's symlink cannot send a mount to the host.
final class RunMountSession {
    private(set) var requests: [MountRequest] = []
    private(set) var environment: [String] = []
    private var scratch: [String] = []
    private var proxies: [SSHAgentProxy] = []
    private var locks: [Int32] = []

    init(plan: RunMountPlan, inputs: RunMountInputs, instruction: String) throws(BuildError) {
        do {
            try open(plan, inputs: inputs, instruction: instruction)
        } catch {
            close()
            throw error
        }
    }

    private func open(_ plan: RunMountPlan, inputs: RunMountInputs, instruction: String) throws(BuildError) {
        var shm: String?
        func secretDirectory() throws(BuildError) -> String {
            if let shm { return shm }
            let mounts = (try? FileIO.readString("/proc/self/mounts")) ?? ""
            let shmIsTmpfs = mounts.split(separator: "\n").contains { line in
                let f = line.split(separator: " ")
                return f.count > 2 && f[1] == "/dev/shm" && f[2] == "tmpfs"
            }
            guard shmIsTmpfs else {
                throw .engine(
                    "RUN --mount=type=secret|ssh: /dev/shm is not a tmpfs here (secrets are kept in memory only)")
            }
            do { shm = try FileIO.makeTemporaryDirectory(in: "/dev/shm", prefix: "skiff-run-") } catch {
                throw .wrap(error)
            }
            scratch.append(shm!)
            return shm!
        }
        var sshAuthSock: String?
        for (index, entry) in plan.entries.enumerated() {
            let m = entry.mount
            switch m.kind {
            case .secret:
                let id = m.secretID
                guard let source = inputs.secrets[id], let bytes = try source.read(environment: inputs.environment)
                else {
                    if m.required {
                        throw .usage(
                            "\(instruction): secret \(id): not provided (give it with --secret id=\(id),src=FILE or id=\(id),env=VAR; compose: build.secrets)"
                        )
                    }
                    continue
                }
                if let env = m.env {
                    environment.append(env + "=" + String(decoding: bytes, as: UTF8.self))
                }
                guard let target = entry.target else { continue }
                let path = try secretDirectory() + "/secret-\(index)"
                do { try FileIO.create(path, contents: bytes, mode: 0o600) } catch { throw .wrap(error) }
                chown(path, m.uid ?? 0, m.gid ?? 0)
                chmod(path, mode_t(m.mode ?? 0o400))
                var r = MountRequest(
                    kind: .bind, source: path, target: target, origin: "RUN --mount=type=secret,id=\(id)")
                r.readOnly = true
                requests.append(r)
            case .ssh:
                let id = m.id ?? "default"
                guard let upstream = try inputs.agents.socket(for: id) else {
                    if m.required {
                        throw .usage(
                            "\(instruction): no SSH key \"\(id)\" forwarded (give it with --ssh \(id)[=SOCKET|KEY]; compose: build.ssh)"
                        )
                    }
                    continue
                }
                let path = try secretDirectory() + "/ssh-\(index).sock"
                let proxy = try SSHAgentProxy(
                    path: path, upstream: upstream, uid: m.uid ?? 0, gid: m.gid ?? 0, mode: mode_t(m.mode ?? 0o600))
                proxies.append(proxy)
                let target = entry.target!
                requests.append(
                    MountRequest(kind: .bind, source: path, target: target, origin: "RUN --mount=type=ssh,id=\(id)"))
                if sshAuthSock == nil { sshAuthSock = target }
            case .cache:
                let dir = try cacheDirectory(entry, inputs: inputs)
                var r = MountRequest(kind: .bind, source: dir, target: entry.target!, origin: "RUN --mount=type=cache")
                r.readOnly = m.readOnly
                requests.append(r)
            case .bind:
                let dir: String
                do {
                    // The first RUN of a new state root may come before anything made the directory.
                    try FileIO.makeDirectories(inputs.stateRoot + "/build-cache", mode: 0o700)
                    dir = try FileIO.makeTemporaryDirectory(in: inputs.stateRoot + "/build-cache", prefix: ".bind-")
                } catch { throw .wrap(error) }
                scratch.append(dir)
                chmod(dir, 0o755)
                let source = try copy(entry, into: dir)
                var r = MountRequest(
                    kind: .bind, source: source, target: entry.target!, origin: "RUN --mount=type=bind")
                r.readOnly = m.readOnly
                requests.append(r)
            case .tmpfs:
                var r = MountRequest(kind: .tmpfs, source: nil, target: entry.target!, origin: "RUN --mount=type=tmpfs")
                if let size = m.size { r.tmpfsOptions = ["size=\(size)"] }
                requests.append(r)
            }
        }
        if let sshAuthSock { environment.append("SSH_AUTH_SOCK=" + sshAuthSock) }
    }

    /// Copy a bind or cache source out of its tree into `directory`; returns what to mount (the
    /// directory, or the file in it when the source is a file).
    @discardableResult
    private func copy(_ entry: RunMountPlan.Entry, into directory: String) throws(BuildError) -> String {
        guard let resolved = entry.source.isEmpty ? "" : entry.tree.resolve(entry.source),
            let st = entry.tree.lstatInfo(resolved)
        else {
            throw .context("--mount: source /\(entry.source) not found in the \(entry.tree.label)")
        }
        let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        let name = isDirectory ? "" : String(resolved.split(separator: "/").last ?? "source")
        let step = CopyStep(
            items: [.tree(entry.tree, SourceMatch(path: resolved, name: name))], destination: "/",
            destinationIsDirectory: true, owner: nil, mode: nil)
        try step.stage(into: directory, image: ImageFilesystem(layersTopFirst: []))
        return isDirectory ? directory : directory + "/" + name
    }

    /// The cache directory for this mount's id. `locked` waits for other RUNs using it; `private`
    /// takes the first instance nobody holds (making a new one if all are busy); `shared` just uses it.
    private func cacheDirectory(_ entry: RunMountPlan.Entry, inputs: RunMountInputs) throws(BuildError) -> String {
        let m = entry.mount
        let id = m.id ?? entry.target!
        let root = RunMountInputs.cacheRoot(inputs.stateRoot)
        do { try FileIO.makeDirectories(root, mode: 0o700) } catch { throw .wrap(error) }
        let base = root + "/" + Digest.of(Array(id.utf8)).hex.prefix(32)
        var path = base
        switch m.sharing ?? .shared {
        case .shared: break
        case .locked:
            try lock(base + ".lock", wait: true)
        case .private:
            var n = 0
            while true {
                path = n == 0 ? base : base + "-\(n)"
                if try lock(path + ".lock", wait: false) { break }
                n += 1
            }
        }
        if !FileIO.isDirectory(path) {
            let fresh: String
            do { fresh = try FileIO.makeTemporaryDirectory(in: root, prefix: ".new-") } catch { throw .wrap(error) }
            if m.from != nil {
                do { try copy(entry, into: fresh) } catch {
                    FileIO.removeTree(fresh)
                    throw error
                }
            }
            chown(fresh, m.uid ?? 0, m.gid ?? 0)
            chmod(fresh, mode_t(m.mode ?? 0o755))
            // Another build may have made it meanwhile: then theirs is used.
            if rename(fresh, path) != 0 { FileIO.removeTree(fresh) }
        }
        UseCount.record(beside: path, mode: 0o600)
        return path
    }

    @discardableResult
    private func lock(_ path: String, wait: Bool) throws(BuildError) -> Bool {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .wrap(SystemError("open lock file", path: path)) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let e = errno
            if e == EINTR { continue }
            Glibc.close(fd)
            if e == EWOULDBLOCK && !wait { return false }
            throw .wrap(SystemError("lock", path: path))
        }
        locks.append(fd)
        return true
    }

    /// Stop the ssh relays, remove secrets and bind copies, release cache locks.
    func close() {
        for p in proxies { p.stop() }
        proxies = []
        for dir in scratch { FileIO.removeTree(dir) }
        scratch = []
        for fd in locks { Glibc.close(fd) }
        locks = []
    }
}
