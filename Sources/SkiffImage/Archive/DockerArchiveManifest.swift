import SkiffOCI

/// One entry of a docker-archive's `manifest.json` (`docker save`'s index of what the tar holds). Paths are
/// relative to the archive root: `<hex>.json` and `<id>/layer.tar` in the old layout, `blobs/sha256/<hex>` in
/// Docker 25+'s.
public struct DockerArchiveManifestEntry: Codable, Sendable, Equatable {
    public var Config: String
    public var RepoTags: [String]?
    public var Layers: [String]
    /// Descriptors of foreign (non-distributable) layers, keyed by diff ID; Skiff writes none.
    public var LayerSources: [String: Descriptor]?

    public init(Config: String, RepoTags: [String]?, Layers: [String]) {
        self.Config = Config
        self.RepoTags = RepoTags
        self.Layers = Layers
    }
}

/// `oci-layout`, the marker file of an OCI image layout.
struct OCILayoutMarker: Codable {
    var imageLayoutVersion: String = "1.0.0"
}
