import Foundation
import SkiffOCI
import SkiffSystem

/// How to pull.
public struct PullOptions: Sendable {
    /// The platform picked from an index / manifest list.
    public var platform: Platform
    /// Layers downloaded at once.
    public var maxConcurrentDownloads: Int
    public var registry: RegistryOptions
    /// Tag the reference to what was pulled (false: the image is stored untagged, as a build's base
    /// image for another platform is, so the name keeps this machine's image; the store remembers it
    /// by reference and platform).
    public var tagsReference = true

    public init(
        platform: Platform = .current, maxConcurrentDownloads: Int = 3, registry: RegistryOptions = RegistryOptions()
    ) {
        self.platform = platform
        self.maxConcurrentDownloads = maxConcurrentDownloads
        self.registry = registry
    }
}

/// Pulls an image into an ImageStore (OCI distribution spec): manifest (picking a platform from an
/// index), config and layers streamed into the content store with digest and size checked, blobs
/// already present skipped, layers downloaded in parallel; then the manifest (its exact bytes) is
/// stored and the reference tagged.
public struct Puller: Sendable {
    public let store: ImageStore
    public let options: PullOptions
    /// Told of each step; `PullProgress().handle` prints them as `docker pull` does.
    public let progress: (@Sendable (PullEvent) -> Void)?

    public init(
        store: ImageStore, options: PullOptions = PullOptions(), progress: (@Sendable (PullEvent) -> Void)? = nil
    ) {
        self.store = store
        self.options = options
        self.progress = progress
    }

    @discardableResult
    public func pull(_ reference: ImageReference) throws(RegistryError) -> StoredImage {
        let client = try RegistryClient(
            registry: reference.registry, options: options.registry,
            connections: max(1, options.maxConcurrentDownloads) + 1)
        return try pull(reference, using: client)
    }

    @discardableResult
    public func pull(_ reference: ImageReference, using client: RegistryClient) throws(RegistryError) -> StoredImage {
        let repository = reference.repository
        var (bytes, mediaType, digest) = try client.manifest(
            repository: repository, reference: reference.manifestReference)
        if let wanted = reference.digest, wanted != digest {
            throw .image(.digestMismatch(expected: wanted.description, actual: digest.description))
        }
        var platform: String?
        if MediaType.isIndex(mediaType) {
            let index: ImageIndex
            do { index = try JSON.decode(ImageIndex.self, from: bytes, what: "index of \(reference)") } catch {
                throw .image(error)
            }
            let entry = try Self.select(options.platform, from: index, reference: reference.description)
            let entryDigest: Digest
            do { entryDigest = try Digest(entry.digest) } catch { throw .image(error) }
            (bytes, mediaType, digest) = try client.manifest(repository: repository, reference: entryDigest.description)
            guard digest == entryDigest else {
                throw .image(.digestMismatch(expected: entryDigest.description, actual: digest.description))
            }
            guard !MediaType.isIndex(mediaType) else {
                throw .unsupportedMediaType(reference: reference.description, mediaType: "nested index \(mediaType)")
            }
            platform = entry.platform?.description
        }
        guard MediaType.isManifest(mediaType) else {
            throw .unsupportedMediaType(reference: reference.description, mediaType: mediaType)
        }
        let manifest: Manifest
        do { manifest = try JSON.decode(Manifest.self, from: bytes, what: "manifest of \(reference)") } catch {
            throw .image(error)
        }
        progress?(.resolved(reference: reference.familiar, manifest: digest, platform: platform))

        let content = store.content
        let alreadyHad = content.contains(digest)
        var blobs: [Descriptor] = [manifest.config]
        var seen: Set<String> = [manifest.config.digest]
        for layer in manifest.layers where seen.insert(layer.digest).inserted { blobs.append(layer) }
        var missing: [(Digest, Int64)] = []
        for blob in blobs {
            let d: Digest
            do { d = try Digest(blob.digest) } catch { throw .image(error) }
            if content.contains(d), content.size(of: d) == blob.size {
                if blob.digest != manifest.config.digest { progress?(.blobExists(d)) }
            } else {
                missing.append((d, blob.size))
            }
        }
        try download(missing, configDigest: manifest.config.digest, repository: repository, client: client)

        do {
            try content.write(bytes, expected: digest)
            if options.tagsReference {
                try store.tag(reference, manifest: digest)
            } else {
                try store.recordPlatformPull(reference, platform: options.platform, manifest: digest)
            }
            let image = try store.image(manifest: digest)
            progress?(
                .finished(reference: reference.familiar, manifest: digest, downloaded: !missing.isEmpty || !alreadyHad))
            return image
        } catch { throw .image(error) }
    }

    /// Download blobs, `maxConcurrentDownloads` at a time; the first error stops the others from
    /// starting and is thrown once the running ones finish.
    private func download(
        _ blobs: [(Digest, Int64)], configDigest: String, repository: String,
        client: RegistryClient
    ) throws(RegistryError) {
        guard !blobs.isEmpty else { return }
        let state = DownloadState(count: blobs.count)
        let group = DispatchGroup()
        let workers = min(max(1, options.maxConcurrentDownloads), blobs.count)
        let progress = self.progress
        let content = store.content
        for _ in 0..<workers {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                while let i = state.next() {
                    if Cancellation.isCancelled {
                        state.fail(.image(.system(.cancelled)))
                        break
                    }
                    let (digest, size) = blobs[i]
                    let isConfig = digest.description == configDigest
                    if !isConfig { progress?(.blobStarted(digest, size: size)) }
                    do throws(RegistryError) {
                        try client.fetchBlob(repository: repository, digest: digest, size: size, into: content) {
                            bytes in
                            if !isConfig { progress?(.blobProgress(digest, bytes: bytes, size: size)) }
                        }
                        if !isConfig { progress?(.blobDone(digest)) }
                    } catch {
                        state.fail(error)
                    }
                }
            }
        }
        group.wait()
        if let error = state.error { throw error }
    }

    /// The index entry for `platform`: an exact variant match first, else the first that matches.
    public static func select(_ platform: Platform, from index: ImageIndex, reference: String) throws(RegistryError)
        -> Descriptor
    {
        let candidates = index.manifests.filter { entry in
            guard let p = entry.platform, MediaType.isManifest(entry.mediaType) || entry.mediaType.isEmpty else {
                return false
            }
            return platform.matches(p)
        }
        if let exact = candidates.first(where: { $0.platform?.variant == platform.variant }) { return exact }
        if let first = candidates.first { return first }
        let available = index.manifests.compactMap { $0.platform?.description }.filter { !$0.hasPrefix("unknown") }
        throw .noMatchingPlatform(reference: reference, wanted: platform.description, available: available)
    }
}

/// The shared queue of a parallel download: the next index to fetch and the first error.
private final class DownloadState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private let count: Int
    private(set) var firstError: RegistryError?

    init(count: Int) { self.count = count }

    var error: RegistryError? { lock.withLock { firstError } }

    func next() -> Int? {
        lock.withLock {
            guard firstError == nil, cursor < count else { return nil }
            defer { cursor += 1 }
            return cursor
        }
    }

    func fail(_ error: RegistryError) {
        lock.withLock { if firstError == nil { firstError = error } }
    }
}
