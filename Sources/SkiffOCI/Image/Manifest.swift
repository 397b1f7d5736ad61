// An image manifest (image-spec manifest.md; Docker v2 schema 2 has the same shape) and an image index
// (image-index.md; Docker's manifest list has the same shape).

/// An image manifest: the config blob and the layers of one image for one platform.
public struct Manifest: Codable, Sendable, Equatable {
    /// Always 2.
    public var schemaVersion: Int
    /// The manifest's own media type (OCI or Docker v2 schema 2).
    public var mediaType: String?
    /// The image configuration blob.
    public var config: Descriptor
    /// The layer blobs, bottom first.
    public var layers: [Descriptor]
    /// Free-form metadata.
    public var annotations: [String: String]?

    /// A manifest for the image with `config` and `layers`.
    public init(
        mediaType: String = MediaType.ociManifest, config: Descriptor, layers: [Descriptor],
        annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}

/// An image index (Docker: manifest list): one manifest per platform, or the images of an OCI layout.
public struct ImageIndex: Codable, Sendable, Equatable {
    /// Always 2.
    public var schemaVersion: Int
    /// The index's own media type (OCI index or Docker manifest list).
    public var mediaType: String?
    /// The manifests it lists, with their platforms.
    public var manifests: [Descriptor]
    /// Free-form metadata.
    public var annotations: [String: String]?

    /// An index of `manifests`.
    public init(
        mediaType: String = MediaType.ociIndex, manifests: [Descriptor],
        annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}
