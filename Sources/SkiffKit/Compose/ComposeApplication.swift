import Foundation
import SkiffImage
import SkiffOCI
import SkiffSystem

/// `compose publish --app`, as Docker Compose does it: each service's image is copied, by digest, into
/// the repository the project is published to (an index with every manifest it lists, each manifest's
/// config and layers), and an OCI image index listing those images, whose `subject` is the project's
/// manifest, is pushed there by digest, untagged: the registry's referrers of the project name it.
package enum ComposeApplication {
    /// The index: the copied images, the project's manifest as subject, Compose's version annotation.
    package struct Index: Codable, Sendable, Equatable {
        package var schemaVersion = 2
        package var mediaType = MediaType.ociIndex
        package var manifests: [ComposeArtifact.Descriptor]
        package var subject: ComposeArtifact.Descriptor
        package var annotations: [String: String]
    }

    package static func index(
        images: [ComposeArtifact.Descriptor], subject: ComposeArtifact.Descriptor, version: String
    )
        -> [UInt8]
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let index = Index(
            manifests: images, subject: subject, annotations: ["com.docker.compose.version": version])
        return Array((try? encoder.encode(index)) ?? Data())
    }

    /// Push the index to `target`'s repository by its digest (untagged), the digest returned.
    @discardableResult
    package static func pushIndex(
        images: [ComposeArtifact.Descriptor], subject: ComposeArtifact.Descriptor, version: String,
        to target: ImageReference, options: RegistryOptions = RegistryOptions()
    ) throws(ComposeError) -> Digest {
        let bytes = index(images: images, subject: subject, version: version)
        do {
            let client = try RegistryClient(registry: target.registry, options: options)
            return try client.putManifest(
                repository: target.repository, reference: Digest.of(bytes).description, bytes: bytes,
                mediaType: MediaType.ociIndex)
        } catch {
            throw .usage("publishing \(target.familiar): \(error)")
        }
    }

    /// Copy `image` into `target`'s repository, by digest; its descriptor as Compose's copy returns it
    /// (annotated with where it came from, containerd's distribution-source label). Blobs the target
    /// lacks are mounted from the same registry's repository when it can, else streamed through a
    /// file under `scratch`, removed after.
    package static func copy(
        _ image: ImageReference, to target: ImageReference, scratch: String,
        options: RegistryOptions = RegistryOptions()
    ) throws(ComposeError) -> ComposeArtifact.Descriptor {
        do {
            let src = try RegistryClient(registry: image.registry, options: options)
            let dst =
                image.registry == target.registry
                ? src : try RegistryClient(registry: target.registry, options: options)
            let staging: String
            do {
                try FileIO.makeDirectories(scratch, mode: 0o700)
                staging = try FileIO.makeTemporaryDirectory(in: scratch, prefix: "app-copy-")
            } catch { throw ComposeError.usage("copying \(image.familiar): \(error)") }
            defer { FileIO.removeTree(staging) }
            let store = ContentStore(root: staging)

            func copyBlob(_ d: Descriptor) throws {
                let digest = try Digest(d.digest)
                if try dst.blobExists(repository: target.repository, digest: digest) { return }
                if image.registry == target.registry,
                    try dst.mountBlob(repository: target.repository, digest: digest, from: image.repository)
                {
                    return
                }
                try src.fetchBlob(repository: image.repository, digest: digest, size: d.size, into: store)
                try dst.uploadBlob(repository: target.repository, digest: digest, file: store.path(of: digest))
                unlink(store.path(of: digest))
            }
            func copyManifest(_ bytes: [UInt8], _ mediaType: String, _ digest: Digest) throws {
                if MediaType.isIndex(mediaType) {
                    let index = try JSONDecoder().decode(ImageIndex.self, from: Data(bytes))
                    for m in index.manifests {
                        let child = try src.manifest(repository: image.repository, reference: m.digest)
                        try copyManifest(child.bytes, child.mediaType, child.digest)
                    }
                } else {
                    let manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
                    for d in [manifest.config] + manifest.layers { try copyBlob(d) }
                }
                _ = try dst.putManifest(
                    repository: target.repository, reference: digest.description, bytes: bytes, mediaType: mediaType)
            }
            let top = try src.manifest(repository: image.repository, reference: image.manifestReference)
            try copyManifest(top.bytes, top.mediaType, top.digest)
            return ComposeArtifact.Descriptor(
                mediaType: top.mediaType, digest: top.digest.description, size: top.bytes.count,
                annotations: ["containerd.io/distribution.source.\(image.registry)": image.repository], data: nil)
        } catch let e as ComposeError {
            throw e
        } catch {
            throw .usage("copying \(image.familiar) to \(target.registry)/\(target.repository): \(error)")
        }
    }
}
