// A content descriptor (image-spec descriptor.md): what a blob is, its digest and its size.

public struct Descriptor: Codable, Sendable, Equatable, Hashable {
    public var mediaType: String
    public var digest: String
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    public var platform: Platform?

    public init(mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil,
                platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

/// The platform an image in an index is for (image-spec image-index.md).
public struct Platform: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(architecture: String, os: String = "linux", variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }

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
