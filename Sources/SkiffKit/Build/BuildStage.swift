import SkiffImage
import SkiffOCI
import SkiffSystem

/// One stage being built: the image so far (each step's result is an untagged image in the content
/// store, so the cache can point at it), the ARGs in scope, and whether CMD was set in this stage.
struct BuildStage {
    var image: StoredImage
    /// ARG names in declaration order and their values (nil: declared without a value).
    var args: [(name: String, value: String?)] = []
    var cmdSet = false

    var config: ContainerConfig { image.config.config ?? ContainerConfig() }

    /// Image Env as a dictionary (later entries win).
    var environment: [String: String] {
        var out: [String: String] = [:]
        for entry in config.Env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }

    /// What `$NAME` means in this stage: ENV first, then ARG.
    func lookup(_ name: String) -> String? {
        if let v = environment[name] { return v }
        return args.last(where: { $0.name == name })?.value
    }

    mutating func setArg(_ name: String, _ value: String?) {
        args.removeAll { $0.name == name }
        args.append((name, value))
    }

    /// ARGs with values, as RUN sees them (not shadowed by ENV), in declaration order.
    func runArgs(excludingEnv: Bool = true) -> [(String, String)] {
        let env = environment
        return args.compactMap { a in
            guard let v = a.value, !excludingEnv || env[a.name] == nil else { return nil }
            return (a.name, v)
        }
    }
}

/// Writes a step's image: the parent's config with a change, one history entry (empty_layer for a
/// metadata-only step), and the new layer if there is one; config and manifest go into the content store.
struct ImageCommitter {
    let images: ImageStore

    func commit(parent: StoredImage, createdBy: String, layer: (descriptor: Descriptor, diffID: String)?,
                change: (inout ContainerConfig) -> Void) throws(BuildError) -> StoredImage {
        let now = Timestamp.now()
        var config = parent.config
        var container = config.config ?? ContainerConfig()
        change(&container)
        config.config = container
        config.created = now
        var history = config.history ?? []
        history.append(History(created: now, createdBy: createdBy, comment: "skiff build",
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
    func scratch() throws(BuildError) -> StoredImage {
        var container = ContainerConfig()
        container.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        let config = ImageConfig(created: nil, config: container, rootfs: RootFS(diffIDs: []), history: [])
        let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: "", size: 0), layers: [])
        return try write(config: config, manifest: manifest)
    }

    func write(config: ImageConfig, manifest: Manifest) throws(BuildError) -> StoredImage {
        let docker = manifest.mediaType == MediaType.dockerManifest
        var manifest = manifest
        do {
            manifest.config = try images.content.writeJSON(config, mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig)
            let descriptor = try images.content.writeJSON(manifest, mediaType: manifest.mediaType ?? MediaType.ociManifest)
            return try images.image(manifest: try Digest(descriptor.digest))
        } catch {
            throw .wrap(error)
        }
    }
}
