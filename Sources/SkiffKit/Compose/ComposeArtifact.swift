import Foundation
import SkiffImage

/// A compose project as an OCI artifact, Docker Compose's `publish` format: an image manifest whose
/// layers are the compose files in the order they were given, then the files they `extends:` (marked
/// `com.docker.compose.extends`), then, with `--with-env`, the env files they name. Extended and env
/// files are named by the SHA-256 of their path, and the compose files refer to them by that name.
/// OCI 1.1 marks it with `artifactType` and the empty config; OCI 1.0, which has no `artifactType`,
/// with a config of Compose's own empty media type.
package enum ComposeArtifact {
    package static let projectArtifactType = "application/vnd.docker.compose.project"
    package static let fileMediaType = "application/vnd.docker.compose.file+yaml"
    package static let envFileMediaType = "application/vnd.docker.compose.envfile"
    package static let emptyConfigMediaType = "application/vnd.oci.empty.v1+json"
    package static let oci10ConfigMediaType = "application/vnd.docker.compose.config.empty.v1+json"
    package static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    /// The empty config blob, `{}`.
    package static let emptyConfig: [UInt8] = Array("{}".utf8)

    package enum OCIVersion: String, Sendable, CaseIterable {
        case v1_0 = "1.0"
        case v1_1 = "1.1"
    }

    /// One layer: a compose file, a file one `extends:`, or an env file, named by its base name (the
    /// annotation).
    package struct Layer: Sendable, Equatable {
        package enum Kind: Sendable, Equatable { case composeFile, extendsFile, envFile }
        package var kind: Kind
        package var name: String
        package var content: [UInt8]
        package init(kind: Kind, name: String, content: [UInt8]) {
            self.kind = kind
            self.name = name
            self.content = content
        }
    }

    /// A descriptor as Compose writes it: the content inlined as `data`.
    package struct Descriptor: Codable, Sendable, Equatable {
        package var mediaType: String
        package var digest: String
        package var size: Int
        package var annotations: [String: String]?
        package var data: String?
        /// Set on the descriptor of the project's manifest an `--app` index names as its subject.
        package var artifactType: String? = nil
    }

    package struct Manifest: Codable, Sendable, Equatable {
        package var schemaVersion: Int
        package var mediaType: String?
        package var artifactType: String?
        package var config: Descriptor
        package var layers: [Descriptor]
        package var annotations: [String: String]?
    }

    /// What to push: the blobs (config first, then the layers) and the manifest's bytes.
    package struct Plan: Sendable, Equatable {
        package var blobs: [(digest: Digest, bytes: [UInt8])]
        package var manifest: [UInt8]
        package var manifestDigest: Digest { Digest.of(manifest) }

        package static func == (a: Plan, b: Plan) -> Bool {
            a.manifest == b.manifest && a.blobs.map(\.digest) == b.blobs.map(\.digest)
        }
    }

    package static func descriptor(_ layer: Layer, version: String) -> Descriptor {
        let isEnv = layer.kind == .envFile
        var annotations = [
            "com.docker.compose.version": version,
            isEnv ? "com.docker.compose.envfile" : "com.docker.compose.file": (layer.name as NSString)
                .lastPathComponent,
        ]
        if layer.kind == .extendsFile { annotations["com.docker.compose.extends"] = "true" }
        return Descriptor(
            mediaType: isEnv ? envFileMediaType : fileMediaType, digest: Digest.of(layer.content).description,
            size: layer.content.count, annotations: annotations, data: Data(layer.content).base64EncodedString())
    }

    /// The manifest and blobs for `layers`. `created` is the RFC 3339 time of
    /// `org.opencontainers.image.created`; `version` the `com.docker.compose.version` annotation.
    package static func plan(layers: [Layer], ociVersion: OCIVersion, version: String, created: String) -> Plan {
        let configDigest = Digest.of(emptyConfig)
        let config = Descriptor(
            mediaType: ociVersion == .v1_1 ? emptyConfigMediaType : oci10ConfigMediaType,
            digest: configDigest.description, size: emptyConfig.count, annotations: nil,
            data: Data(emptyConfig).base64EncodedString())
        let manifest = Manifest(
            schemaVersion: 2, mediaType: manifestMediaType,
            artifactType: ociVersion == .v1_1 ? projectArtifactType : nil, config: config,
            layers: layers.map { descriptor($0, version: version) },
            annotations: ["org.opencontainers.image.created": created])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array((try? encoder.encode(manifest)) ?? Data())
        var blobs: [(Digest, [UInt8])] = [(configDigest, emptyConfig)]
        for layer in layers {
            let d = Digest.of(layer.content)
            if !blobs.contains(where: { $0.0 == d }) { blobs.append((d, layer.content)) }
        }
        return Plan(blobs: blobs.map { (digest: $0.0, bytes: $0.1) }, manifest: bytes)
    }

    /// The manifest at `reference`, checked to be a compose project: `artifactType` the project's, or,
    /// without one (OCI 1.0), the config of Compose's media type; every layer a compose or env file.
    package static func parse(_ bytes: [UInt8], reference: String) throws(ComposeError) -> Manifest {
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes)) } catch {
            throw .usage("\(reference) is not a compose project OCI artifact: its manifest is not an image manifest")
        }
        let isProject =
            manifest.artifactType.map { $0 == projectArtifactType }
            ?? (manifest.config.mediaType == oci10ConfigMediaType)
        guard isProject else {
            let found = manifest.artifactType ?? manifest.config.mediaType
            throw .usage("\(reference) is not a compose project OCI artifact, but \(found)")
        }
        for layer in manifest.layers where layer.mediaType != fileMediaType && layer.mediaType != envFileMediaType {
            throw .usage("\(reference): layer \(layer.digest) has media type \(layer.mediaType), not a compose file")
        }
        guard manifest.layers.contains(where: { $0.mediaType == fileMediaType && !isExtends($0) }) else {
            throw .usage("\(reference) holds no compose file")
        }
        return manifest
    }

    /// A compose-file layer that is the target of an `extends: {file: …}`, not one of the project's files.
    package static func isExtends(_ layer: Descriptor) -> Bool {
        layer.annotations?["com.docker.compose.extends"] != nil
    }

    /// An extended or env file is looked up by its layer's name, so the name must be a plain file
    /// name, as Docker Compose requires: no directory, nothing to climb out with.
    package static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.contains("\0")
    }
}
