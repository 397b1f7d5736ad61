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
        /// When it was made and last read (seconds since the epoch).
        package var created: Double
        package var lastUsed: Double
        package var description: String
    }

    /// The build cache's items: the steps' entries and the cache mounts, newest first.
    package func buildCacheItems() -> [BuildCacheItem] {
        var items: [BuildCacheItem] = []
        /// Made: the mtime; last used: the atime (a hit reads the entry), never before it was made.
        func times(_ path: String) -> (Double, Double) {
            var st = stat()
            guard lstat(path, &st) == 0 else { return (0, 0) }
            let mtime = Double(st.st_mtim.tv_sec), atime = Double(st.st_atim.tv_sec)
            return (mtime, max(mtime, atime))
        }
        let cache = BuildCache(engine: self)
        for name in DirectoryListing.names(cache.directory) where name.hasSuffix(".json") {
            let path = cache.directory + "/" + name
            let (created, used) = times(path)
            let step = cache.record(String(name.dropLast(5)))?.step ?? ""
            items.append(
                BuildCacheItem(
                    id: String(name.dropLast(5)), type: "regular", size: Self.diskUsage(path), created: created,
                    lastUsed: used, description: step))
        }
        let mounts = RunMountInputs.cacheRoot(root)
        for name in DirectoryListing.names(mounts) where !name.hasPrefix(".") && !name.hasSuffix(".lock") {
            let path = mounts + "/" + name
            let (created, used) = times(path)
            items.append(
                BuildCacheItem(
                    id: name, type: "exec.cachemount", size: Self.diskUsage(path), created: created, lastUsed: used,
                    description: "mount / from exec"))
        }
        return items.sorted { ($0.lastUsed, $0.id) > ($1.lastUsed, $1.id) }
    }
}
