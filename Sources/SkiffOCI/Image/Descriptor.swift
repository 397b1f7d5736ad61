// A content descriptor (image-spec descriptor.md): what a blob is, its digest and its size.

/// A content descriptor: which blob (by digest), what it is (media type) and how big, as manifests and
/// indexes point at configs, layers and other manifests.
public struct Descriptor: Codable, Sendable, Equatable, Hashable {
    /// What the blob is, e.g. `MediaType.ociLayerGzip`.
    public var mediaType: String
    /// The blob's content address, `sha256:<hex>`.
    public var digest: String
    /// The blob's size in bytes (checked when it is fetched).
    public var size: Int64
    /// Other places the blob may be fetched from (foreign layers).
    public var urls: [String]?
    /// Free-form metadata, e.g. `org.opencontainers.image.ref.name` in an index.
    public var annotations: [String: String]?
    /// In an index: the platform the manifest is for.
    public var platform: Platform?

    /// A descriptor of the blob `digest` of `size` bytes and type `mediaType`.
    public init(
        mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil,
        platform: Platform? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

/// The platform an image in an index is for (image-spec image-index.md).
public struct Platform: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The CPU architecture in Go's GOARCH names (`amd64`, `arm64`, ...).
    public var architecture: String
    /// The operating system in Go's GOOS names (`linux`).
    public var os: String
    /// The OS version (`os.version`; used by Windows images).
    public var osVersion: String?
    /// Required OS features (`os.features`).
    public var osFeatures: [String]?
    /// The CPU variant (`v8` for arm64, `v7` for arm).
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// The platform `os`/`architecture`(/`variant`).
    public init(architecture: String, os: String = "linux", variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }

    /// `os/architecture[/variant]`, as `--platform` takes it.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// "linux/amd64", "linux/arm64/v8", "arm64" (os defaults to linux).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/").map(String.init)
        switch parts.count {
        case 1: self.init(architecture: parts[0])
        case 2: self.init(architecture: parts[1], os: parts[0])
        case 3: self.init(architecture: parts[1], os: parts[0], variant: parts[2])
        default: return nil
        }
    }

    /// The platform this process runs on, in Go's GOARCH names (what images use).
    public static var current: Platform {
        #if arch(x86_64)
        return Platform(architecture: "amd64")
        #elseif arch(arm64)
        return Platform(architecture: "arm64", variant: "v8")
        #elseif arch(arm)
        return Platform(architecture: "arm", variant: "v7")
        #elseif arch(s390x)
        return Platform(architecture: "s390x")
        #elseif arch(powerpc64le)
        return Platform(architecture: "ppc64le")
        #else
        return Platform(architecture: "unknown")
        #endif
    }

    /// Whether an index entry for `other` can run here: same os and architecture, and the variant when
    /// both name one.
    public func matches(_ other: Platform) -> Bool {
        guard os == other.os, architecture == other.architecture else { return false }
        if let v = variant, let w = other.variant { return v == w }
        return true
    }
}
