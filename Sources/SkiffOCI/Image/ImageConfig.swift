// The image configuration (image-spec config.md). Docker writes the same JSON with a few extra fields
// (Healthcheck, OnBuild, Shell), kept here so an image built by Skiff carries them as Docker's does.

/// An image's configuration blob: the platform, the container defaults, the layers' diff IDs and the
/// build history.
public struct ImageConfig: Codable, Sendable, Equatable {
    /// When the image was made (RFC 3339).
    public var created: String?
    /// Who made it.
    public var author: String?
    /// The CPU architecture it runs on (GOARCH names).
    public var architecture: String
    /// The operating system it runs on (`linux`).
    public var os: String
    /// The CPU variant (`v8`, `v7`).
    public var variant: String?
    /// The defaults a container of the image starts with.
    public var config: ContainerConfig?
    /// The uncompressed digests of the layers, bottom first.
    public var rootfs: RootFS
    /// One entry per build step, including steps that made no layer.
    public var history: [History]?

    /// A configuration for this machine's platform unless told otherwise.
    public init(
        created: String? = nil, author: String? = nil, architecture: String = Platform.current.architecture,
        os: String = "linux", config: ContainerConfig? = nil, rootfs: RootFS = RootFS(diffIDs: []),
        history: [History]? = nil
    ) {
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
    /// The user (`name`, `uid`, `uid:gid`, `name:group`) the process runs as.
    public var User: String?
    /// The ports the image says it listens on (`80/tcp` → `{}`), for `-P`.
    public var ExposedPorts: [String: EmptyObject]?
    /// The environment, KEY=VALUE.
    public var Env: [String]?
    /// The program run with `Cmd` (or the run's arguments) appended.
    public var Entrypoint: [String]?
    /// The default arguments (or command, without an entrypoint).
    public var Cmd: [String]?
    /// Paths that get an anonymous volume in each container (`/data` → `{}`).
    public var Volumes: [String: EmptyObject]?
    /// The working directory.
    public var WorkingDir: String?
    /// Metadata labels.
    public var Labels: [String: String]?
    /// The signal `stop` sends first (SIGTERM when nil).
    public var StopSignal: String?
    /// Docker's HEALTHCHECK (not in the OCI spec; Docker-built images carry it).
    public var Healthcheck: HealthConfig?
    /// Instructions run when another build uses this image as its base (Docker).
    public var OnBuild: [String]?
    /// The shell for shell-form RUN, CMD and ENTRYPOINT (Docker's SHELL).
    public var Shell: [String]?
    /// Windows only: the command line is already escaped (Docker writes it; ignored on Linux).
    public var ArgsEscaped: Bool?

    /// Empty defaults.
    public init() {}
}

/// `{}`: the value of ExposedPorts and Volumes entries.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    /// The empty object.
    public init() {}
}

/// Docker's HEALTHCHECK, durations in nanoseconds.
public struct HealthConfig: Codable, Sendable, Equatable {
    /// ["NONE"], ["CMD", args…] or ["CMD-SHELL", command].
    public var Test: [String]?
    /// Time between checks.
    public var Interval: Int64?
    /// How long one check may take before it counts as failed.
    public var Timeout: Int64?
    /// Time after start during which failures do not count.
    public var StartPeriod: Int64?
    /// Time between checks during the start period.
    public var StartInterval: Int64?
    /// Consecutive failures that make the container unhealthy.
    public var Retries: Int?

    /// A health check running `Test` with the given timings (nanoseconds).
    public init(
        Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil,
        Retries: Int? = nil
    ) {
        self.Test = Test
        self.Interval = Interval
        self.Timeout = Timeout
        self.StartPeriod = StartPeriod
        self.Retries = Retries
    }
}

/// `rootfs` of an image config: the layers as diff IDs (digests of the uncompressed tars), bottom first.
public struct RootFS: Codable, Sendable, Equatable {
    /// Always `layers`.
    public var type: String
    /// The diff IDs, bottom layer first.
    public var diffIDs: [String]

    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }

    /// A `layers` rootfs of `diffIDs`.
    public init(diffIDs: [String]) {
        self.type = "layers"
        self.diffIDs = diffIDs
    }
}

/// One step of how the image was built.
public struct History: Codable, Sendable, Equatable {
    /// When the step ran.
    public var created: String?
    /// The command the step ran (`/bin/sh -c ...`, a Dockerfile instruction).
    public var createdBy: String?
    /// Who ran it.
    public var author: String?
    /// A note on the step.
    public var comment: String?
    /// Whether the step made no layer (ENV, CMD, ...).
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
        case created, author, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
    }

    /// A history entry for a step.
    public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created
        self.createdBy = createdBy
        self.comment = comment
        self.emptyLayer = emptyLayer
    }
}
