import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// An image `load` put in the store: its IMAGE ID (config digest), manifest and the names it got.
public struct LoadedImage: Sendable, Equatable {
    public var id: Digest
    public var manifestDigest: Digest
    public var references: [ImageReference]
}

/// `skiff load`: images from a docker-archive (`docker save` / `podman save`, the old `<id>/layer.tar` layout
/// and Docker 25+'s `blobs/sha256/` one) or an OCI image layout tar, plain or compressed (gzip, zstd, xz,
/// bzip2), read from a file or a pipe.
///
/// The archive is streamed once into a private staging area, hashing every file on the way. Then
/// everything is checked before anything becomes visible: paths stay inside the archive, every
/// `blobs/sha256/<hex>` matches its name, every descriptor's size, every layer's diff ID matches the config.
/// Only then are the blobs moved into the content store and the names tagged; a refused archive leaves
/// nothing tagged and no blob behind.
public struct ImageArchiveLoader: Sendable {
    public let store: ImageStore
    /// `load --platform`: only this platform's images of a multi-platform archive (nil: this machine's
    /// from a nested index, every image listed at the top).
    public let platform: Platform?

    public init(store: ImageStore, platform: Platform? = nil) {
        self.store = store
        self.platform = platform
    }

    /// Load from a file.
    public func load(path: String) throws(ImageError) -> [LoadedImage] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: path)) }
        defer { close(fd) }
        return try load(fd: fd, source: path)
    }

    /// Load from an open descriptor (a file or a pipe; not closed here). `source` names it in errors.
    public func load(fd: Int32, source: String) throws(ImageError) -> [LoadedImage] {
        let staging = try ArchiveStaging(content: store.content, archive: source)
        defer { staging.remove() }
        try staging.read(try TarStreamReader(fd: fd, what: source))

        // Every blob under blobs/sha256/ must be what its name says.
        for (path, file) in staging.files where path.hasPrefix("blobs/sha256/") {
            let hex = String(path.dropFirst("blobs/sha256/".count))
            if hex != file.digest.hex {
                throw .invalidContent(
                    "\(source): \(path) does not match its digest (its content hashes to \(file.digest)): the archive is corrupt or was tampered with; nothing was loaded"
                )
            }
        }

        let plans: [Plan]
        if staging.contains("manifest.json") {
            plans = try dockerPlans(staging)
        } else if staging.contains("index.json") {
            plans = try ociPlans(staging)
        } else {
            throw .invalidContent(
                "\(source): neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)")
        }
        if plans.isEmpty, let platform { throw .unsupported("\(source): no image for \(platform) in the archive") }
        if plans.isEmpty { throw .invalidContent("\(source): the archive holds no image") }

        // All checked: blobs in, then names.
        for plan in plans {
            for blob in plan.blobs { try store.content.adopt(file: blob.path, digest: blob.digest) }
            if let bytes = plan.manifestBytes { try store.content.write(bytes, expected: plan.manifestDigest) }
        }
        var loaded: [LoadedImage] = []
        for plan in plans {
            for ref in plan.references { try store.tag(ref, manifest: plan.manifestDigest) }
            loaded.append(
                LoadedImage(id: plan.configDigest, manifestDigest: plan.manifestDigest, references: plan.references))
        }
        return loaded
    }

    /// One image to commit: the staged blobs it needs, its manifest (staged, or made here) and its names.
    struct Plan {
        var blobs: [ArchiveStaging.File]
        var manifestDigest: Digest
        /// A manifest made by the loader (docker-archive without a matching OCI manifest); nil when staged.
        var manifestBytes: [UInt8]?
        var configDigest: Digest
        var references: [ImageReference]
    }

    // MARK: docker-archive

    private func dockerPlans(_ staging: ArchiveStaging) throws(ImageError) -> [Plan] {
        let source = staging.archive
        let entries = try JSON.decode(
            [DockerArchiveManifestEntry].self, from: try staging.bytes("manifest.json"),
            what: "\(source): manifest.json")
        // Docker 25+ also writes an OCI index; reuse its manifests, so a save → load round trip keeps the
        // manifest digest.
        var ociManifests: [Digest: (Manifest, ArchiveStaging.File)] = [:]
        if staging.contains("index.json"),
            let index = try? JSON.decode(ImageIndex.self, from: try staging.bytes("index.json"), what: "index.json")
        {
            for d in index.manifests where MediaType.isManifest(d.mediaType) {
                guard let digest = try? Digest(d.digest), let file = try? staging.file("blobs/sha256/" + digest.hex),
                    let m = try? JSON.decode(
                        Manifest.self, from: try staging.bytes("blobs/sha256/" + digest.hex), what: "manifest")
                else { continue }
                ociManifests[digest] = (m, file)
            }
        }

        var plans: [Plan] = []
        for (n, entry) in entries.enumerated() {
            let what = "\(source): manifest.json entry \(n + 1)"
            let configFile = try staging.file(entry.Config)
            let base = entry.Config.split(separator: "/").last.map(String.init) ?? entry.Config
            let named = base.hasSuffix(".json") ? String(base.dropLast(5)) : base
            if named.utf8.count == 64, (try? Digest(hex: named)) != nil, named != configFile.digest.hex {
                throw .invalidContent(
                    "\(what): config \(entry.Config) does not match its digest (it hashes to \(configFile.digest)): the archive is corrupt; nothing was loaded"
                )
            }
            let config = try JSON.decode(
                ImageConfig.self, from: try staging.bytes(entry.Config), what: "\(what): config \(entry.Config)")
            guard config.rootfs.diffIDs.count == entry.Layers.count else {
                throw .invalidContent(
                    "\(what): \(entry.Layers.count) layers but the config lists \(config.rootfs.diffIDs.count) diff_ids"
                )
            }
            var blobs = [configFile]
            var layers: [Descriptor] = []
            for (i, layerPath) in entry.Layers.enumerated() {
                let file = try staging.file(layerPath)
                let (diffID, compression) = try LayerBlobInspector.diffID(
                    of: file.path, digest: file.digest, what: "\(what): layer \(layerPath)")
                guard diffID.description == config.rootfs.diffIDs[i] else {
                    throw .invalidContent(
                        "\(what): layer \(i + 1) (\(layerPath)) hashes to \(diffID) but the config says \(config.rootfs.diffIDs[i]): the archive is corrupt; nothing was loaded"
                    )
                }
                layers.append(
                    Descriptor(
                        mediaType: try LayerBlobInspector.mediaType(compression, what: "\(what): layer \(layerPath)"),
                        digest: file.digest.description, size: file.size))
                blobs.append(file)
            }
            var references: [ImageReference] = []
            for tag in entry.RepoTags ?? [] {
                do { references.append(try ImageReference(parsing: tag)) } catch {
                    throw .invalidContent("\(what): RepoTags: \(error)")
                }
            }
            // The OCI manifest of the same image when the archive has one, else a new one.
            let layerDigests = layers.map(\.digest)
            if let (digest, (_, file)) = ociManifests.first(where: {
                $0.value.0.config.digest == configFile.digest.description
                    && $0.value.0.layers.map(\.digest) == layerDigests
            }) {
                plans.append(
                    Plan(
                        blobs: blobs + [file], manifestDigest: digest, manifestBytes: nil,
                        configDigest: configFile.digest, references: references))
                continue
            }
            let manifest = Manifest(
                mediaType: MediaType.ociManifest,
                config: Descriptor(
                    mediaType: MediaType.ociConfig, digest: configFile.digest.description, size: configFile.size),
                layers: layers)
            let bytes = try JSON.encode(manifest)
            plans.append(
                Plan(
                    blobs: blobs, manifestDigest: Digest.of(bytes), manifestBytes: bytes,
                    configDigest: configFile.digest, references: references))
        }
        return plans
    }

    // MARK: OCI image layout

    private func ociPlans(_ staging: ArchiveStaging) throws(ImageError) -> [Plan] {
        let source = staging.archive
        let index = try JSON.decode(
            ImageIndex.self, from: try staging.bytes("index.json"), what: "\(source): index.json")
        var plans: [Plan] = []
        for descriptor in index.manifests {
            let annotations = descriptor.annotations ?? [:]
            var references: [ImageReference] = []
            if let name = Self.referenceName(annotations) {
                do { references.append(try ImageReference(parsing: name)) } catch {
                    throw .invalidContent("\(source): index.json: image name \"\(name)\": \(error)")
                }
            }
            if let platform, MediaType.isManifest(descriptor.mediaType), let p = descriptor.platform,
                !platform.matches(p)
            {
                continue
            }
            guard let manifestDescriptor = try pickManifest(descriptor, staging, depth: 0) else { continue }
            var plan = try ociPlan(manifestDescriptor, staging)
            plan.references = references
            // One image named twice in index.json: one plan, two names.
            if let i = plans.firstIndex(where: { $0.manifestDigest == plan.manifestDigest }) {
                plans[i].references += references.filter { !plans[i].references.contains($0) }
            } else {
                plans.append(plan)
            }
        }
        return plans
    }

    /// The name an index entry gives its image: containerd's full name, else the OCI ref.name when it is a
    /// whole reference ("docker.io/library/busybox:latest", "busybox:1.36"), not just a tag ("latest").
    static func referenceName(_ annotations: [String: String]) -> String? {
        if let name = annotations["io.containerd.image.name"], !name.isEmpty { return name }
        if let name = annotations["org.opencontainers.image.ref.name"], name.contains(":") || name.contains("/") {
            return name
        }
        return nil
    }

    /// Follow nested indexes to the manifest for this platform.
    private func pickManifest(_ d: Descriptor, _ staging: ArchiveStaging, depth: Int) throws(ImageError) -> Descriptor?
    {
        if MediaType.isManifest(d.mediaType) { return d }
        guard MediaType.isIndex(d.mediaType), depth < 4 else { return nil }
        let (bytes, _) = try blob(d, staging)
        let nested = try JSON.decode(ImageIndex.self, from: bytes, what: "\(staging.archive): index \(d.digest)")
        let here = platform ?? Platform.current
        let candidates = nested.manifests.filter { $0.platform.map { here.matches($0) } ?? true }
        for c in candidates {
            guard let staged = try? staging.file("blobs/sha256/" + (try Digest(c.digest)).hex) else { continue }
            _ = staged
            if let m = try pickManifest(c, staging, depth: depth + 1) { return m }
        }
        throw .unsupported("\(staging.archive): no image for \(here) in index \(d.digest)")
    }

    private func blob(_ d: Descriptor, _ staging: ArchiveStaging) throws(ImageError) -> ([UInt8], ArchiveStaging.File) {
        let file = try stagedBlob(d, staging)
        return (try staging.bytes("blobs/sha256/" + file.digest.hex), file)
    }

    private func stagedBlob(_ d: Descriptor, _ staging: ArchiveStaging) throws(ImageError) -> ArchiveStaging.File {
        let digest = try Digest(d.digest)
        let file = try staging.file("blobs/sha256/" + digest.hex)
        guard file.size == d.size else {
            throw .invalidContent(
                "\(staging.archive): blob \(digest) is \(file.size) bytes but its descriptor says \(d.size); nothing was loaded"
            )
        }
        return file
    }

    private func ociPlan(_ d: Descriptor, _ staging: ArchiveStaging) throws(ImageError) -> Plan {
        let source = staging.archive
        let (bytes, manifestFile) = try blob(d, staging)
        let manifest = try JSON.decode(Manifest.self, from: bytes, what: "\(source): manifest \(d.digest)")
        let configFile = try stagedBlob(manifest.config, staging)
        let config = try JSON.decode(
            ImageConfig.self, from: try staging.bytes("blobs/sha256/" + configFile.digest.hex),
            what: "\(source): config \(manifest.config.digest)")
        guard config.rootfs.diffIDs.count == manifest.layers.count else {
            throw .invalidContent(
                "\(source): manifest \(d.digest) has \(manifest.layers.count) layers but its config lists \(config.rootfs.diffIDs.count) diff_ids"
            )
        }
        var blobs = [manifestFile, configFile]
        for (i, layer) in manifest.layers.enumerated() {
            let file = try stagedBlob(layer, staging)
            let (diffID, _) = try LayerBlobInspector.diffID(
                of: file.path, digest: file.digest, what: "\(source): layer \(layer.digest)")
            guard diffID.description == config.rootfs.diffIDs[i] else {
                throw .invalidContent(
                    "\(source): layer \(i + 1) (\(layer.digest)) decompresses to \(diffID) but the config says \(config.rootfs.diffIDs[i]): the archive is corrupt; nothing was loaded"
                )
            }
            blobs.append(file)
        }
        return Plan(
            blobs: blobs, manifestDigest: manifestFile.digest, manifestBytes: nil, configDigest: configFile.digest,
            references: [])
    }
}
