import SkiffImage
import SkiffOCI

/// The exported build cache's format (docs/architecture.md, "Build cache export"): an OCI image
/// manifest whose config blob (`configMediaType`) lists the cached steps by key, and whose layers are
/// every blob those steps' images need: each image's manifest and config, and its layer blobs. A key is
/// content-based (the parent image's manifest digest, the resolved step text, the copied files' digest),
/// so the same build on another machine finds the same keys.
public enum BuildCacheFormat {
    /// The cache manifest's config blob.
    public static let configMediaType = "application/vnd.skiff.build.cache.config.v1+json"
    /// BuildKit's cache config, in the index or manifest of a cache BuildKit exported.
    static let buildKitConfigMediaType = "application/vnd.buildkit.cacheconfig.v0"

    /// The error for a cache in BuildKit's own format (its records are BuildKit's LLB keys, not Skiff's).
    static func buildKitCache(_ label: String) -> BuildError {
        .engine("\(label) was exported by BuildKit, whose cache keys are its own; skiff imports caches skiff exported")
    }
}

/// One cached step: what `BuildCache` keeps in `<root>/build-cache/<key>.json`, with its key.
public struct BuildCacheRecord: Codable, Sendable, Equatable {
    /// The step's cache key (hex SHA-256, BuildCache.key).
    public var key: String
    /// The resolved step text (for messages; the key already covers it).
    public var step: String
    /// The image a layer step made (its manifest digest); nil for a metadata step.
    public var image: String?
    /// A metadata step's history time (so a cached rebuild writes the same config).
    public var created: String?
    /// What the step was built on (for --explain's miss reasons).
    public var parent: String?
}

/// The config blob of a cache manifest.
public struct BuildCacheConfig: Codable, Sendable, Equatable {
    /// `min` or `max`: which steps the exporter was asked for.
    public var mode: String
    /// The cached steps, in build order.
    public var records: [BuildCacheRecord]
}

extension BuildCacheConfig {
    /// The layer descriptors of a cache manifest for these records: each image's manifest, config and
    /// layers, each blob once, in the order first needed.
    static func blobs(of records: [BuildCacheRecord], images: ImageStore) throws(BuildError) -> [Descriptor] {
        var seen = Set<String>()
        var out: [Descriptor] = []
        func add(_ d: Descriptor) { if seen.insert(d.digest).inserted { out.append(d) } }
        for record in records {
            guard let text = record.image else { continue }
            do {
                let digest = try Digest(text)
                let image = try images.image(manifest: digest)
                let size = images.content.size(of: digest) ?? 0
                add(Descriptor(mediaType: image.manifest.mediaType ?? MediaType.ociManifest, digest: text, size: size))
                add(image.manifest.config)
                for layer in image.manifest.layers { add(layer) }
            } catch {
                throw .engine("build cache: the image of step \"\(record.step)\" is incomplete: \(error)")
            }
        }
        return out
    }
}
