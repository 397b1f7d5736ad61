import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// An image to put in an archive and the names to record for it (none when it was asked for by ID).
public struct ArchivedImage: Sendable {
    public var image: StoredImage
    public var tags: [ImageReference]

    public init(image: StoredImage, tags: [ImageReference]) {
        self.image = image
        self.tags = tags
    }
}

/// `skiff save`: images from the store into a docker-archive or an OCI image layout tar.
///
/// The docker-archive is what `docker save` of Docker 25+ writes: `blobs/sha256/<hex>` for every layer,
/// config and manifest, then `index.json` (OCI, names in `io.containerd.image.name` and
/// `org.opencontainers.image.ref.name`), `manifest.json` (Config/RepoTags/Layers paths) and `oci-layout`.
/// Layers are written as they are stored (podman and docker detect compression). The OCI archive has the
/// same blobs, `oci-layout` and an `index.json` naming each image by its full reference, as podman and skopeo
/// write it. Blobs are copied from the store block by block; nothing is held in memory.
public struct ImageArchiveWriter: Sendable {
    public let store: ImageStore

    public init(store: ImageStore) {
        self.store = store
    }

    /// What `skiff save NAME…` saves: each name resolved in the store, with that name recorded when it is a
    /// name (not when it is an ID); one entry per image, names merged in order.
    public func resolve(_ names: [String]) throws(ImageError) -> [ArchivedImage] {
        let refs = try store.references()
        var out: [ArchivedImage] = []
        for name in names {
            let image = try store.resolve(name)
            var tags: [ImageReference] = []
            if let ref = try? ImageReference(parsing: name), ref.tag != nil, refs[ref] == image.manifestDigest {
                tags.append(ref)
            }
            if let i = out.firstIndex(where: { $0.image.manifestDigest == image.manifestDigest }) {
                out[i].tags += tags.filter { !out[i].tags.contains($0) }
            } else {
                out.append(ArchivedImage(image: image, tags: tags))
            }
        }
        return out
    }

    /// Write the archive to `path`: into a temporary file next to it, renamed over it when complete.
    public func write(_ images: [ArchivedImage], format: ImageArchiveFormat, toPath path: String) throws(ImageError) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let (fd, temp): (Int32, String)
        do { (fd, temp) = try FileIO.makeTemporaryFile(in: dir.isEmpty ? "/" : dir, prefix: "." + base + ".") } catch {
            throw .system(error)
        }
        do throws(ImageError) {
            try write(images, format: format, to: fd, what: path)
            if fsync(fd) != 0 { throw ImageError.system(SystemError("fsync", path: temp)) }
            fchmod(fd, 0o644)
            close(fd)
            if rename(temp, path) != 0 { throw ImageError.system(SystemError("rename to", path: path)) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
    }

    /// Write the archive to an open descriptor (a file or a pipe; not closed here).
    public func write(_ images: [ArchivedImage], format: ImageArchiveFormat, to fd: Int32, what: String)
        throws(ImageError)
    {
        guard !images.isEmpty else { throw .invalidContent("nothing to save") }
        let tar = try TarStreamWriter(fd: fd, what: what)

        // Blobs first (each once, in the order the images need them), then the documents that name them.
        var written = Set<Digest>()
        try tar.addDirectory("blobs")
        try tar.addDirectory("blobs/sha256")
        func addBlob(_ digest: Digest) throws(ImageError) {
            guard written.insert(digest).inserted else { return }
            guard store.content.contains(digest) else { throw .blobNotFound(digest) }
            try tar.addFile("blobs/sha256/" + digest.hex, from: store.content.path(of: digest))
        }
        var indexEntries: [Descriptor] = []
        var dockerEntries: [DockerArchiveManifestEntry] = []
        for item in images {
            let image = item.image
            var layerPaths: [String] = []
            for layer in image.manifest.layers {
                let digest = try Digest(layer.digest)
                try addBlob(digest)
                layerPaths.append("blobs/sha256/" + digest.hex)
            }
            try addBlob(image.configDigest)
            try addBlob(image.manifestDigest)

            let size = store.content.size(of: image.manifestDigest) ?? 0
            let mediaType = image.manifest.mediaType ?? MediaType.ociManifest
            if item.tags.isEmpty {
                indexEntries.append(
                    Descriptor(mediaType: mediaType, digest: image.manifestDigest.description, size: size))
            }
            for tag in item.tags {
                let annotations: [String: String]
                switch format {
                case .dockerArchive:
                    annotations = [
                        "io.containerd.image.name": tag.description,
                        "org.opencontainers.image.ref.name": tag.tag ?? "latest",
                    ]
                case .ociArchive:
                    annotations = ["org.opencontainers.image.ref.name": tag.description]
                }
                indexEntries.append(
                    Descriptor(
                        mediaType: mediaType, digest: image.manifestDigest.description, size: size,
                        annotations: annotations))
            }
            dockerEntries.append(
                DockerArchiveManifestEntry(
                    Config: "blobs/sha256/" + image.configDigest.hex,
                    RepoTags: item.tags.map(\.description), Layers: layerPaths))
        }
        try tar.addFile(
            "index.json", bytes: try JSON.encode(ImageIndex(mediaType: MediaType.ociIndex, manifests: indexEntries)))
        if format == .dockerArchive {
            try tar.addFile("manifest.json", bytes: try JSON.encode(dockerEntries))
        }
        try tar.addFile("oci-layout", bytes: try JSON.encode(OCILayoutMarker()))
        try tar.finish()
    }
}
