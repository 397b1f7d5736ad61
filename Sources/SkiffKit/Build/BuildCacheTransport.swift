import SkiffImage
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Where an exported cache's blobs are read from when an imported step is used.
protocol BuildCacheBlobSource: Sendable {
    /// Copy the blob into `content`, checking its digest and size.
    func fetch(_ descriptor: Descriptor, into content: ContentStore) throws(BuildError)
}

/// A cache found by an import: its records and where their blobs are.
struct LoadedBuildCache: Sendable {
    var label: String
    var config: BuildCacheConfig
    /// Every blob the records need, by digest (the cache manifest's layers).
    var blobs: [String: Descriptor]
    var source: any BuildCacheBlobSource
}

/// The cache as an OCI image layout directory (`type=local`): `oci-layout`, `index.json` naming the cache
/// manifest by tag (`org.opencontainers.image.ref.name`), and `blobs/sha256/<hex>`, as BuildKit's local
/// cache is laid out. An export adds its blobs to those already there and replaces the tag's entry.
struct BuildCacheLayout: BuildCacheBlobSource {
    let directory: String
    let tag: String
    /// An import's `digest=`: the manifest to read, whatever the tags say.
    var digest: Digest? = nil

    static let refName = "org.opencontainers.image.ref.name"

    var blobStore: ContentStore { ContentStore(root: directory + "/blobs") }

    func fetch(_ descriptor: Descriptor, into content: ContentStore) throws(BuildError) {
        do {
            let digest = try Digest(descriptor.digest)
            if content.contains(digest) { return }
            try content.ingest(file: blobStore.path(of: digest), expected: digest, expectedSize: descriptor.size)
        } catch {
            throw .engine(
                "\(BuildCacheSpec.local(directory: directory, tag: tag).label): blob \(descriptor.digest): \(error)")
        }
    }

    /// Write the cache manifest for `config` (blobs copied from `images`) and point the tag at it.
    func export(_ config: BuildCacheConfig, images: ImageStore) throws(BuildError) {
        let blobs = try BuildCacheConfig.blobs(of: config.records, images: images)
        let layout = blobStore
        do {
            try FileIO.makeDirectories(directory, mode: 0o755)
            for blob in blobs {
                let digest = try Digest(blob.digest)
                try layout.ingest(file: images.content.path(of: digest), expected: digest)
            }
            let configDescriptor = try layout.writeJSON(config, mediaType: BuildCacheFormat.configMediaType)
            let manifest = Manifest(config: configDescriptor, layers: blobs)
            var descriptor = try layout.writeJSON(manifest, mediaType: MediaType.ociManifest)
            descriptor.annotations = [Self.refName: tag]
            rmdir(layout.root + "/ingest")
            var index = (try? readIndex()) ?? ImageIndex(manifests: [])
            index.manifests.removeAll { $0.annotations?[Self.refName] == tag }
            index.manifests.append(descriptor)
            try FileIO.writeAtomically(
                directory + "/oci-layout", contents: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            try FileIO.writeAtomically(directory + "/index.json", contents: try KitJSON.encode(index))
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("cannot export the build cache to \(directory): \(error)")
        }
    }

    func readIndex() throws -> ImageIndex {
        try KitJSON.decode(ImageIndex.self, from: try FileIO.read(directory + "/index.json"))
    }

    /// The cache the tag names.
    func load() throws(BuildError) -> LoadedBuildCache {
        let label = BuildCacheSpec.local(directory: directory, tag: tag).label
        let index: ImageIndex
        do { index = try readIndex() } catch {
            throw .engine("\(label): cannot read \(directory)/index.json: \(error)")
        }
        let wanted = index.manifests.first {
            if let digest { return $0.digest == digest.description }
            return $0.annotations?[Self.refName] == tag
        }
        guard let entry = wanted else {
            throw .engine("\(label): index.json names no cache \(digest.map { "of digest \($0)" } ?? "tagged \(tag)")")
        }
        do {
            let bytes = try readBlob(entry)
            if MediaType.isIndex(entry.mediaType) {
                let inner = try KitJSON.decode(ImageIndex.self, from: bytes)
                if inner.manifests.contains(where: { $0.mediaType == BuildCacheFormat.buildKitConfigMediaType }) {
                    throw BuildCacheFormat.buildKitCache(label)
                }
                throw BuildError.engine("\(label): index.json's entry is an image index, not a build cache")
            }
            let manifest = try KitJSON.decode(Manifest.self, from: bytes)
            if manifest.config.mediaType == BuildCacheFormat.buildKitConfigMediaType {
                throw BuildCacheFormat.buildKitCache(label)
            }
            return try LoadedBuildCache.from(
                manifest: manifest, config: try readBlob(manifest.config), label: label, source: self)
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("\(label): \(error)")
        }
    }

    /// A small blob (manifest, config) read and checked against its descriptor.
    private func readBlob(_ descriptor: Descriptor) throws -> [UInt8] {
        let digest = try Digest(descriptor.digest)
        let bytes = try FileIO.read(blobStore.path(of: digest))
        guard Digest.of(bytes) == digest else {
            throw BuildError.engine("blob \(digest) does not match its digest")
        }
        return bytes
    }
}

extension LoadedBuildCache {
    /// A cache manifest read: its config must be a Skiff build cache config.
    static func from(manifest: Manifest, config bytes: [UInt8], label: String, source: any BuildCacheBlobSource)
        throws(BuildError) -> LoadedBuildCache
    {
        guard manifest.config.mediaType == BuildCacheFormat.configMediaType else {
            throw .engine("\(label): not a build cache (its config is \(manifest.config.mediaType))")
        }
        let config: BuildCacheConfig
        do { config = try KitJSON.decode(BuildCacheConfig.self, from: bytes) } catch {
            throw .engine("\(label): the cache config: \(KitJSON.reason(error))")
        }
        var blobs: [String: Descriptor] = [:]
        for layer in manifest.layers { blobs[layer.digest] = layer }
        return LoadedBuildCache(label: label, config: config, blobs: blobs, source: source)
    }
}

/// The cache as a manifest in a registry repository (`type=registry`): its blobs pushed to the
/// repository, the manifest put under the reference's tag.
struct BuildCacheRegistry: BuildCacheBlobSource {
    let reference: ImageReference
    let client: RegistryClient

    init(reference: ImageReference) throws(BuildError) {
        self.reference = reference
        do { client = try RegistryClient(registry: reference.registry, options: RegistryOptions()) } catch {
            throw .engine("\(BuildCacheSpec.registry(reference).label): \(error)")
        }
    }

    var label: String { BuildCacheSpec.registry(reference).label }

    func fetch(_ descriptor: Descriptor, into content: ContentStore) throws(BuildError) {
        do {
            let digest = try Digest(descriptor.digest)
            if content.contains(digest) { return }
            try client.fetchBlob(
                repository: reference.repository, digest: digest, size: descriptor.size, into: content)
        } catch {
            throw .engine("\(label): blob \(descriptor.digest): \(error)")
        }
    }

    func export(_ config: BuildCacheConfig, images: ImageStore) throws(BuildError) {
        let blobs = try BuildCacheConfig.blobs(of: config.records, images: images)
        let pusher = Pusher(store: images)
        do {
            let configDescriptor = try images.content.writeJSON(config, mediaType: BuildCacheFormat.configMediaType)
            for blob in blobs + [configDescriptor] {
                _ = try pusher.pushBlob(try Digest(blob.digest), repository: reference.repository, client: client)
            }
            let manifest = Manifest(config: configDescriptor, layers: blobs)
            let bytes = try KitJSON.encode(manifest)
            try client.putManifest(
                repository: reference.repository, reference: reference.manifestReference, bytes: bytes,
                mediaType: MediaType.ociManifest)
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("cannot export the build cache to \(reference.familiar): \(error)")
        }
    }

    /// The cache manifest at the reference, or the inline cache of the image there.
    func load(platform: Platform = .current) throws(BuildError) -> LoadedBuildCache {
        do {
            var (bytes, mediaType, _) = try client.manifest(
                repository: reference.repository, reference: reference.manifestReference)
            if MediaType.isIndex(mediaType) {
                let index = try KitJSON.decode(ImageIndex.self, from: bytes)
                if index.manifests.contains(where: { $0.mediaType == BuildCacheFormat.buildKitConfigMediaType }) {
                    throw BuildCacheFormat.buildKitCache(label)
                }
                let entry = try Puller.select(platform, from: index, reference: reference.description)
                (bytes, mediaType, _) = try client.manifest(repository: reference.repository, reference: entry.digest)
            }
            let manifest = try KitJSON.decode(Manifest.self, from: bytes)
            if manifest.config.mediaType == BuildCacheFormat.buildKitConfigMediaType {
                throw BuildCacheFormat.buildKitCache(label)
            }
            let config = try smallBlob(manifest.config)
            if manifest.config.mediaType == BuildCacheFormat.configMediaType {
                return try LoadedBuildCache.from(manifest: manifest, config: config, label: label, source: self)
            }
            return try BuildCacheInline.load(imageConfig: config, manifest: manifest, label: label, source: self)
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("\(label): \(error)")
        }
    }

    private func smallBlob(_ descriptor: Descriptor) throws -> [UInt8] {
        guard descriptor.size <= 64 << 20 else {
            throw BuildError.engine("config blob too big (\(descriptor.size) bytes)")
        }
        let scratch = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-cache-import-")
        defer { FileIO.removeTree(scratch) }
        let store = ContentStore(root: scratch)
        let digest = try Digest(descriptor.digest)
        try client.fetchBlob(repository: reference.repository, digest: digest, size: descriptor.size, into: store)
        return try store.read(digest)
    }
}
