import SkiffImage
import SkiffRuntime
import SkiffSystem

extension Engine {
    /// The container's processes (host pids), for `top`.
    public func processes(_ nameOrID: String) throws(KitError) -> [Int32] {
        let c = try container(nameOrID)
        guard c.status == .running else { throw .notRunning(c.name) }
        do { return try runtime.processes(id: c.id) } catch { throw .runtime(error) }
    }

    /// Remove every stopped container (exited or never started); their IDs and the bytes freed.
    public func pruneContainers(filter: PruneFilter = PruneFilter()) -> (ids: [String], bytes: UInt64) {
        var ids: [String] = []
        var bytes: UInt64 = 0
        for c in listContainers() where c.status == .exited || c.status == .created {
            guard filter.matches(created: c.created, labels: c.labels) else { continue }
            // A container being started right now has a live monitor; leave it.
            if monitorAlive(c) { continue }
            let size = Self.diskUsage(containers.directory(of: c.id))
            if (try? remove(c.id, force: false)) != nil {
                ids.append(c.id)
                bytes += size
            }
        }
        // Directories without a record have no labels or time: a filtered prune leaves them.
        for dir in containers.abandonedDirectories() where filter.isEmpty {
            bytes += Self.diskUsage(dir)
            FileIO.removeTree(dir)
        }
        return (ids, bytes)
    }

    package struct DiskUsage: Sendable {
        package var images = 0, activeImages = 0
        package var imageBytes: UInt64 = 0, reclaimableImageBytes: UInt64 = 0
        package var containers = 0, runningContainers = 0
        package var containerBytes: UInt64 = 0, reclaimableContainerBytes: UInt64 = 0
        package var buildCacheEntries = 0, buildCacheBytes: UInt64 = 0
    }

    package func diskUsage() -> DiskUsage {
        var u = DiskUsage()
        let all = listContainers()
        u.containers = all.count
        // What is on disk, not what the manifests say: a container's writable layer, logs and state;
        // the images' blobs and their unpacked layers; the build cache and its cache mounts.
        for c in all {
            let size = Self.diskUsage(containers.directory(of: c.id))
            u.containerBytes += size
            if c.status == .running || c.status == .restarting {
                u.runningContainers += 1
            } else {
                u.reclaimableContainerBytes += size
            }
        }
        let used = Set(all.map(\.manifestDigest))
        var declared: UInt64 = 0, unused: UInt64 = 0
        for img in (try? images.list()) ?? [] {
            u.images += 1
            let size = UInt64(max(0, img.size))
            declared += size
            if used.contains(img.manifestDigest.description) { u.activeImages += 1 } else { unused += size }
        }
        u.imageBytes = Self.diskUsage(root + "/blobs") + Self.diskUsage(root + "/layers")
        // The unused images' share of it (layers they share with used images are counted once, as used).
        u.reclaimableImageBytes = declared == 0 ? 0 : UInt64(Double(u.imageBytes) * Double(unused) / Double(declared))
        let cache = BuildCache(engine: self)
        let mounts = RunMountInputs.cacheRoot(root)
        u.buildCacheEntries =
            DirectoryListing.names(cache.directory).filter { $0.hasSuffix(".json") }.count
            + DirectoryListing.names(mounts).filter(RunMountInputs.isCacheDirectory).count
        u.buildCacheBytes = Self.diskUsage(cache.directory) + Self.diskUsage(mounts)
        return u
    }
}
