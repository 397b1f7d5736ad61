import SkiffImage
import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff commit`'s choices (Docker's flags).
public struct CommitOptions: Sendable {
    /// `-a`: the image's author.
    public var author: String?
    /// `-m`: the history entry's comment.
    public var message: String?
    /// `-c`: Dockerfile instructions applied to the config (those `import --change` takes).
    public var changes: [String] = []
    /// `--pause` (Docker's default): freeze a running container while its layer is read.
    public var pause = true
    /// The name to give the image; nil leaves it untagged.
    public var reference: ImageReference?

    /// Docker's defaults: no author or message, no change, pause, no name.
    public init() {}
}

/// `skiff commit`: a new image from a container, as Docker makes it — the image's layers plus one layer of
/// what the container changed (exactly what `skiff diff` lists: whiteouts become OCI `.wh.` entries, opaque
/// directories `.wh..wh..opq`, the container's mount points are left out), the container's config
/// (command, environment, working directory, labels...) with the `-c` instructions applied, and a history
/// entry with the author and message. A running container is frozen (its cgroup's freezer) from the first
/// read of its layer until the layer is packed, unless `pause` is false.
extension Engine {
    /// Make the image (tagged when `options.reference` names it, else kept without a name) and return it.
    public func commit(_ nameOrID: String, options: CommitOptions) throws(KitError) -> StoredImage {
        let c = try container(nameOrID)
        let image: StoredImage
        do { image = try images.image(manifest: try Digest(c.manifestDigest)) } catch {
            throw .notFound("the image of container \(c.name) (\(c.image)) is no longer in the store: \(error)")
        }
        var config = containerConfig(of: c, image: image)
        do { try ImageConfigChange.apply(options.changes, to: &config) } catch { throw .image(error) }

        var thaw = false
        if options.pause, c.status == .running, processAlive(c), !isPaused(c) {
            do { try runtime.pause(id: c.id) } catch { throw .runtime(error) }
            thaw = true
        }
        let layer: (descriptor: Descriptor, diffID: String)?
        do {
            defer { if thaw { try? runtime.resume(id: c.id) } }
            layer = try packWritableLayer(of: c, parent: image)
        }

        let now = Timestamp.now()
        var imageConfig = image.config
        imageConfig.created = now
        imageConfig.author = options.author
        imageConfig.config = config
        var entry = History(
            created: now, createdBy: (config.Cmd ?? []).joined(separator: " "), comment: options.message,
            emptyLayer: layer == nil ? true : nil)
        entry.author = options.author
        // An image without history (some imports) gets an entry per layer first, so history lines up.
        var history = imageConfig.history ?? []
        let layered = history.filter { $0.emptyLayer != true }.count
        if layered < image.manifest.layers.count {
            history =
                Array(repeating: History(created: image.config.created), count: image.manifest.layers.count - layered)
                + history
        }
        imageConfig.history = history + [entry]
        var manifest = image.manifest
        if let layer {
            imageConfig.rootfs.diffIDs.append(layer.diffID)
            manifest.layers.append(layer.descriptor)
        }
        let docker = manifest.mediaType == MediaType.dockerManifest
        do {
            manifest.config = try images.content.writeJSON(
                imageConfig, mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig)
            let written = try images.content.writeJSON(manifest, mediaType: manifest.mediaType ?? MediaType.ociManifest)
            let digest = try Digest(written.digest)
            if let reference = options.reference {
                try images.tag(reference, manifest: digest)
            } else {
                try images.keepUntagged(manifest: digest)
            }
            if digest != image.manifestDigest { try images.setParent(image.manifestDigest, of: digest) }
            let committed = try images.image(manifest: digest)
            events.record(container: c, "commit")
            return committed
        } catch {
            throw .image(error)
        }
    }

    /// The container's changes as a layer blob in the content store; nil when it changed nothing (Docker
    /// then adds no layer, only an empty-layer history entry).
    private func packWritableLayer(of c: Container, parent: StoredImage) throws(KitError) -> (
        descriptor: Descriptor, diffID: String
    )? {
        let (layer, changes) = try writableLayerChanges(of: c)
        if changes.isEmpty { return nil }
        let dir = containers.directory(of: c.id)
        let staging: String
        let blob: String
        do {
            // Beside the upper directory: the staged entries are hard links to its inodes.
            staging = try FileIO.makeTemporaryDirectory(in: dir, prefix: ".commit-")
            let (fd, path) = try FileIO.makeTemporaryFile(in: dir, prefix: ".commit-layer-")
            close(fd)
            blob = path
        } catch { throw .system(error) }
        defer {
            FileIO.removeTree(staging)
            unlink(blob)
        }
        chmod(staging, 0o755)
        let packed: PackedLayer
        do {
            try layer.stage(Set(changes.map(\.path)), into: staging)
            packed = try LayerPacker().pack(directory: staging, to: blob, convertOverlayWhiteouts: true)
        } catch let error as ImageError {
            throw .image(error)
        } catch {
            throw .usage("commit \(c.name): pack the container's layer: \(error)")
        }
        do {
            try images.content.ingest(file: blob, expected: try Digest(packed.digest), expectedSize: packed.size)
        } catch {
            throw .image(error)
        }
        let docker = parent.manifest.mediaType == MediaType.dockerManifest
        return (
            Descriptor(
                mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip, digest: packed.digest,
                size: packed.size),
            packed.diffID
        )
    }

    /// Docker's container config, the committed image's: the image's, with what `run` changed — the command
    /// (split back into the image's Entrypoint and the rest as Cmd when it still starts with it), the
    /// environment (without HOSTNAME and the TERM of `-t`, which Docker adds at start), the working
    /// directory, the labels, the stop signal, the user (`-u`), the exposed and published ports, the health
    /// check and the anonymous volumes.
    func containerConfig(of c: Container, image: StoredImage) -> ContainerConfig {
        var config = image.config.config ?? ContainerConfig()
        let spec = try? SpecFile.load(bundle: containers.directory(of: c.id))
        var command = spec?.process?.args ?? c.command
        if command.starts(with: ["/sbin/docker-init", "--"]) { command.removeFirst(2) }  // --init
        let entrypoint = config.Entrypoint ?? []
        if !entrypoint.isEmpty, command.starts(with: entrypoint) {
            config.Cmd = Array(command.dropFirst(entrypoint.count))
        } else {
            config.Entrypoint = nil
            config.Cmd = command
        }
        if let process = spec?.process {
            let imageEnv = Set(config.Env ?? [])
            let hostname = spec?.hostname ?? c.hostname
            config.Env = (process.env ?? []).filter { entry in
                if imageEnv.contains(entry) { return true }
                if let hostname, entry == "HOSTNAME=" + hostname { return false }
                if c.tty == true, entry == "TERM=xterm" { return false }
                if let home = c.defaultHome, entry == "HOME=" + home { return false }
                return true
            }
            if !(process.cwd == "/" && (config.WorkingDir ?? "").isEmpty) { config.WorkingDir = process.cwd }
        }
        if !c.labels.isEmpty { config.Labels = (config.Labels ?? [:]).merging(c.labels) { $1 } }
        if let signal = c.stopSignal { config.StopSignal = signal }
        if let user = c.user { config.User = user.isEmpty ? nil : user }
        let hasNetNS = spec?.linux?.namespaces?.contains { $0.type == "network" } ?? true
        let exposed = networkDocs(c, hasNetNS: hasNetNS).exposed
        if !exposed.isEmpty {
            config.ExposedPorts = Dictionary(uniqueKeysWithValues: exposed.map { ($0, EmptyObject()) })
        }
        if let h = c.healthcheck {
            var health = HealthConfig(
                Test: h.test, Interval: h.interval, Timeout: h.timeout, StartPeriod: h.startPeriod, Retries: h.retries)
            health.StartInterval = h.startInterval
            config.Healthcheck = health
        }
        let anonymous = (c.mounts ?? []).filter { $0.type == .volume && $0.anonymous == true }.map(\.destination)
        if !anonymous.isEmpty {
            config.Volumes = (config.Volumes ?? [:]).merging(anonymous.map { ($0, EmptyObject()) }) { a, _ in a }
        }
        return config
    }
}
