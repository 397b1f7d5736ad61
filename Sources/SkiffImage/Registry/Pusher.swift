import Foundation
import SkiffOCI

/// Pushes an image from an ImageStore (OCI distribution spec): each blob is skipped when the repository
/// has it (HEAD), else mounted from another repository of the same registry that the image was pulled
/// from or pushed to, else uploaded (POST, then one PUT streamed from the content store); then the
/// manifest is PUT, byte for byte as stored, with its media type.
public struct Pusher: Sendable {
    public let store: ImageStore
    public let options: RegistryOptions
    /// One line per step ("a1b2c3d4e5f6: Pushed"), nil for quiet.
    public let log: (@Sendable (String) -> Void)?

    public init(
        store: ImageStore, options: RegistryOptions = RegistryOptions(), log: (@Sendable (String) -> Void)? = nil
    ) {
        self.store = store
        self.options = options
        self.log = log
    }

    /// What happened to each blob.
    public enum BlobOutcome: String, Sendable {
        case exists = "Layer already exists"
        case mounted = "Mounted"
        case pushed = "Pushed"
    }

    public struct Result: Sendable {
        public var manifest: Digest
        public var size: Int
        public var blobs: [Digest: BlobOutcome]
    }

    @discardableResult
    public func push(_ image: StoredImage, to destination: ImageReference) throws(RegistryError) -> Result {
        let client = try RegistryClient(registry: destination.registry, options: options)
        return try push(image, to: destination, using: client)
    }

    /// Push an image index (a multi-platform image): each entry's blobs and manifest (by digest), then
    /// the index itself, byte for byte as stored, under the destination's tag.
    @discardableResult
    public func pushIndex(_ digest: Digest, to destination: ImageReference) throws(RegistryError) -> Result {
        let client = try RegistryClient(registry: destination.registry, options: options)
        let index: ImageIndex
        let bytes: [UInt8]
        do {
            bytes = try store.content.read(digest)
            index = try store.content.readJSON(ImageIndex.self, digest)
        } catch { throw .image(error) }
        var outcomes: [Digest: BlobOutcome] = [:]
        for entry in index.manifests {
            let image: StoredImage
            do { image = try store.image(manifest: try Digest(entry.digest)) } catch { throw .image(error) }
            let pushed = try push(image, to: destination, using: client, manifestReference: entry.digest)
            outcomes.merge(pushed.blobs) { a, _ in a }
        }
        let reference = destination.digest?.description ?? destination.tag ?? "latest"
        if let d = destination.digest, d != digest {
            throw .image(.digestMismatch(expected: d.description, actual: digest.description))
        }
        try client.putManifest(
            repository: destination.repository, reference: reference, bytes: bytes,
            mediaType: index.mediaType ?? MediaType.ociIndex)
        log?("\(destination.tag ?? reference): digest: \(digest) size: \(bytes.count)")
        return Result(manifest: digest, size: bytes.count, blobs: outcomes)
    }

    /// Push one image; its manifest is put under `manifestReference` (an index entry's digest), else
    /// under the destination's digest or tag.
    @discardableResult
    public func push(
        _ image: StoredImage, to destination: ImageReference, using client: RegistryClient,
        manifestReference: String? = nil
    ) throws(RegistryError) -> Result {
        let repository = destination.repository
        // Repositories of the same registry that hold this image already: mount sources.
        let sources = Array(
            Set(
                image.references.filter { $0.registry == destination.registry && $0.repository != repository }
                    .map(\.repository))
        ).sorted()
        var outcomes: [Digest: BlobOutcome] = [:]
        var blobs: [Descriptor] = image.manifest.layers
        blobs.append(image.manifest.config)
        for blob in blobs {
            let digest: Digest
            do { digest = try Digest(blob.digest) } catch { throw .image(error) }
            if outcomes[digest] != nil { continue }
            let outcome = try pushBlob(digest, repository: repository, mountFrom: sources, client: client)
            outcomes[digest] = outcome
            log?("\(digest.short): \(outcome.rawValue)")
        }
        let bytes: [UInt8]
        do { bytes = try store.content.read(image.manifestDigest) } catch { throw .image(error) }
        let mediaType = image.manifest.mediaType ?? MediaType.ociManifest
        let reference = manifestReference ?? destination.digest?.description ?? destination.tag ?? "latest"
        if manifestReference == nil, let d = destination.digest, d != image.manifestDigest {
            throw .image(.digestMismatch(expected: d.description, actual: image.manifestDigest.description))
        }
        try client.putManifest(repository: repository, reference: reference, bytes: bytes, mediaType: mediaType)
        if manifestReference == nil {
            log?("\(destination.tag ?? reference): digest: \(image.manifestDigest) size: \(bytes.count)")
        }
        return Result(manifest: image.manifestDigest, size: bytes.count, blobs: outcomes)
    }

    /// Make one blob of the content store present in `repository`.
    public func pushBlob(
        _ digest: Digest, repository: String, mountFrom sources: [String] = [],
        client: RegistryClient
    ) throws(RegistryError) -> BlobOutcome {
        guard store.content.contains(digest) else { throw .image(.blobNotFound(digest)) }
        if try client.blobExists(repository: repository, digest: digest) { return .exists }
        for source in sources {
            if try client.mountBlob(repository: repository, digest: digest, from: source) { return .mounted }
        }
        try client.uploadBlob(repository: repository, digest: digest, file: store.content.path(of: digest))
        return .pushed
    }
}
