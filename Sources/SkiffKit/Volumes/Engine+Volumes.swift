import SkiffExplain
import SkiffImage
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Volumes, bind mounts and tmpfs for containers made from images, with Docker's rules:
///
/// - `-v NAME:/path` mounts the named volume, made on first use; `-v /path` and every image `VOLUME`
///   not covered by another mount get an anonymous volume (64 hex digits), removed with the container
///   by `rm -v` and `--rm`;
/// - `--volumes-from C[:ro|rw]` takes C's volumes and binds (not its tmpfs mounts); explicit mounts win
///   over it at the same destination, and both win over the image's VOLUMEs;
/// - copy-up: a volume that is empty when a container is made, mounted over a directory the image has,
///   first gets that directory's content (owners, modes, times), unless `nocopy`; a volume with
///   anything in it is never written;
/// - the mounts are recorded in the container's record (`mounts`) and written into its config.json, so
///   they come back on every start; targets are resolved inside the rootfs by the runtime
///   (openat2 RESOLVE_IN_ROOT), never on the host.
extension Engine {
    package var volumes: VolumeStore { VolumeStore(root: root + "/volumes") }

    /// Resolve the mounts for a container being made: volumes created (and copied up) under the volumes
    /// lock, and the record saved with its mounts under that same lock, so `volume rm` always sees who
    /// uses a volume. Returns the spec mounts to add.
    func prepareVolumes(
        for container: inout Container, options: RunOptions, image: StoredImage,
        filesystem: ImageFilesystem
    ) throws(KitError) -> [SkiffOCI.Mount] {
        var explicit = options.mounts
        var seen = Set<String>()
        for r in explicit {
            if !seen.insert(r.target).inserted { throw .usage("\(r.origin): Duplicate mount point: \(r.target)") }
        }
        var fromOthers: [MountPoint] = []
        for spec in options.volumesFrom {
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            var mode: Bool?
            if parts.count == 2 {
                switch parts[1] {
                case "ro": mode = true
                case "rw": mode = false
                default: throw .usage("--volumes-from \(spec): invalid mode \"\(parts[1])\" (expected ro or rw)")
                }
            }
            guard let name = parts.first, !name.isEmpty else {
                throw .usage("--volumes-from \(spec): expected CONTAINER[:ro|rw]")
            }
            let other: Container
            do { other = try containers.find(name) } catch {
                throw .notFound("--volumes-from \(spec): No such container: \(name)")
            }
            for var m in other.mounts ?? [] where m.type != .tmpfs {
                if seen.contains(m.destination) { continue }
                if let mode { m.readOnly = mode }
                seen.insert(m.destination)
                fromOthers.append(m)
            }
        }
        for path in (options.imageVolumes ? image.config.config?.Volumes ?? [:] : [:]).keys.sorted() {
            let target = MountRequest.normalize(path)
            guard target != "/", seen.insert(target).inserted else { continue }
            explicit.append(MountRequest(kind: .volume, source: nil, target: target, origin: "image VOLUME \(path)"))
        }
        for r in explicit where r.kind == .volume || r.kind == .bind {
            if filesystem.resolveInScope(r.target) == "/" {
                throw .usage(
                    "\(r.origin): \(r.target) is a symlink in the image that leads to the container's root; mount somewhere else"
                )
            }
        }

        let store = volumes
        var made: [String] = []
        var copied: [(String, String)] = []
        var points: [MountPoint] = fromOthers
        try store.locked { () throws(KitError) in
            do throws(KitError) {
                for r in explicit {
                    switch r.kind {
                    case .tmpfs:
                        var p = MountPoint(type: .tmpfs, source: "", destination: r.target, readOnly: r.readOnly)
                        p.options = r.tmpfsOptions
                        points.append(p)
                    case .bind:
                        let source = r.source ?? ""
                        var st = stat()
                        if stat(source, &st) != 0 {
                            guard errno == ENOENT, r.createHostPath else {
                                throw .usage(
                                    "\(r.origin): invalid mount config for type \"bind\": bind source path does not exist: \(source)"
                                )
                            }
                            do throws(SystemError) { try FileIO.makeDirectories(source, mode: 0o755) } catch {
                                throw .system(error)
                            }
                        }
                        var p = MountPoint(type: .bind, source: source, destination: r.target, readOnly: r.readOnly)
                        p.propagation = r.propagation
                        if r.createHostPath { p.createSource = true }
                        if r.recursion != .enabled { p.recursion = r.recursion }
                        points.append(p)
                    case .volume:
                        let anonymous = r.source == nil
                        let name = r.source ?? NameGenerator.makeID()
                        // volume-opt counts only for a volume this mount makes (Docker ignores it otherwise).
                        let options = store.exists(name) ? [:] : r.volumeOptions
                        if !options.isEmpty { _ = try LocalVolumeOptions(options, origin: "\(r.origin): volume-opt") }
                        let (volume, created) = try store.create(
                            name, labels: r.volumeLabels, anonymous: anonymous, options: options)
                        if created { made.append(name) }
                        var p = MountPoint(
                            type: .volume, name: name, source: volume.Mountpoint, destination: r.target,
                            readOnly: r.readOnly)
                        switch try LocalVolumeOptions(volume.Options, origin: "volume \(name)").mount {
                        case .data: break
                        case .hostDirectory(let directory):
                            guard FileIO.exists(directory) else {
                                throw .usage(
                                    "\(r.origin): failed to mount local volume \(name): mount \(directory): no such file or directory"
                                )
                            }
                            p.source = directory
                        case .filesystem(let type, let device, let options):
                            p.filesystemType = type
                            p.source = device
                            p.options = options
                        }
                        // Copied up into what the container sees: its data, or the host directory (as Docker
                        // copies into the mounted device); a filesystem mounted later gets nothing.
                        if p.filesystemType == nil, !r.noCopy, VolumeStore.isEmptyDirectory(p.source),
                            let resolved = filesystem.resolveInScope(r.target)
                        {
                            try VolumeCopyUp.copy(from: filesystem, imagePath: resolved, to: p.source)
                            copied.append((resolved, p.source))
                        }
                        if anonymous || volume.Anonymous == true { p.anonymous = true }
                        points.append(p)
                    }
                }
                // A volume's users are the records that mount it: with a volume, the record is written
                // now, still under the volumes' lock, so a concurrent `volume rm` or prune sees it in
                // use. (Without one, create writes it once, at its end.)
                if points.contains(where: { $0.type == .volume }) {
                    var early = container
                    early.mounts = points
                    container = try containers.create(early, freshName: early.name.isEmpty)
                }
            } catch {
                // Volumes this create made go again when it fails (still under the lock: nobody else
                // can have started to use them).
                for name in made { try? store.removeFiles(name) }
                throw error
            }
        }
        container.mounts = points.isEmpty ? nil : points
        for name in made { events.record(volume: name, "create") }
        if logger.isExplaining { explainVolumes(made: made, copied: copied, points: points) }
        return points.map(Self.specMount)
    }

    private func explainVolumes(made: [String], copied: [(String, String)], points: [MountPoint]) {
        for name in made { logger.explain(.volumeCreated(name: name, directory: volumes.dataPath(of: name))) }
        for (from, into) in copied { logger.explain(.copyUp(imagePath: from, into: into)) }
        for p in points {
            logger.explain(
                .volumeMount(
                    kind: p.type.rawValue, name: p.name, source: p.type == .tmpfs ? "tmpfs" : p.source,
                    target: p.destination, readOnly: p.readOnly))
        }
    }

    /// The OCI spec mount for a recorded mount.
    static func specMount(_ m: MountPoint) -> SkiffOCI.Mount {
        switch m.type {
        case .tmpfs:
            var options = ["nosuid", "nodev", "noexec"] + (m.options ?? [])
            if m.readOnly { options.append("ro") }
            return Mount(destination: m.destination, type: "tmpfs", source: "tmpfs", options: options)
        case .volume where m.filesystemType != nil:
            var options = ["nosuid", "nodev"] + (m.options ?? [])
            if m.readOnly { options.append("ro") }
            return Mount(destination: m.destination, type: m.filesystemType, source: m.source, options: options)
        case .bind, .volume:
            let recursion = m.recursion ?? .enabled
            var options = [recursion == .disabled ? "bind" : "rbind", m.propagation ?? "rprivate"]
            // Read-only reaches the submounts too (the runtime's rro: mount_setattr AT_RECURSIVE), unless
            // `bind-recursive=writable` keeps Docker 24's top-only read-only (or the kernel is too old).
            let rro = recursion == .readonly || (recursion != .writable && RecursiveReadOnly.supported)
            if m.readOnly { options += rro ? ["ro", "rro"] : ["ro"] } else { options.append("rw") }
            return Mount(destination: m.destination, type: "bind", source: m.source, options: options)
        }
    }

    /// The spec's mounts with the container's own added: a default mount at the same destination is
    /// replaced (a `--tmpfs /dev/shm`), and the mounts after the defaults are put in order of depth, so
    /// a mount at /a is made before one at /a/b (stable otherwise).
    static func orderMounts(_ existing: [SkiffOCI.Mount], adding added: [SkiffOCI.Mount]) -> [SkiffOCI.Mount] {
        guard !added.isEmpty else { return existing }
        let defaults: Set<String> = ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]
        let targets = Set(added.map(\.destination))
        let kept = existing.filter { !targets.contains($0.destination) }
        let head = kept.filter { defaults.contains($0.destination) }
        let tail = kept.filter { !defaults.contains($0.destination) } + added
        let depth = { (m: SkiffOCI.Mount) in m.destination.split(separator: "/").count }
        let ordered = tail.enumerated().sorted { a, b in
            depth(a.element) != depth(b.element) ? depth(a.element) < depth(b.element) : a.offset < b.offset
        }.map(\.element)
        return head + ordered
    }

    /// Before each start: a named volume removed meanwhile (`volume rm -f` of a stopped container's
    /// volume) is made again, empty, and so is a missing `-v` bind source, as Docker does.
    func ensureMountSources(of record: Container) throws(KitError) {
        guard let mounts = record.mounts else { return }
        for m in mounts {
            switch m.type {
            case .volume:
                guard let name = m.name, !FileIO.exists(volumes.dataPath(of: name)) else { continue }
                try volumes.locked { () throws(KitError) in
                    _ = try volumes.create(name, anonymous: m.anonymous == true)
                }
            case .bind:
                if m.createSource == true, !FileIO.exists(m.source) {
                    do { try FileIO.makeDirectories(m.source, mode: 0o755) } catch { throw .system(error) }
                }
            case .tmpfs: continue
            }
        }
    }

    /// Remove a container's directory; with `anonymousVolumes` (rm -v, --rm) also its anonymous volumes
    /// that no other container uses.
    /// `record`: the container's record when it is not (yet) on disk.
    package func removeContainerFiles(id: String, anonymousVolumes: Bool, record given: Container? = nil) {
        let record = given ?? (try? containers.load(id: id))
        if record?.hostConfig?.storageOpt != nil {
            ContainerStorageQuota(root: root).release(upper: containers.directory(of: id) + "/upper")
        }
        containers.remove(id: id)
        if given == nil, let record { events.record(container: record, "destroy") }
        guard anonymousVolumes, let mounts = record?.mounts else { return }
        let names = mounts.filter { $0.type == .volume && $0.anonymous == true }.compactMap(\.name)
        guard !names.isEmpty else { return }
        _ = try? volumes.locked { () throws(KitError) in
            for name in names where volumeUsers(name).isEmpty {
                if (try? volumes.removeFiles(name)) != nil { events.record(volume: name, "destroy") }
            }
        }
    }

    /// The containers whose records mount volume `name`.
    package func volumeUsers(_ name: String) -> [Container] {
        containers.all().filter { c in (c.mounts ?? []).contains { $0.type == .volume && $0.name == name } }
    }

    // MARK: skiff volume

    /// `volume create`: a local volume called `name` (an existing one is returned as it is, as Docker does).
    /// `options`: the local driver's (`volume create -o`), checked by `LocalVolumeOptions`.
    public func createVolume(
        _ name: String, labels: [String: String] = [:], options: [String: String] = [:]
    ) throws(KitError) -> Volume {
        _ = try LocalVolumeOptions(options, origin: "volume create \(name)")
        let (volume, created) = try volumes.locked { () throws(KitError) in
            try volumes.create(name, labels: labels, options: options)
        }
        if created { logger.explain(.volumeCreated(name: volume.Name, directory: volume.Mountpoint)) }
        if created { events.record(volume: volume.Name, "create") }
        return volume
    }

    /// The volume called `name`.
    public func volume(_ name: String) throws(KitError) -> Volume { try volumes.load(name) }

    /// `volume ls`; `dangling`: only volumes no container uses (true) or only used ones (false).
    public func listVolumes(dangling: Bool? = nil) -> [Volume] { filterDangling(volumes.all(), dangling) }

    func filterDangling(_ all: [Volume], _ dangling: Bool?) -> [Volume] {
        guard let dangling else { return all }
        let used = Set(containers.all().flatMap { ($0.mounts ?? []).compactMap { $0.type == .volume ? $0.name : nil } })
        return all.filter { used.contains($0.Name) != dangling }
    }

    /// `volume rm`: refused while a container uses the volume, naming it; `force` removes a volume that
    /// only stopped containers use (they get an empty one back at their next start), never one a
    /// running container has mounted. A missing volume is no error with `force`.
    public func removeVolume(_ name: String, force: Bool) throws(KitError) {
        try volumes.locked { () throws(KitError) in
            do throws(KitError) { _ = try volumes.load(name) } catch {
                guard case .unreadableRecord = error else {
                    if case .notFound = error, force { return }
                    throw error
                }
                // An unreadable record: its data can still be removed once no container uses it.
            }
            // Not `reconcile` here: its --rm repair removes volumes, which takes this lock again.
            let users = volumeUsers(name)
            if let running = users.first(where: {
                ($0.status == .running || $0.status == .restarting)
                    && (processAlive($0) || monitorAlive($0))
            }) {
                throw .usage(
                    "remove \(name): volume is in use by running container \(running.name) (\(running.shortID)); stop and remove it first"
                )
            }
            if let user = users.first, !force {
                throw .usage(
                    "remove \(name): volume is in use by container \(user.name) (\(user.shortID)); remove that container first, or use -f as it is stopped"
                )
            }
            try volumes.removeFiles(name)
            events.record(volume: name, "destroy")
        }
    }

    /// `volume prune`: anonymous volumes no container uses (`all`: every unused volume, Docker's -a).
    /// Returns the names removed and the bytes freed.
    public func pruneVolumes(all: Bool = false, filter: PruneFilter = PruneFilter()) -> (names: [String], bytes: UInt64)
    {
        var names: [String] = []
        var bytes: UInt64 = 0
        _ = try? volumes.locked { () throws(KitError) in
            for v in listVolumes(dangling: true) where all || v.Anonymous == true {
                guard filter.matches(created: v.CreatedAt, labels: v.Labels) else { continue }
                let size = Self.diskUsage(volumes.directory(of: v.Name))
                if (try? volumes.removeFiles(v.Name)) != nil {
                    names.append(v.Name)
                    events.record(volume: v.Name, "destroy")
                    bytes += size
                }
            }
        }
        return (names, bytes)
    }
}
