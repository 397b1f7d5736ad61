import SkiffImage
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The build cache: `<state root>/build-cache/<key>.json` → the intermediate image a step made.
///
/// A step's key is the SHA-256 of its parent image (manifest digest), its instruction text with ARG
/// and ENV values resolved, and for COPY/ADD the digest of its sources' contents (names, modes,
/// owners and bytes — not mtimes). Entries are written atomically (temp file + rename), one file
/// per key, so concurrent builds never see half an entry. An entry whose image has lost a blob is a
/// miss. The image GC keeps what entries point at (`retain`).
///
/// A metadata-only step (ENV, LABEL, CMD…) writes no image (see BuildStage): its entry keeps the time
/// its history line was written, so a cached rebuild writes the same config, hence the same image ID.
public struct BuildCache: Sendable {
    /// Where the entries are kept (`<root>/buildcache`).
    public let directory: String
    let images: ImageStore
    /// Counts what lookups read (nil: not counted).
    var work: BuildWork?
    /// The caches `--cache-from` imported, asked when this one misses.
    var imported: ImportedBuildCache?

    /// The cache of the state root `root`, whose entries point into `images`.
    public init(root: String, images: ImageStore) {
        directory = root + "/build-cache"
        self.images = images
        work = nil
    }

    /// The cache of `engine`'s state root.
    public init(engine: Engine) {
        self.init(root: engine.root, images: engine.images)
    }

    struct Entry: Codable {
        /// The image a layer step made (nil for a metadata step's entry).
        var manifest: Digest?
        /// A metadata step's history time.
        var created: String?
        var step: String
        /// The parent image and the copied files' lines (see CopyStep.contentLines), so a later miss
        /// can say what changed. Absent in entries written before they were kept.
        var parent: Digest?
        var files: [String]?
    }

    /// The most files an entry remembers by name (a bigger context is remembered by its digest only).
    static let rememberedFiles = 2000

    /// A step's cache key: SHA-256 of the parent image, the resolved step text and (COPY/ADD) the sources' digest.
    public static func key(parent: Digest, step: String, contentDigest: String?) -> String {
        var text = "skiff-build-cache-v1\n" + parent.description + "\n" + step
        if let contentDigest { text += "\n" + contentDigest }
        return Digest.of(Array(text.utf8)).hex
    }

    func path(_ key: String) -> String { directory + "/" + key + ".json" }

    /// The image a step with this key made, if it is still complete in the store, or an imported cache has it.
    public func lookup(_ key: String) -> StoredImage? {
        if let local = lookupLocal(key) { return local }
        guard let imported, let (record, cache) = imported.record(key), record.image != nil,
            let image = imported.materialize(record, from: cache, into: images)
        else { return nil }
        try? store(
            key, manifest: image.manifestDigest, step: record.step, parent: record.parent.flatMap { try? Digest($0) })
        return image
    }

    private func lookupLocal(_ key: String) -> StoredImage? {
        // Without the image's names: a step's image is found by digest, and reading images.json for
        // each step was a tenth of a cached rebuild.
        guard let entry = read(key), let manifest = entry.manifest,
            let image = try? images.image(manifest: manifest, references: [:])
        else { return nil }
        for layer in image.manifest.layers {
            guard let d = try? Digest(layer.digest), images.content.contains(d) else { return nil }
        }
        work?.readImage(configBytes: Int(image.manifest.config.size))
        return image
    }

    /// When the metadata step with this key was first built (its history line's time), if it was.
    public func lookupMetadata(_ key: String) -> String? {
        if let entry = read(key) { return entry.manifest == nil ? entry.created : nil }
        guard let imported, let (record, _) = imported.record(key), record.image == nil, let created = record.created,
            let parent = record.parent.flatMap({ try? Digest($0) })
        else { return nil }
        try? storeMetadata(key, created: created, step: record.step, parent: parent)
        return created
    }

    /// The entry of `key` as an exported record (nil when this cache has none).
    func record(_ key: String) -> BuildCacheRecord? {
        guard let entry = read(key) else { return nil }
        return BuildCacheRecord(
            key: key, step: entry.step, image: entry.manifest?.description, created: entry.created,
            parent: entry.parent?.description)
    }

    private func read(_ key: String) -> Entry? {
        guard let bytes = try? FileIO.read(path(key)) else { return nil }
        work?.readCacheEntry(bytes: bytes.count)
        return try? KitJSON.decode(Entry.self, from: bytes)
    }

    /// The images the build steps made (Docker's intermediate images, `images -a`), each once.
    public func stepImages() -> [StoredImage] {
        var seen = Set<Digest>()
        var result: [StoredImage] = []
        for name in DirectoryListing.names(directory).sorted() where name.hasSuffix(".json") {
            guard let image = lookup(String(name.dropLast(5))), seen.insert(image.manifestDigest).inserted else {
                continue
            }
            result.append(image)
        }
        return result
    }

    /// A build took the entry of `key` from the cache (its `UseCount`).
    public func recordUse(_ key: String) {
        UseCount.record(beside: directory + "/" + key, mode: 0o644)
    }

    /// How often the entry of `key` was used (made, then each hit) and when it was last hit, if ever.
    package func uses(_ key: String) -> (count: Int, lastHit: Double?) {
        guard let recorded = UseCount.read(beside: directory + "/" + key) else { return (1, nil) }
        return (1 + recorded.count, recorded.last)
    }

    /// Remember that the step with `key` (text `step`, on `parent`, copying `files`) made image `manifest`.
    public func store(_ key: String, manifest: Digest, step: String, parent: Digest? = nil, files: [String]? = nil)
        throws(BuildError)
    {
        let kept = files.flatMap { $0.count <= Self.rememberedFiles ? $0 : nil }
        try write(key, Entry(manifest: manifest, step: step, parent: parent, files: kept))
    }

    /// A metadata step's entry: the time its history line says.
    public func storeMetadata(_ key: String, created: String, step: String, parent: Digest) throws(BuildError) {
        try write(key, Entry(manifest: nil, created: created, step: step, parent: parent))
    }

    /// Written whole or not at all: a temp file of its own (stages building at once may write the
    /// same key), renamed into place.
    private func write(_ key: String, _ entry: Entry) throws(BuildError) {
        do {
            try FileIO.makeDirectories(directory, mode: 0o700)
            let bytes = try KitJSON.encode(entry)
            let (fd, temp) = try FileIO.makeTemporaryFile(in: directory, prefix: ".entry-")
            defer { close(fd) }
            do {
                try FileIO.writeAll(fd: fd, bytes: bytes, path: temp)
                fchmod(fd, 0o644)
                if rename(temp, path(key)) != 0 { throw SystemError("rename", path: path(key)) }
            } catch {
                unlink(temp)
                throw error
            }
        } catch let e as SystemError {
            throw .wrap(e)
        } catch {
            throw .engine("write build cache entry \(path(key)): \(error)")
        }
    }

    /// Every cache entry's image: manifest, config and layer blobs, and the layers' chain IDs.
    package func referenced() -> (blobs: Set<Digest>, chains: Set<String>) {
        var blobs = Set<Digest>()
        var chains = Set<String>()
        for name in DirectoryListing.names(directory) where name.hasSuffix(".json") {
            guard let bytes = try? FileIO.read(directory + "/" + name),
                let entry = try? KitJSON.decode(Entry.self, from: bytes), let manifest = entry.manifest,
                let image = try? images.image(manifest: manifest)
            else { continue }
            blobs.insert(manifest)
            blobs.insert(image.configDigest)
            for layer in image.manifest.layers { if let d = try? Digest(layer.digest) { blobs.insert(d) } }
            chains.formUnion(LayerStore.chainIDs(diffIDs: image.config.rootfs.diffIDs))
        }
        return (blobs, chains)
    }

    /// For `Engine.collectGarbage`: add what the cache points at to the sets it keeps.
    package func retain(keep: inout Set<Digest>, chains: inout Set<String>) {
        let (b, c) = referenced()
        keep.formUnion(b)
        chains.formUnion(c)
    }

    /// `skiff builder prune`: forget every entry.
    public func clear() {
        FileIO.removeTree(directory)
    }

    /// `skiff builder prune` and `system prune`: every entry and every RUN --mount=type=cache
    /// directory (which `clear` keeps). The images entries pointed at go with the next image GC.
    public func prune() -> (entries: Int, cacheMounts: Int, bytes: UInt64) {
        let entries = DirectoryListing.names(directory).filter { $0.hasSuffix(".json") }.count
        let mounts = RunMountInputs.cacheRoot(String(directory.dropLast("/build-cache".count)))
        let cacheMounts = DirectoryListing.names(mounts).filter(RunMountInputs.isCacheDirectory).count
        let bytes = Engine.diskUsage(directory) + Engine.diskUsage(mounts)
        FileIO.removeTree(directory)
        FileIO.removeTree(mounts)
        return (entries, cacheMounts, bytes)
    }
}

extension BuildCache {
    /// Why a step missed the cache, from the entries of earlier builds on the same parent: the files it
    /// copies changed (which ones), its text changed (an ARG or ENV value resolved into it, or an edit),
    /// or no step was ever built on this parent (a step before it changed, or this is the first build).
    public func missReason(parent: Digest, step: String, files: [String]?) -> String {
        var found: [(time: Int, entry: Entry)] = []
        for name in DirectoryListing.names(directory) where name.hasSuffix(".json") {
            var st = stat()
            guard stat(directory + "/" + name, &st) == 0, let bytes = try? FileIO.read(directory + "/" + name),
                let entry = try? KitJSON.decode(Entry.self, from: bytes), entry.parent == parent
            else { continue }
            found.append((st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec, entry))
        }
        // The latest build first: what changed is told against the last time this step ran.
        let siblings = found.sorted { $0.time > $1.time }.map(\.entry)
        if let same = siblings.first(where: { $0.step == step }) {
            guard let before = same.files, let now = files else {
                return "the files it copies changed since the last build"
            }
            return "the files it copies changed: " + Self.changedFiles(before: before, now: now)
        }
        let keyword = step.split(separator: " ").first.map(String.init) ?? step
        if let similar = siblings.first(where: { $0.step.split(separator: " ").first.map(String.init) == keyword }) {
            return
                "the instruction differs from the last build on this parent (was \"\(similar.step)\", now \"\(step)\"; "
                + "ARG and ENV values are part of it)"
        }
        return
            "no earlier build ran this step on parent image \(parent.hex.prefix(12)) (a step before it changed, or this is the first build)"
    }

    /// The paths whose line (mode, owner or content digest) differs, or that came or went. Lines are
    /// CopyStep.contentLines: a "tree LABEL PATH NAME" line per source, then its entries relative to it.
    static func changedFiles(before: [String], now: [String]) -> String {
        func byPath(_ lines: [String]) -> [String: String] {
            var map: [String: String] = [:]
            var source = ""
            for l in lines {
                let parts = l.split(separator: " ", maxSplits: 2).map(String.init)
                if parts.first == "tree" {
                    // "tree LABEL PATH NAME": the label may have spaces, so PATH is taken from the end.
                    let fields = l.split(separator: " ")
                    source = fields.count >= 4 ? String(fields[fields.count - 2]) : ""
                } else if parts.count >= 2, parts[0].count == 1 {
                    var relative = parts[1]
                    if relative.hasPrefix("./") { relative.removeFirst(2) } else if relative == "." { relative = "" }
                    let path = [source, relative].filter { !$0.isEmpty }.joined(separator: "/")
                    map[path.isEmpty ? "." : path] = l
                } else {
                    map[parts.prefix(2).joined(separator: " ")] = l
                }
            }
            return map
        }
        let a = byPath(before), b = byPath(now)
        var changed: [String] = []
        for (path, line) in b.sorted(by: { $0.key < $1.key }) where a[path] != line {
            changed.append(a[path] == nil ? "\(path) (new)" : path)
        }
        for path in a.keys.sorted() where b[path] == nil { changed.append("\(path) (removed)") }
        if changed.isEmpty { return "(their order or options)" }
        return changed.prefix(8).joined(separator: ", ") + (changed.count > 8 ? " and \(changed.count - 8) more" : "")
    }
}
