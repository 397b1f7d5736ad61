// The image configuration (image-spec config.md). Docker writes the same JSON with a few extra fields
// (Healthcheck, OnBuild, Shell), kept here so an image built by Skiff carries them as Docker's does.

public struct ImageConfig: Codable, Sendable, Equatable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var variant: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?

    public init(created: String? = nil, author: String? = nil, architecture: String = Platform.current.architecture,
                os: String = "linux", config: ContainerConfig? = nil, rootfs: RootFS = RootFS(diffIDs: []),
                history: [History]? = nil) {
        self.created = created
        self.author = author
        self.architecture = architecture
        self.os = os
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }
}

/// The defaults a container of the image starts with (`config` in the image config).
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var User: String?
    public var ExposedPorts: [String: EmptyObject]?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var Volumes: [String: EmptyObject]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var Healthcheck: HealthConfig?
    public var OnBuild: [String]?
    public var Shell: [String]?
    public var ArgsEscaped: Bool?

    public init() {}
}

/// `{}`: the value of ExposedPorts and Volumes entries.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    public init() {}
}

/// Docker's HEALTHCHECK, durations in nanoseconds.
public struct HealthConfig: Codable, Sendable, Equatable {
    /// ["NONE"], ["CMD", args…] or ["CMD-SHELL", command].
    public var Test: [String]?
    public var Interval: Int64?
    public var Timeout: Int64?
    public var StartPeriod: Int64?
    public var StartInterval: Int64?
    public var Retries: Int?

    public init(Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil,
                Retries: Int? = nil) {
        self.Test = Test
        self.Interval = Interval
        self.Timeout = Timeout
        self.StartPeriod = StartPeriod
        self.Retries = Retries
    }
}

public struct RootFS: Codable, Sendable, Equatable {
    public var type: String
    public var diffIDs: [String]

    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }

    public init(diffIDs: [String]) {
        self.type = "layers"
        self.diffIDs = diffIDs
    }
}

public struct History: Codable, Sendable, Equatable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
        case created, author, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
    }

    public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created
        self.createdBy = createdBy
        self.comment = comment
        self.emptyLayer = emptyLayer
    }
}
