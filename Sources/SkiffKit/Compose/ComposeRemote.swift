import Foundation
import SkiffImage

/// Compose projects in a registry (`compose publish`, `-f oci://…`), through the registry client that
/// push and pull use, with the credentials of `skiff login`.
package enum ComposeRemote {
    package static let scheme = "oci://"

    /// One file read from an artifact: its layer's name, its kind and text.
    package struct File: Sendable, Equatable {
        package var name: String
        package var kind: ComposeArtifact.Layer.Kind
        package var text: String
        package init(name: String, kind: ComposeArtifact.Layer.Kind, text: String) {
            self.name = name
            self.kind = kind
            self.text = text
        }
    }

    package static func reference(_ text: String) throws(ComposeError) -> ImageReference {
        do { return try ImageReference(parsing: text) } catch {
            throw .usage("invalid reference \"\(text)\": \(error)")
        }
    }

    /// Push the artifact: its blobs (those the repository lacks), then its manifest under the reference's
    /// tag. Without `ociVersion`, OCI 1.1 is tried first and, when the registry refuses the manifest
    /// with a client error other than auth (no 1.1 support), OCI 1.0, as Docker Compose does.
    /// The published manifest: its digest and its descriptor (what an `--app` index names as subject).
    package static func publish(
        _ layers: [ComposeArtifact.Layer], to reference: ImageReference, ociVersion: ComposeArtifact.OCIVersion?,
        version: String, created: String, options: RegistryOptions = RegistryOptions()
    ) throws(ComposeError) -> (digest: Digest, descriptor: ComposeArtifact.Descriptor) {
        do {
            let client = try RegistryClient(registry: reference.registry, options: options)
            func push(_ v: ComposeArtifact.OCIVersion) throws(RegistryError) -> (Digest, ComposeArtifact.Descriptor) {
                let plan = ComposeArtifact.plan(layers: layers, ociVersion: v, version: version, created: created)
                for blob in plan.blobs
                where try !client.blobExists(repository: reference.repository, digest: blob.digest) {
                    try client.uploadBlob(repository: reference.repository, digest: blob.digest, bytes: blob.bytes)
                }
                let digest = try client.putManifest(
                    repository: reference.repository, reference: reference.manifestReference, bytes: plan.manifest,
                    mediaType: ComposeArtifact.manifestMediaType)
                return (
                    digest,
                    ComposeArtifact.Descriptor(
                        mediaType: ComposeArtifact.manifestMediaType, digest: digest.description,
                        size: plan.manifest.count, annotations: ["com.docker.compose.version": version], data: nil,
                        artifactType: v == .v1_1 ? ComposeArtifact.projectArtifactType : nil)
                )
            }
            if let ociVersion { return try push(ociVersion) }
            do { return try push(.v1_1) } catch {
                guard case .http(_, "PUT", _, let status, _) = error, (400..<500).contains(status), status != 407 else {
                    throw error
                }
                return try push(.v1_0)
            }
        } catch {
            throw .usage("publishing \(reference.familiar): \(error)")
        }
    }

    /// A layer as a file: a compose file's name is only a label (the project's files are read in layer
    /// order); an extended or env file is found by its name, which must then be a plain file name.
    package static func file(_ layer: ComposeArtifact.Descriptor, text: String, location: String) throws(ComposeError)
        -> File
    {
        let kind: ComposeArtifact.Layer.Kind
        let name: String?
        if layer.mediaType == ComposeArtifact.envFileMediaType {
            kind = .envFile
            name = layer.annotations?["com.docker.compose.envfile"]
        } else if ComposeArtifact.isExtends(layer) {
            kind = .extendsFile
            name = layer.annotations?["com.docker.compose.file"]
        } else {
            return File(
                name: layer.annotations?["com.docker.compose.file"] ?? "compose.yaml", kind: .composeFile, text: text)
        }
        guard let name else {
            throw .unreadable(
                file: location,
                reason:
                    "invalid OCI artifact: layer \(layer.digest) has no \(kind == .envFile ? "com.docker.compose.envfile" : "com.docker.compose.file") annotation"
            )
        }
        guard ComposeArtifact.isPlainName(name) else {
            throw .unreadable(
                file: location,
                reason: "invalid OCI artifact: layer \(layer.digest) is named \"\(name)\", not a plain file name")
        }
        return File(name: name, kind: kind, text: text)
    }

    /// The files of the compose project at `oci://REFERENCE`, in layer order. Nothing is written to disk.
    package static func fetch(_ location: String, options: RegistryOptions = RegistryOptions()) throws(ComposeError)
        -> [File]
    {
        let reference = try reference(String(location.dropFirst(scheme.count)))
        let limit = YAMLLimits.standard.maxBytes
        do {
            let client = try RegistryClient(registry: reference.registry, options: options)
            let fetched = try client.manifest(repository: reference.repository, reference: reference.manifestReference)
            let manifest = try ComposeArtifact.parse(fetched.bytes, reference: location)
            var files: [File] = []
            for layer in manifest.layers {
                guard layer.size <= limit else {
                    throw ComposeError.unreadable(
                        file: location, reason: "layer \(layer.digest) is larger than \(limit) bytes")
                }
                let digest = try Digest(layer.digest)
                let bytes = try client.blob(repository: reference.repository, digest: digest, maxSize: limit)
                guard let text = String(bytes: bytes, encoding: .utf8) else {
                    throw ComposeError.unreadable(file: location, reason: "layer \(layer.digest) is not UTF-8 text")
                }
                files.append(try file(layer, text: text, location: location))
            }
            return files
        } catch let e as ComposeError {
            throw e
        } catch {
            throw .usage("reading \(location): \(error)")
        }
    }
}
