/// The two archive formats `skiff save` writes and `skiff load` reads.
public enum ImageArchiveFormat: String, Sendable, CaseIterable {
    /// What `docker save` writes (Docker 25+ layout): manifest.json with Config/RepoTags/Layers, the blobs under
    /// blobs/sha256/, and an OCI index.json + oci-layout next to it, so OCI tools read it too.
    case dockerArchive = "docker-archive"
    /// An OCI image layout in a tar: oci-layout, index.json (names in `org.opencontainers.image.ref.name`),
    /// blobs/sha256/.
    case ociArchive = "oci-archive"

    /// "docker-archive", "docker", "oci-archive", "oci".
    public init?(parsing text: String) {
        switch text {
        case "docker-archive", "docker": self = .dockerArchive
        case "oci-archive", "oci": self = .ociArchive
        default: return nil
        }
    }
}
