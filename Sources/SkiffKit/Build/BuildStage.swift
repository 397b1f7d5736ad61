import SkiffImage
import SkiffOCI
import SkiffSystem

/// One stage being built. `image` is the stage so far; each step's result is an image the cache can
/// point at, except after a metadata-only step (ENV, LABEL, CMD, USER…): its change and history line
/// are applied to `image.config` in memory, and the image is written when something needs it (a layer
/// step commits on top of it, the stage ends). So a run of metadata steps costs O(1) each instead of
/// encoding, hashing and storing the whole, growing config once per step (issue 15).
struct BuildStage {
    /// The config holds every step so far; the manifest and digests are the last image written.
    private(set) var image: StoredImage
    /// False while metadata steps are applied in memory only (`image`'s digests are then stale).
    private(set) var isWritten = true
    /// What the next step's cache key is built on: the manifest digest of the last image a layer
    /// step (or FROM) made, chained through the metadata steps since. Writing the image does not
    /// change it, so the keys are the same whether or not an intermediate image was written.
    private(set) var key: Digest
    var cmdSet = false
    /// The cache keys of the steps so far (for `--cache-to`).
    var cacheKeys: [String] = []
    /// ARG values by name (nil: declared without a value), and the order they were (re)declared in.
    private var argValues: [String: String?] = [:]
    private var argOrder: [String: Int] = [:]
    private var argCount = 0
    /// Env entry index by variable name, so ENV and `$NAME` lookups do not scan the whole Env.
    private var envIndex: [String: Int] = [:]

    init(image: StoredImage) {
        self.image = image
        key = image.manifestDigest
        indexEnv()
    }

    var config: ContainerConfig { image.config.config ?? ContainerConfig() }

    private mutating func indexEnv() {
        envIndex = [:]
        for (i, entry) in (image.config.config?.Env ?? []).enumerated() {
            envIndex[Self.envName(entry)] = i
        }
    }

    static func envName(_ entry: String) -> String {
        String(entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }

    /// An Env variable's value (nil when not set).
    func env(_ name: String) -> String? {
        guard let i = envIndex[name], let entry = image.config.config?.Env?[i] else { return nil }
        guard let eq = entry.firstIndex(of: "=") else { return "" }
        return String(entry[entry.index(after: eq)...])
    }

    /// What `$NAME` means in this stage: ENV first, then ARG.
    func lookup(_ name: String) -> String? {
        if let v = env(name) { return v }
        return argValues[name] ?? nil
    }

    mutating func setArg(_ name: String, _ value: String?) {
        argValues[name] = .some(value)
        argOrder[name] = argCount
        argCount += 1
    }

    /// ARGs with values, as RUN sees them (not shadowed by ENV), in declaration order.
    func runArgs(excludingEnv: Bool = true) -> [(String, String)] {
        argOrder.sorted { $0.value < $1.value }.compactMap { (name, _) in
            guard let v = argValues[name] ?? nil, !excludingEnv || envIndex[name] == nil else { return nil }
            return (name, v)
        }
    }

    /// ENV NAME=VALUE: replaces the variable's entry in place, or appends one.
    mutating func setEnv(_ name: String, _ value: String, in config: inout ContainerConfig) {
        if config.Env == nil { config.Env = [] }
        if let i = envIndex[name], i < config.Env!.count {
            config.Env![i] = name + "=" + value
        } else {
            envIndex[name] = config.Env!.count
            config.Env!.append(name + "=" + value)
        }
    }

    /// MAINTAINER: the image's author.
    mutating func setAuthor(_ who: String) {
        image.config.author = who
    }

    /// A metadata-only step: its change and its history line (an empty layer), in memory.
    mutating func apply(
        createdBy: String, created: String, key: Digest, change: (inout BuildStage, inout ContainerConfig) -> Void
    ) {
        var container = image.config.config ?? ContainerConfig()
        image.config.config = nil  // `container` holds the only reference: changed in place
        change(&self, &container)
        image.config.config = container
        image.config.created = created
        if image.config.history == nil { image.config.history = [] }
        image.config.history!.append(
            History(created: created, createdBy: createdBy, comment: "skiff build", emptyLayer: true))
        isWritten = false
        self.key = key
        cacheKeys.append(key.hex)
    }

    /// The stage's image after a step that wrote one (a layer step, or a cache hit for it).
    mutating func replace(with written: StoredImage) {
        let envCount = image.config.config?.Env?.count
        image = written
        isWritten = true
        key = written.manifestDigest
        // Layer steps do not change Env; re-indexed only if the written image says otherwise.
        if written.config.config?.Env?.count != envCount { indexEnv() }
    }

    /// The stage's image as stored: written now if metadata steps are pending. Its config is what the
    /// steps made (their timestamps included), so writing it twice gives the same digest.
    mutating func written(_ committer: ImageCommitter) throws(BuildError) -> StoredImage {
        if !isWritten {
            let key = self.key
            replace(with: try committer.write(config: image.config, manifest: image.manifest))
            self.key = key
        }
        return image
    }
}

/// Writes a step's image: the parent's config with a change, one history entry (empty_layer for a
/// metadata-only step), and the new layer if there is one; config and manifest go into the content store.
struct ImageCommitter {
    let images: ImageStore
    /// Counts the images and config bytes written (nil: not counted).
    var work: BuildWork? = nil

    func commit(
        parent: StoredImage, createdBy: String, layer: (descriptor: Descriptor, diffID: String)?,
        change: (inout ContainerConfig) -> Void
    ) throws(BuildError) -> StoredImage {
        let now = Timestamp.now()
        var config = parent.config
        var container = config.config ?? ContainerConfig()
        change(&container)
        config.config = container
        config.created = now
        var history = config.history ?? []
        history.append(
            History(
                created: now, createdBy: createdBy, comment: "skiff build",
                emptyLayer: layer == nil ? true : nil))
        config.history = history
        var manifest = parent.manifest
        if let layer {
            config.rootfs.diffIDs.append(layer.diffID)
            manifest.layers.append(layer.descriptor)
        }
        return try write(config: config, manifest: manifest)
    }

    /// An image with no layers (FROM scratch): no timestamp, so its digest is always the same.
    func scratch(platform: Platform? = nil) throws(BuildError) -> StoredImage {
        var container = ContainerConfig()
        container.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        var config = ImageConfig(created: nil, config: container, rootfs: RootFS(diffIDs: []), history: [])
        if let platform {
            config.architecture = platform.architecture
            config.variant = platform.variant
        }
        let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: "", size: 0), layers: [])
        return try write(config: config, manifest: manifest)
    }

    func write(config: ImageConfig, manifest: Manifest) throws(BuildError) -> StoredImage {
        let docker = manifest.mediaType == MediaType.dockerManifest
        var manifest = manifest
        do {
            manifest.config = try images.content.writeJSON(
                config, mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig)
            let descriptor = try images.content.writeJSON(
                manifest, mediaType: manifest.mediaType ?? MediaType.ociManifest)
            work?.wroteImage(configBytes: Int(manifest.config.size))
            return try images.image(manifest: try Digest(descriptor.digest))
        } catch {
            throw .wrap(error)
        }
    }
}
