import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What `builder prune` removes: by BuildKit's rules, the items the filters match (`until`/`unused-for`:
/// last used before that time; `id`; `type`: regular or exec.cachemount), and with `--keep-storage`
/// only as many of them, least recently used first, as bring the whole cache down to that size.
public struct BuildCachePruneOptions: Sendable, Equatable {
    /// Items last used before this time (seconds since the epoch) only.
    public var lastUsedBefore: Double?
    /// Items whose ID begins with one of these only.
    public var ids: [String] = []
    /// Items of one of these types only (regular: a step's entry; exec.cachemount: a RUN cache mount).
    public var types: [String] = []
    /// The bytes the cache may keep (0: no limit).
    public var keepBytes: UInt64 = 0

    /// Everything.
    public init() {}

    /// Neither a filter nor a size: the whole cache goes.
    public var isEverything: Bool { lastUsedBefore == nil && ids.isEmpty && types.isEmpty && keepBytes == 0 }

    /// Docker's `--filter KEY=VALUE` words and `--keep-storage SIZE`.
    public init(filters: [String], keepStorage: String?, now: Double = Timestamp.nowSeconds()) throws(KitError) {
        var timeKey: String?
        for f in filters {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[1].isEmpty else { throw .usage("--filter \(f): expected KEY=VALUE") }
            switch kv[0] {
            case "until", "unused-for":
                if let timeKey, timeKey != kv[0] { throw .usage("conflicting filters \"until\" and \"unused-for\"") }
                guard lastUsedBefore == nil else { throw .usage("\"\(kv[0])\" filter expects only one value") }
                guard let t = LogOptions.parseTime(kv[1], now: now) else {
                    throw .usage(
                        "\"\(kv[0])\" filter expects a duration (e.g., '24h') or a timestamp, got \"\(kv[1])\"")
                }
                timeKey = kv[0]
                lastUsedBefore = t
            case "id": ids.append(kv[1])
            case "type":
                guard ["regular", "exec.cachemount"].contains(kv[1]) else {
                    throw .usage("--filter \(f): skiff's build cache has the types regular and exec.cachemount")
                }
                types.append(kv[1])
            default:
                throw .usage(
                    "--filter \(f): invalid filter '\(kv[0])' (the build cache is filtered by until, unused-for, id and type)"
                )
            }
        }
        if let keepStorage, keepStorage != "0" {
            do { keepBytes = UInt64(try Units.parseBytes(keepStorage)) } catch {
                throw .usage("--keep-storage \(keepStorage): \(error.reason)")
            }
        }
    }

    /// The items to remove out of `items` (the whole cache).
    package func chosen(_ items: [Engine.BuildCacheItem]) -> [Engine.BuildCacheItem] {
        let matching = items.filter { item in
            (lastUsedBefore.map { item.lastUsed < $0 } ?? true)
                && (ids.isEmpty || ids.contains { item.id.hasPrefix($0) })
                && (types.isEmpty || types.contains(item.type))
        }
        guard keepBytes > 0 else { return matching }
        var total = items.reduce(UInt64(0)) { $0 + $1.size }
        var out: [Engine.BuildCacheItem] = []
        for item in matching.sorted(by: { ($0.lastUsed, $0.id) < ($1.lastUsed, $1.id) }) {
            if total <= keepBytes { break }
            out.append(item)
            total -= min(total, item.size)
        }
        return out
    }
}

extension Engine {
    /// `builder prune` with filters or a size to keep: the chosen steps' entries and cache mounts go
    /// (the images only those entries kept are then the image GC's). The counts and the bytes freed.
    public func pruneBuildCache(_ options: BuildCachePruneOptions) -> (entries: Int, cacheMounts: Int, bytes: UInt64) {
        let cache = BuildCache(engine: self)
        let mounts = RunMountInputs.cacheRoot(root)
        var entries = 0
        var cacheMounts = 0
        var bytes: UInt64 = 0
        for item in options.chosen(buildCacheItems()) {
            bytes += item.size
            if item.type == "regular" {
                unlink(cache.directory + "/" + item.id + ".json")
                unlink(cache.directory + "/" + item.id + ".uses")
                entries += 1
            } else {
                FileIO.removeTree(mounts + "/" + item.id)
                unlink(mounts + "/" + item.id + ".uses")
                cacheMounts += 1
            }
        }
        return (entries, cacheMounts, bytes)
    }
}
