import Foundation
import SkiffImage
import SkiffOCI
import SkiffSystem

/// The caches `--cache-from` imported, asked when the state root's own cache misses. A hit copies the
/// step's image (manifest, config, the layers the store lacks) from the cache's source into the
/// content store and records the step in the state root's cache, as BuildKit keeps what it imported.
final class ImportedBuildCache: @unchecked Sendable {
    private let caches: [LoadedBuildCache]
    /// Each key's record and its cache's index in `caches` (the first cache that has the key).
    private let byKey: [String: (record: BuildCacheRecord, cache: Int)]
    private let lock = NSLock()
    /// Where a blob the cache cannot supply is told (a `WARNING:` line; the step then runs).
    var warn: (String) -> Void = { _ in }

    init(_ caches: [LoadedBuildCache]) {
        self.caches = caches
        var byKey: [String: (record: BuildCacheRecord, cache: Int)] = [:]
        for (i, cache) in caches.enumerated() {
            for record in cache.config.records where byKey[record.key] == nil { byKey[record.key] = (record, i) }
        }
        self.byKey = byKey
    }

    var isEmpty: Bool { caches.isEmpty }

    /// Load each spec; one that cannot be read is a warning (through `warn`) and the build goes on
    /// without it, as BuildKit's.
    static func load(_ specs: [BuildCacheSpec], warn: (String) -> Void) -> ImportedBuildCache {
        var loaded: [LoadedBuildCache] = []
        for spec in specs {
            do throws(BuildError) {
                switch spec {
                case .local(let directory, let tag, let digest):
                    loaded.append(try BuildCacheLayout(directory: directory, tag: tag, digest: digest).load())
                case .registry(let reference):
                    loaded.append(try BuildCacheRegistry(reference: reference).load())
                case .inline:
                    continue
                }
            } catch {
                warn("WARNING: importing the \(spec.label) failed, building without it: \(error.description)")
            }
        }
        return ImportedBuildCache(loaded)
    }

    /// The record of `key` in the first cache that has it.
    func record(_ key: String) -> (BuildCacheRecord, LoadedBuildCache)? {
        byKey[key].map { ($0.record, caches[$0.cache]) }
    }

    /// The image of a layer step's record, copied into `images` (nil when the cache cannot supply it).
    func materialize(_ record: BuildCacheRecord, from cache: LoadedBuildCache, into images: ImageStore) -> StoredImage?
    {
        guard let text = record.image, let manifestDescriptor = cache.blobs[text] else { return nil }
        // Stages building at once may ask for the same blobs.
        lock.lock()
        defer { lock.unlock() }
        do {
            try cache.source.fetch(manifestDescriptor, into: images.content)
            let manifest = try images.content.readJSON(Manifest.self, try Digest(text))
            for blob in [manifest.config] + manifest.layers {
                if let known = cache.blobs[blob.digest] {
                    try cache.source.fetch(known, into: images.content)
                } else if !images.content.contains(try Digest(blob.digest)) {
                    return nil
                }
            }
            return try images.image(manifest: try Digest(text))
        } catch {
            warn("WARNING: the \(cache.label) cannot supply step \"\(record.step)\" (\(error)); it runs instead")
            return nil
        }
    }
}
