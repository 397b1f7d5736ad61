/// A layer blob written by `LayerPacker`.
public struct PackedLayer: Sendable, Equatable {
    /// `sha256:<hex>` of the compressed blob (the manifest's layer digest).
    public var digest: String
    /// `sha256:<hex>` of the uncompressed tar (the image config's diff ID).
    public var diffID: String
    /// Size of the compressed blob in bytes.
    public var size: Int64
    /// Size of the uncompressed tar in bytes.
    public var uncompressedSize: Int64
    /// Tar entries written (whiteout and opaque markers included).
    public var entries: Int

    public init(digest: String, diffID: String, size: Int64, uncompressedSize: Int64, entries: Int) {
        self.digest = digest
        self.diffID = diffID
        self.size = size
        self.uncompressedSize = uncompressedSize
        self.entries = entries
    }

    /// The OCI media type of what `LayerPacker` writes.
    public static let mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
}
