import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Images under a state root: blobs in `blobs/`, names in `images.json` (reference → manifest digest),
/// written atomically under `images.lock`.
///
/// An image is its manifest: `docker images` shows the config digest as the IMAGE ID, and several
/// names may point at one image.
public struct ImageStore: Sendable {
    public let root: String
    public let content: ContentStore

    public init(root: String) {
        self.root = root
        self.content = ContentStore(root: root + "/blobs")
    }

    var indexPath: String { root + "/images.json" }
    var lockPath: String { root + "/images.lock" }

    struct IndexFile: Codable {
        var references: [String: Digest] = [:]
        /// Images pulled for a platform other than the one the name points at (a build's base image for
        /// `--platform`), untagged: `REFERENCE PLATFORM` → manifest, so the next build finds it here as
        /// BuildKit's content store does. `builder prune` forgets them.
        var platformPulls: [String: Digest]?
        /// Names that are a multi-platform image (`build --platform a,b`): name → OCI image index. The
        /// name's entry in `references` is the index's manifest for this machine's platform (else its
        /// first), which `images` lists and `run` runs.
        var indexes: [String: Digest]?
        /// Images kept without a name (Docker's dangling images): `commit` or `import` without one. Listed
        /// as `<none>`, found by ID, kept until `rmi ID` or `image prune`; a name given later takes it out.
        var untagged: [Digest]?
        /// Docker's parent chain: an image made from another one (`commit`) → that image (manifest
        /// digests). `rmi` deletes a removed image's untagged parents that nothing else uses.
        var parents: [String: Digest]?
    }

    /// Record that the image of `child` was made from the image of `parent`.
    public func setParent(_ parent: Digest, of child: Digest) throws(ImageError) {
        try updateIndex { file in
            var parents = file.parents ?? [:]
            parents[child.description] = parent
            file.parents = parents
        }
    }

    /// The image `child` was made from, if the store recorded one.
    public func parent(of child: Digest) -> Digest? {
        (try? readIndex())?.parents?[child.description]
    }

    /// The images recorded as made from `parent`.
    public func children(of parent: Digest) -> [Digest] {
        ((try? readIndex())?.parents ?? [:]).filter { $0.value == parent }.compactMap { try? Digest($0.key) }
    }

    /// Forget the parent record of a deleted image.
    public func forgetParent(of child: Digest) throws(ImageError) {
        try updateIndex { file in
            file.parents?.removeValue(forKey: child.description)
            if file.parents?.isEmpty == true { file.parents = nil }
        }
    }

    /// Keep the image of `manifest` without a name (`commit`, `import` without REPOSITORY).
    public func keepUntagged(manifest: Digest) throws(ImageError) {
        guard content.contains(manifest) else { throw .blobNotFound(manifest) }
        try updateIndex { file in
            if file.references.values.contains(manifest) { return }
            file.untagged = Array(Set(file.untagged ?? []).union([manifest])).sorted()
        }
    }

    /// Stop keeping an image without a name (`rmi ID`, `image prune`); garbage collection then deletes it.
    public func forgetUntagged(manifest: Digest) throws(ImageError) {
        try updateIndex { file in
            file.untagged?.removeAll { $0 == manifest }
            if file.untagged?.isEmpty == true { file.untagged = nil }
        }
    }

    /// The manifests of the images kept without a name.
    public func untaggedManifests() -> [Digest] {
        (try? readIndex())?.untagged ?? []
    }

    static func platformKey(_ reference: ImageReference, _ platform: Platform) -> String {
        reference.description + " " + platform.description
    }

    /// Remember the image pulled for `reference` on `platform` without taking the name.
    public func recordPlatformPull(_ reference: ImageReference, platform: Platform, manifest: Digest)
        throws(ImageError)
    {
        guard content.contains(manifest) else { throw .blobNotFound(manifest) }
        try updateIndex { file in
            var pulls = file.platformPulls ?? [:]
            pulls[Self.platformKey(reference, platform)] = manifest
            file.platformPulls = pulls
        }
    }

    /// The image pulled earlier for `reference` on `platform` (`recordPlatformPull`), when all its blobs
    /// are still here.
    public func platformPull(_ reference: ImageReference, platform: Platform) -> StoredImage? {
        guard let digest = try? readIndex().platformPulls?[Self.platformKey(reference, platform)],
            let image = try? image(manifest: digest)
        else { return nil }
        let blobs = [image.manifest.config] + image.manifest.layers
        for blob in blobs {
            guard let d = try? Digest(blob.digest), content.contains(d) else { return nil }
        }
        return image
    }

    /// Forget every platform pull (`builder prune`); the next garbage collection deletes their blobs.
    public func forgetPlatformPulls() throws(ImageError) {
        try updateIndex { $0.platformPulls = nil }
    }

    /// Every name and the manifest it points to.
    public func references() throws(ImageError) -> [ImageReference: Digest] {
        let file = try readIndex()
        var out: [ImageReference: Digest] = [:]
        for (name, digest) in file.references {
            if let ref = try? ImageReference(parsing: name, defaultTag: nil) { out[ref] = digest }
        }
        return out
    }

    /// Point `reference` at a manifest that is in the store (an index it named is dropped from it).
    public func tag(_ reference: ImageReference, manifest: Digest) throws(ImageError) {
        guard content.contains(manifest) else { throw .blobNotFound(manifest) }
        try updateIndex {
            $0.references[reference.description] = manifest
            $0.indexes?.removeValue(forKey: reference.description)
            $0.untagged?.removeAll { $0 == manifest }
            if $0.untagged?.isEmpty == true { $0.untagged = nil }
        }
    }

    /// Point `reference` at an image index in the store, listed and run as its entry for `platform`
    /// (else its first).
    public func tag(_ reference: ImageReference, index: Digest, platform: Platform) throws(ImageError) {
        let parsed = try content.readJSON(ImageIndex.self, index)
        let entry =
            parsed.manifests.first { $0.platform.map { platform.matches($0) } == true } ?? parsed.manifests.first
        guard let entry else { throw .invalidReference(reference.description, "the image index has no manifest") }
        let manifest = try Digest(entry.digest)
        for e in parsed.manifests {
            let d = try Digest(e.digest)
            guard content.contains(d) else { throw .blobNotFound(d) }
        }
        try updateIndex {
            $0.references[reference.description] = manifest
            var indexes = $0.indexes ?? [:]
            indexes[reference.description] = index
            $0.indexes = indexes
        }
    }

    /// The image index a name is, when it is one: its digest and its entries.
    public func index(of reference: ImageReference) -> (digest: Digest, index: ImageIndex)? {
        guard let digest = try? readIndex().indexes?[reference.description],
            let index = try? content.readJSON(ImageIndex.self, digest)
        else { return nil }
        return (digest, index)
    }

    /// Remove a name; returns the manifest it pointed to.
    @discardableResult
    public func untag(_ reference: ImageReference) throws(ImageError) -> Digest? {
        var removed: Digest?
        try updateIndex {
            removed = $0.references.removeValue(forKey: reference.description)
            $0.indexes?.removeValue(forKey: reference.description)
        }
        return removed
    }

    /// Load an image by manifest digest.
    public func image(manifest digest: Digest) throws(ImageError) -> StoredImage {
        try image(manifest: digest, references: try? references())
    }

    /// `image(manifest:)` with the names already read (nil: unreadable, so none; `[:]` from a caller that
    /// does not need them, as the build cache's look-up of each step).
    package func image(manifest digest: Digest, references refs: [ImageReference: Digest]?) throws(ImageError)
        -> StoredImage
    {
        let manifest = try content.readJSON(Manifest.self, digest)
        let configDigest = try Digest(manifest.config.digest)
        let config = try content.readJSON(ImageConfig.self, configDigest)
        let names = (refs ?? [:]).filter { $0.value == digest }.map(\.key)
        return StoredImage(
            manifestDigest: digest, manifest: manifest, configDigest: configDigest, config: config,
            references: names.sorted { $0.description < $1.description })
    }

    /// Find an image the way `docker` does: by name (busybox, busybox:1.36, localhost:5000/a@sha256:…),
    /// by full or short IMAGE ID (config digest), or by manifest digest.
    public func resolve(_ input: String) throws(ImageError) -> StoredImage {
        let refs = try references()
        if let ref = try? ImageReference(parsing: input) {
            if let digest = refs[ref] { return try image(manifest: digest, references: refs) }
            if let d = ref.digest, ref.tag == nil || refs[ref] == nil, content.contains(d),
                let img = try? image(manifest: d, references: refs),
                refs.contains(where: { $0.key.name == ref.name && $0.value == d })
            {
                return img
            }
        }
        let hex = input.hasPrefix("sha256:") ? String(input.dropFirst(7)) : input
        if hex.count >= 4, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            var matches: [Digest: StoredImage] = [:]
            for digest in Set(refs.values).union(untaggedManifests()) {
                guard let img = try? image(manifest: digest, references: refs) else { continue }
                if img.configDigest.hex.hasPrefix(hex) || digest.hex.hasPrefix(hex) { matches[digest] = img }
            }
            if matches.count == 1 { return matches.first!.value }
            if matches.count > 1 {
                throw .invalidReference(input, "the ID prefix matches \(matches.count) images; give more digits")
            }
        }
        throw .notFound(input)
    }

    /// Every named image, one entry per manifest.
    public func list() throws(ImageError) -> [StoredImage] {
        var out: [StoredImage] = []
        let refs = try references()
        for digest in Set(refs.values).union(untaggedManifests()).sorted() {
            if let img = try? image(manifest: digest, references: refs) { out.append(img) }
        }
        return out
    }

    /// Delete blobs no named image uses (and that `keep` does not name): after `rmi`, `image prune`.
    /// Returns the digests removed.
    ///
    /// A named manifest that cannot be read stops the collection before anything is deleted: what it
    /// references is unknown, so any blob might be one of its layers.
    @discardableResult
    public func collectGarbage(keep: Set<Digest> = []) throws(ImageError) -> [Digest] {
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        var live = keep
        let file = try readIndex()
        let index = file.references
        var manifests = Set(index.values).union((file.platformPulls ?? [:]).values).union(file.untagged ?? [])
        for digest in Set((file.indexes ?? [:]).values) {
            live.insert(digest)
            do {
                for entry in try content.readJSON(ImageIndex.self, digest).manifests {
                    manifests.insert(try Digest(entry.digest))
                }
            } catch {
                let names = (file.indexes ?? [:]).filter { $0.value == digest }.map(\.key).sorted()
                throw .unreadableManifest(path: content.path(of: digest), names: names, reason: error.description)
            }
        }
        for digest in manifests {
            live.insert(digest)
            do {
                let manifest = try content.readJSON(Manifest.self, digest)
                live.insert(try Digest(manifest.config.digest))
                for layer in manifest.layers { live.insert(try Digest(layer.digest)) }
            } catch {
                let names = index.filter { $0.value == digest }.map(\.key).sorted()
                throw .unreadableManifest(path: content.path(of: digest), names: names, reason: error.description)
            }
        }
        var removed: [Digest] = []
        for digest in content.all() where !live.contains(digest) {
            content.delete(digest)
            removed.append(digest)
        }
        return removed
    }

    func readIndex() throws(ImageError) -> IndexFile {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(indexPath) } catch {
            if error.errno == ENOENT { return IndexFile() }
            throw .system(error)
        }
        return try JSON.decode(IndexFile.self, from: bytes, what: indexPath)
    }

    func updateIndex(_ change: (inout IndexFile) -> Void) throws(ImageError) {
        do { try FileIO.makeDirectories(root, mode: 0o711) } catch { throw .system(error) }
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        var file = try readIndex()
        change(&file)
        let bytes = try JSON.encode(file)
        do { try FileIO.writeAtomically(indexPath, contents: bytes) } catch { throw .system(error) }
    }
}

/// An image in the store: its manifest, config and the names that point at it.
public struct StoredImage: Sendable {
    public var manifestDigest: Digest
    public var manifest: Manifest
    public var configDigest: Digest
    public var config: ImageConfig
    public var references: [ImageReference]

    /// The IMAGE ID `docker images` shows: the config digest.
    public var id: Digest { configDigest }

    /// Compressed size of the layers plus the config, as `docker images` SIZE approximates it.
    public var size: Int64 { manifest.layers.reduce(manifest.config.size) { $0 + $1.size } }
}
