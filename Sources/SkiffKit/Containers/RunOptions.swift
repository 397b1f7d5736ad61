/// What `skiff run` is asked for, beyond the image: Docker's flags as plain values. Parsing of the
/// command line happens in the CLI; the rules that combine these with the image live in SpecBuilder.
public struct RunOptions: Sendable, Equatable {
    public var name: String?
    public var command: [String] = []
    /// --entrypoint: nil keeps the image's; "" clears it.
    public var entrypoint: String?
    public var env: [String] = []
    public var envFiles: [String] = []
    public var workdir: String?
    public var user: String?
    public var hostname: String?
    public var remove = false
    public var interactive = false
    public var tty = false
    public var network: NetworkMode = .none
    public var memory: Int64?
    public var cpus: Double?
    public var pidsLimit: Int64?
    public var readOnly = false
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var privileged = false
    public var seccomp: SeccompChoice = .default
    public var noNewPrivileges = false
    public var initProcess = false
    public var publish: [String] = []
    public var labels: [String: String] = [:]
    /// -d: the container runs under a monitor (set by `skiff run -d`; createContainer records it).
    public var detach = false
    public var restart: RestartPolicy?
    /// --health-cmd and friends; nil fields keep the image's HEALTHCHECK values.
    public var healthCmd: String?
    public var healthInterval: Int64?
    public var healthTimeout: Int64?
    public var healthStartPeriod: Int64?
    public var healthRetries: Int?
    public var noHealthcheck = false
    public var stopSignal: String?
    public var stopTimeout: Int?
    /// --log-opt max-size / max-file (0: no limit).
    public var logMaxSize: Int64?
    public var logMaxFiles: Int?
    /// -v, --mount and --tmpfs, in order (Volumes/MountRequest.swift parses them).
    public var mounts: [MountRequest] = []
    /// --volumes-from CONTAINER[:ro|rw].
    public var volumesFrom: [String] = []

    public init() {}

    public enum NetworkMode: Sendable, Equatable {
        /// A network namespace with only loopback.
        case none
        /// The host's network namespace.
        case host

        public init(parsing text: String) throws(KitError) {
            switch text {
            case "none": self = .none
            case "host": self = .host
            case "bridge", "default":
                throw .unsupported("--network \(text): the bridge network is not built yet; use --network none (the default, loopback only) or --network host")
            default:
                if text.hasPrefix("container:") {
                    throw .unsupported("--network \(text): joining another container's network is not built yet; use none or host")
                }
                throw .usage("--network \(text): no such network (available: none, host)")
            }
        }
    }

    public enum SeccompChoice: Sendable, Equatable {
        case `default`
        case unconfined
        case profile(path: String)
    }
}
