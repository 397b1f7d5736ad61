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
public struct BuildCache: Sendable {
    public let directory: String
    let images: ImageStore

    public init(root: String, images: ImageStore) {
        directory = root + "/build-cache"
        self.images = images
    }

    public init(engine: Engine) {
        self.init(root: engine.root, images: engine.images)
    }

    struct Entry: Codable {
        var manifest: Digest
        var step: String
    }

    public static func key(parent: Digest, step: String, contentDigest: String?) -> String {
        var text = "skiff-build-cache-v1\n" + parent.description + "\n" + step
        if let contentDigest { text += "\n" + contentDigest }
        return Digest.of(Array(text.utf8)).hex
    }

    func path(_ key: String) -> String { directory + "/" + key + ".json" }

    /// The image a step with this key made, if it is still complete in the store.
    public func lookup(_ key: String) -> StoredImage? {
        guard let bytes = try? FileIO.read(path(key)),
              let entry = try? KitJSON.decode(Entry.self, from: bytes),
              let image = try? images.image(manifest: entry.manifest) else { return nil }
        for layer in image.manifest.layers {
            guard let d = try? Digest(layer.digest), images.content.contains(d) else { return nil }
        }
        return image
    }

    public func store(_ key: String, manifest: Digest, step: String) throws(BuildError) {
        do {
            try FileIO.makeDirectories(directory, mode: 0o700)
            let bytes = try KitJSON.encode(Entry(manifest: manifest, step: step))
            try FileIO.writeAtomically(path(key), contents: bytes)
        } catch let e as SystemError {
            throw .wrap(e)
        } catch {
            throw .engine("write build cache entry \(path(key)): \(error)")
        }
    }

    /// Every cache entry's image: manifest, config and layer blobs, and the layers' chain IDs.
    public func referenced() -> (blobs: Set<Digest>, chains: Set<String>) {
        var blobs = Set<Digest>()
        var chains = Set<String>()
        for name in DirectoryListing.names(directory) where name.hasSuffix(".json") {
            guard let bytes = try? FileIO.read(directory + "/" + name),
                  let entry = try? KitJSON.decode(Entry.self, from: bytes),
                  let image = try? images.image(manifest: entry.manifest) else { continue }
            blobs.insert(entry.manifest)
            blobs.insert(image.configDigest)
            for layer in image.manifest.layers { if let d = try? Digest(layer.digest) { blobs.insert(d) } }
            chains.formUnion(LayerStore.chainIDs(diffIDs: image.config.rootfs.diffIDs))
        }
        return (blobs, chains)
    }

    /// For `Engine.collectGarbage`: add what the cache points at to the sets it keeps.
    public func retain(keep: inout Set<Digest>, chains: inout Set<String>) {
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
        let cacheMounts = DirectoryListing.names(mounts).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") }.count
        let bytes = Engine.diskUsage(directory) + Engine.diskUsage(mounts)
        FileIO.removeTree(directory)
        FileIO.removeTree(mounts)
        return (entries, cacheMounts, bytes)
    }
}
