import SkiffImage
import SkiffOCI

/// What `skiff build` is asked for.
public struct BuildOptions: Sendable {
    /// The build context directory.
    public var contextDirectory: String
    /// The Dockerfile's path (default: `Dockerfile` in the context).
    public var dockerfilePath: String?
    /// `--network`: the RUN steps' network unless a step names its own: `default` (the default bridge,
    /// as Docker's), `host` (the host's network; grants network.host) or `none` (loopback only).
    public var network: String?
    /// The values `--network` takes (BuildKit's: no named networks for a build).
    public static let networks: Set<String> = ["default", "host", "none"]
    /// `--add-host NAME:IP`: a line in each RUN step's /etc/hosts.
    public var addHosts: [String] = []
    /// `--shm-size`: each RUN step's /dev/shm, in bytes.
    public var shmSize: Int64?
    /// `--ulimit`: each RUN step's resource limits.
    public var ulimits: [ContainerResourceOptions.Ulimit] = []
    /// `-m`/`--memory` (the classic builder's, as `compose build -m`): each RUN step's memory limit, bytes.
    public var memory: Int64?
    /// `--label KEY=VALUE`: labels on the built image.
    public var labels: [String: String] = [:]
    /// `--pull`: pull every base image before using it, even one the store has (Docker's `build --pull`).
    public var pull = false
    /// The Dockerfile itself, given inline (compose's `dockerfile_inline`); wins over `dockerfilePath`.
    public var dockerfileText: String?
    /// Names to tag the result with (`-t`, several allowed).
    public var tags: [String] = []
    /// `--build-arg KEY=VALUE` (a nil value: take it from `callerEnvironment`).
    public var buildArgs: [String: String?] = [:]
    /// The caller's environment, for build args given without a value.
    public var callerEnvironment: [String: String] = [:]
    /// `--target`: build up to this stage.
    public var target: String?
    /// `--no-cache`: run every step, answer none from the cache.
    public var noCache = false
    /// `-q`: print only the image ID; RUN output is shown only when a step fails.
    public var quiet = false
    /// Where RUN steps write their output: a file descriptor, or -1 for this process's stdout and stderr.
    public var runOutput: Int32 = -1
    /// `--secret id=…`: what `RUN --mount=type=secret,id=…` reads, by id.
    public var secrets: [String: BuildSecretSource] = [:]
    /// `--ssh ID[=…]`: the agents `RUN --mount=type=ssh` reaches.
    public var ssh: [BuildSSHSource] = []
    /// How many stages that do not need each other may build at the same time (nil: one per CPU;
    /// 1: one after another). The result is the same either way.
    public var parallelStages: Int?
    /// `--build-context NAME=VALUE`: named contexts, by name (they win over a stage or image of that name).
    public var namedContexts: [String: BuildNamedContext] = [:]
    /// `--platform` (one; compose `build.platforms` or service `platform:`): the platform to build for (nil:
    /// this machine's).
    public var platform: Platform?
    /// `--platform a,b` (compose `build.platforms` with several): each is built and the tags name an
    /// image index of them.
    public var platforms: [Platform] = []
    /// `--cache-from`: caches whose steps a miss in the state root's cache may be answered from.
    public var cacheFrom: [BuildCacheSpec] = []
    /// `--cache-to`: where the build's cache is exported once it succeeds.
    public var cacheTo: [BuildCacheSpec.Export] = []
    /// `--allow`: what RUN steps may ask for (`--network=host`, `--security=insecure`).
    public var entitlements: Set<BuildEntitlement> = []

    /// A build of `contextDirectory`'s Dockerfile with no tags.
    public init(contextDirectory: String) {
        self.contextDirectory = contextDirectory
    }
}

/// What a build made.
public struct BuildResult: Sendable {
    /// The IMAGE ID (config digest).
    public var imageID: Digest
    /// The final image's manifest digest.
    public var manifestDigest: Digest
    /// The names it was tagged with.
    public var tags: [ImageReference]
    /// One entry per step, in order: the instruction as written and whether the cache answered.
    public var steps: [StepRecord]
    /// What the build wrote and read (images, config bytes, cache entries).
    public var work: BuildWork.Counts

    /// One step of the build, as `docker build` reports it.
    public struct StepRecord: Sendable, Equatable {
        /// The step's number, from 1.
        public var number: Int
        /// The instruction as written.
        public var instruction: String
        /// Whether the build cache answered it.
        public var cached: Bool
    }

    /// How many steps the build cache answered.
    public var cachedSteps: Int { steps.filter(\.cached).count }
}
