import Foundation
import SkiffImage
import SkiffOCI
import SkiffSystem

/// The inline cache (`--cache-to type=inline`): the final image's config carries, under `configKey`, the
/// records of the steps that made it, with the manifests and configs of those steps' images embedded
/// (they are small); the layers are the image's own, so a registry that has the image has the rest.
/// `--cache-from REF` of the pushed image reads it back (BuildKit keeps its inline cache in the image
/// config the same way, under `moby.buildkit.cache.v0`).
enum BuildCacheInline {
    /// The image config key that holds the cache (JSON text of `Payload`).
    static let configKey = "skiff.build.cache.v1"

    struct Payload: Codable {
        var config: BuildCacheConfig
        /// The steps' image manifests and configs: descriptor and base64 bytes.
        var blobs: [Blob]
        struct Blob: Codable {
            var descriptor: Descriptor
            var data: String
        }
    }

    /// `image` with the cache of `records` in its config: a new config and manifest in the store.
    static func embed(_ config: BuildCacheConfig, in image: StoredImage, images: ImageStore) throws(BuildError)
        -> StoredImage
    {
        do {
            var blobs: [Payload.Blob] = []
            for d in try BuildCacheConfig.blobs(of: config.records, images: images)
            where !MediaType.isLayer(d.mediaType) {
                let bytes = try images.content.read(try Digest(d.digest))
                blobs.append(Payload.Blob(descriptor: d, data: Data(bytes).base64EncodedString()))
            }
            let text = String(decoding: try KitJSON.encode(Payload(config: config, blobs: blobs)), as: UTF8.self)
            let original = try images.content.read(image.configDigest)
            guard var object = try JSONSerialization.jsonObject(with: Data(original)) as? [String: Any] else {
                throw BuildError.engine("the image config is not a JSON object")
            }
            object[configKey] = text
            let bytes = Array(
                try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            let digest = try images.content.write(bytes)
            var manifest = image.manifest
            manifest.config = Descriptor(
                mediaType: image.manifest.config.mediaType, digest: digest.description, size: Int64(bytes.count))
            let written = try images.content.writeJSON(manifest, mediaType: manifest.mediaType ?? MediaType.ociManifest)
            return try images.image(manifest: try Digest(written.digest))
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("cannot write the inline build cache: \(error)")
        }
    }

    /// The inline cache in an image config (from a registry): its records, the embedded blobs, and the
    /// image's layers fetched from `source`.
    static func load(imageConfig: [UInt8], manifest: Manifest, label: String, source: BuildCacheRegistry)
        throws(BuildError) -> LoadedBuildCache
    {
        struct Probe: Decodable {
            var cache: String?
            enum CodingKeys: String, CodingKey { case cache = "skiff.build.cache.v1" }
        }
        let payload: Payload
        do {
            guard let text = try KitJSON.decode(Probe.self, from: imageConfig).cache else {
                throw BuildError.engine(
                    "\(label): the image has no inline build cache (build it with --cache-to type=inline)")
            }
            payload = try KitJSON.decode(Payload.self, from: Array(text.utf8))
        } catch let e as BuildError {
            throw e
        } catch {
            throw .engine("\(label): the inline build cache: \(KitJSON.reason(error))")
        }
        var blobs: [String: Descriptor] = [:]
        var embedded: [String: [UInt8]] = [:]
        for blob in payload.blobs {
            guard let data = Data(base64Encoded: blob.data) else {
                throw .engine("\(label): the inline build cache: blob \(blob.descriptor.digest) is not base64")
            }
            blobs[blob.descriptor.digest] = blob.descriptor
            embedded[blob.descriptor.digest] = Array(data)
        }
        for layer in manifest.layers { blobs[layer.digest] = layer }
        return LoadedBuildCache(
            label: label, config: payload.config, blobs: blobs,
            source: EmbeddedSource(embedded: embedded, registry: source))
    }

    /// The embedded manifests and configs, and the registry for the layers.
    struct EmbeddedSource: BuildCacheBlobSource {
        let embedded: [String: [UInt8]]
        let registry: BuildCacheRegistry

        func fetch(_ descriptor: Descriptor, into content: ContentStore) throws(BuildError) {
            guard let bytes = embedded[descriptor.digest] else {
                return try registry.fetch(descriptor, into: content)
            }
            do {
                let digest = try Digest(descriptor.digest)
                try content.write(bytes, expected: digest)
            } catch {
                throw .engine("\(registry.label): inline blob \(descriptor.digest): \(error)")
            }
        }
    }
}
