/// What a test asks for: an image (or a Dockerfile directory) and how to run it. A value: each `with…`
/// returns a changed copy, so a base request can be shared and varied.
///
/// ```swift
/// let web = try await ContainerRequest(image: "busybox")
///     .withCommand(["httpd", "-f", "-p", "8080"])
///     .withExposedPorts(8080)
///     .waitingFor(.port(8080))
///     .start()
/// ```
public struct ContainerRequest: Sendable, Hashable {
    /// Where the image comes from.
    public enum Image: Sendable, Hashable {
        /// A reference (`busybox`, `docker.io/library/postgres:16`): taken from the state root, pulled when missing.
        case reference(String)
        /// A build context with a Dockerfile, built through the build cache (a rebuild of an unchanged
        /// directory costs no RUN step).
        case dockerfile(directory: String, dockerfile: String? = nil, buildArgs: [String: String] = [:])
    }

    /// A file put into the container before it starts.
    public struct FileCopy: Sendable, Hashable {
        public enum Source: Sendable, Hashable {
            case hostPath(String)
            case contents([UInt8])
        }
        public var source: Source
        /// The absolute path in the container.
        public var destination: String
        /// Permission bits for `contents` (host files keep theirs).
        public var mode: UInt16
    }

    /// A volume, host directory or tmpfs mounted into the container.
    public enum Mount: Sendable, Hashable {
        /// A named volume of the session (`skt-<id>-<name>`), made on first use, removed with the session.
        case volume(name: String, target: String, readOnly: Bool)
        /// A host path.
        case bind(source: String, target: String, readOnly: Bool)
        /// A tmpfs (`options` as Docker's --tmpfs takes them, e.g. "size=64m").
        case tmpfs(target: String, options: String)
    }

    public var image: Image
    public var environment: [String: String] = [:]
    /// Replaces the image's CMD.
    public var command: [String]?
    /// Replaces the image's ENTRYPOINT (Docker: the image's CMD is then dropped too).
    public var entrypoint: [String]?
    public var files: [FileCopy] = []
    public var mounts: [Mount] = []
    public var labels: [String: String] = [:]
    /// Memory limit in bytes, CPUs (1.5 = one and a half), most processes.
    public var memory: Int64?
    public var cpus: Double?
    public var pidsLimit: Int64?
    /// Container ports published on 127.0.0.1, each on a free host port.
    public var exposedPorts: [UInt16] = []
    /// Networks joined (the first at create, the others right after) and the aliases on each.
    public var networks: [NetworkAttachment] = []
    public var user: String?
    public var workingDirectory: String?
    /// Waits before `start()` returns; nil: the lowest exposed port accepts connections (none: no wait).
    public var waitStrategy: WaitStrategy?
    /// Keep the container for later tests of this process that make the same request (see ``reuse()``).
    public var reusable = false
    /// A name suffix (the name is `skt-<session>-<suffix>`); nil: numbered.
    public var name: String?

    public struct NetworkAttachment: Sendable, Hashable {
        public var network: String
        public var aliases: [String]
    }

    public init(image: String) { self.image = .reference(image) }

    /// A container from the image a Dockerfile directory builds (through the build cache).
    public init(dockerfileDirectory: String, dockerfile: String? = nil, buildArgs: [String: String] = [:]) {
        self.image = .dockerfile(directory: dockerfileDirectory, dockerfile: dockerfile, buildArgs: buildArgs)
    }

    public func withEnvironment(_ key: String, _ value: String) -> Self { changed { $0.environment[key] = value } }
    public func withEnvironment(_ values: [String: String]) -> Self { changed { $0.environment.merge(values) { $1 } } }
    public func withCommand(_ command: [String]) -> Self { changed { $0.command = command } }
    public func withEntrypoint(_ entrypoint: [String]) -> Self { changed { $0.entrypoint = entrypoint } }
    public func withExposedPorts(_ ports: UInt16...) -> Self { changed { $0.exposedPorts += ports } }
    public func withLabel(_ key: String, _ value: String) -> Self { changed { $0.labels[key] = value } }
    public func withUser(_ user: String) -> Self { changed { $0.user = user } }
    public func withWorkingDirectory(_ path: String) -> Self { changed { $0.workingDirectory = path } }
    public func withName(_ suffix: String) -> Self { changed { $0.name = suffix } }

    /// Copy a host file or directory to `destination` before the container starts.
    public func withFile(_ hostPath: String, at destination: String) -> Self {
        changed { $0.files.append(FileCopy(source: .hostPath(hostPath), destination: destination, mode: 0o644)) }
    }

    /// Write `contents` to `destination` before the container starts (its directory must exist, as with `docker cp`).
    public func withFile(contents: String, at destination: String, mode: UInt16 = 0o644) -> Self {
        changed {
            $0.files.append(FileCopy(source: .contents(Array(contents.utf8)), destination: destination, mode: mode))
        }
    }

    public func withVolume(_ name: String, at target: String, readOnly: Bool = false) -> Self {
        changed { $0.mounts.append(.volume(name: name, target: target, readOnly: readOnly)) }
    }

    public func withBind(_ hostPath: String, at target: String, readOnly: Bool = false) -> Self {
        changed { $0.mounts.append(.bind(source: hostPath, target: target, readOnly: readOnly)) }
    }

    public func withTmpfs(_ target: String, options: String = "") -> Self {
        changed { $0.mounts.append(.tmpfs(target: target, options: options)) }
    }

    /// Memory (bytes), CPUs and process limits (cgroup v2).
    public func withResources(memory: Int64? = nil, cpus: Double? = nil, pids: Int64? = nil) -> Self {
        changed {
            if let memory { $0.memory = memory }
            if let cpus { $0.cpus = cpus }
            if let pids { $0.pidsLimit = pids }
        }
    }

    /// Join `network` (a ``TestNetwork``), reachable there by its name and by `aliases`.
    public func withNetwork(_ network: TestNetwork, aliases: [String] = []) -> Self {
        changed { $0.networks.append(NetworkAttachment(network: network.name, aliases: aliases)) }
    }

    public func waitingFor(_ strategy: WaitStrategy) -> Self { changed { $0.waitStrategy = strategy } }

    /// Share the container with the later tests of this test process that make an equal request: the
    /// first `start()` starts it, the others get it at once. It is removed when the process ends.
    public func reuse() -> Self { changed { $0.reusable = true } }

    /// Start the container in `session` and wait until it is ready.
    public func start(in session: TestSession = .shared) async throws(SkiffTestingError) -> TestContainer {
        try await TestContainer.start(self, in: session)
    }

    private func changed(_ body: (inout Self) -> Void) -> Self {
        var copy = self
        body(&copy)
        return copy
    }
}
