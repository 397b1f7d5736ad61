import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What `system df -v` lists beyond the totals: each image's share of layers with other images, and the
/// build cache's items (BuildKit's cache records: a step's entry is `regular`, a RUN --mount=type=cache
/// directory `exec.cachemount`).
extension Engine {
    /// An image's SHARED SIZE (its layers that another listed image also has) and UNIQUE SIZE (the
    /// rest of its size), as Docker's df counts them: `layers` are each image's layer digests and sizes,
    /// `sizes` each image's whole size.
    package static func sharedSizes(layers: [[(digest: String, size: Int64)]], sizes: [Int64]) -> [(
        shared: Int64, unique: Int64
    )] {
        var holders: [String: Int] = [:]
        for image in layers {
            for digest in Set(image.map(\.digest)) { holders[digest, default: 0] += 1 }
        }
        return zip(layers, sizes).map { image, size in
            var seen = Set<String>()
            let shared = image.reduce(Int64(0)) { sum, layer in
                guard holders[layer.digest, default: 0] > 1, seen.insert(layer.digest).inserted else { return sum }
                return sum + layer.size
            }
            return (shared, size - shared)
        }
    }

    /// One item of the build cache.
    package struct BuildCacheItem: Sendable {
        package var id: String
        package var type: String
        package var size: UInt64
        /// When it was made and last used (seconds since the epoch), and how often it was used.
        package var created: Double
        package var lastUsed: Double
        package var usageCount: Int
        package var description: String
    }

    /// The build cache's items: the steps' entries and the cache mounts, newest first.
    package func buildCacheItems() -> [BuildCacheItem] {
        var items: [BuildCacheItem] = []
        func madeAt(_ path: String) -> Double {
            var st = stat()
            return lstat(path, &st) == 0 ? Double(st.st_mtim.tv_sec) : 0
        }
        let cache = BuildCache(engine: self)
        for name in DirectoryListing.names(cache.directory) where name.hasSuffix(".json") {
            let path = cache.directory + "/" + name
            let key = String(name.dropLast(5))
            let created = madeAt(path)
            let uses = cache.uses(key)
            items.append(
                BuildCacheItem(
                    id: key, type: "regular", size: Self.diskUsage(path), created: created,
                    lastUsed: uses.lastHit ?? created, usageCount: uses.count,
                    description: cache.record(key)?.step ?? ""))
        }
        let mounts = RunMountInputs.cacheRoot(root)
        for name in DirectoryListing.names(mounts) where RunMountInputs.isCacheDirectory(name) {
            let path = mounts + "/" + name
            let created = madeAt(path)
            let uses = UseCount.read(beside: path)
            items.append(
                BuildCacheItem(
                    id: name, type: "exec.cachemount", size: Self.diskUsage(path), created: created,
                    lastUsed: uses?.last ?? created, usageCount: max(1, uses?.count ?? 1),
                    description: "mount / from exec"))
        }
        return items.sorted { ($0.lastUsed, $0.id) > ($1.lastUsed, $1.id) }
    }
}
