// Media types of the OCI image-spec and of Docker's v2 schema 2, which registries and archives still
// serve. Both families are read; Skiff writes OCI unless a format asks for Docker's.

/// The media types Skiff reads and writes, and tests on them.
public enum MediaType {
    /// An OCI image manifest.
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    /// An OCI image index.
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    /// An OCI image configuration.
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    /// An uncompressed OCI layer tar.
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    /// A gzip-compressed OCI layer tar.
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// A zstd-compressed OCI layer tar.
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    /// A gzip OCI layer that registries may refuse to redistribute (deprecated in the spec; still read).
    public static let ociLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

    /// A Docker v2 schema 2 manifest.
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    /// A Docker manifest list (Docker's index).
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// A Docker image configuration.
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    /// A gzip-compressed Docker layer tar.
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// A zstd-compressed Docker layer tar.
    public static let dockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd"
    /// A Docker foreign layer (fetched from its `urls`, e.g. Windows base layers).
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    /// Whether `type` is an index (OCI) or a manifest list (Docker).
    public static func isIndex(_ type: String?) -> Bool {
        type == ociIndex || type == dockerManifestList
    }

    /// Whether `type` is an image manifest (OCI or Docker).
    public static func isManifest(_ type: String?) -> Bool {
        type == ociManifest || type == dockerManifest
    }

    /// Whether `type` is a layer Skiff can unpack.
    public static func isLayer(_ type: String) -> Bool {
        [
            ociLayer, ociLayerGzip, ociLayerZstd, ociLayerNondistributableGzip, dockerLayerGzip, dockerLayerZstd,
            dockerForeignLayerGzip,
        ].contains(type)
    }
}
