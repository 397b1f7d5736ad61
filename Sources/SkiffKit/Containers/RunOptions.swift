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
    /// --memory-reservation, --cpu-shares, --ulimit, --shm-size… (see ContainerResourceOptions).
    public var resources = ContainerResourceOptions()
    public var readOnly = false
    /// `--sysctl KEY=VALUE`: kernel settings of the container's own namespaces (see ContainerSysctls).
    public var sysctls: [String: String] = [:]
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var privileged = false
    public var seccomp: SeccompChoice = .default
    public var noNewPrivileges = false
    public var initProcess = false
    public var publish: [String] = []
    /// -P: publish every EXPOSEd port on a free host port.
    public var publishAll = false
    /// --network-alias and --ip (user-defined networks).
    public var networkAliases: [String] = []
    public var ip: String?
    /// --add-host, --dns, --dns-search, --dns-option.
    public var names = ContainerNameOptions()
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
    /// --device HOST[:CONTAINER][:PERMISSIONS] (see DeviceMapping).
    public var devices: [DeviceMapping] = []
    /// --device-cgroup-rule "c 1:3 rwm": more allow rules for the devices cgroup.
    public var deviceCgroupRules: [String] = []
    /// --group-add: supplementary groups (names in the image's /etc/group, or numbers).
    public var groupAdd: [String] = []
    /// An anonymous volume for each image VOLUME (Docker's run); build RUN steps turn it off, as
    /// BuildKit mounts none (their writes under a VOLUME path stay in the layer).
    public var imageVolumes = true

    public init() {}

    public enum NetworkMode: Sendable, Equatable {
        /// A network namespace with only loopback.
        case none
        /// The host's network namespace.
        case host
        /// The default bridge network (`skiff0`), Docker's default.
        case bridge
        /// Another container's network namespace (`container:NAME`).
        case container(String)
        /// A user-defined network (`skiff network create`).
        case named(String)

        public init(parsing text: String) throws(KitError) {
            switch text {
            case "none": self = .none
            case "host": self = .host
            case "bridge", "default": self = .bridge
            case "": throw .usage("--network: give none, host, bridge, container:NAME or a network's name")
            default:
                if text.hasPrefix("container:") {
                    let name = String(text.dropFirst("container:".count))
                    guard !name.isEmpty else { throw .usage("--network container: needs a container's name or ID") }
                    self = .container(name)
                } else {
                    self = .named(text)
                }
            }
        }
    }

    public enum SeccompChoice: Sendable, Equatable {
        case `default`
        case unconfined
        case profile(path: String)
    }
}
