import SkiffOCI

/// What `skiff run` is asked for, beyond the image: Docker's flags as plain values. Parsing of the
/// command line happens in the CLI; the rules that combine these with the image live in SpecBuilder.
public struct RunOptions: Sendable, Equatable {
    /// --name; nil generates one (adjective_surname, as Docker does).
    public var name: String?
    /// The arguments after the image: the command, or the entrypoint's arguments.
    public var command: [String] = []
    /// --entrypoint: nil keeps the image's; "" clears it.
    public var entrypoint: String?
    /// -e KEY=VALUE (or KEY: this process's value), on top of the image's environment.
    public var env: [String] = []
    /// --env-file paths, read in order before `env`.
    public var envFiles: [String] = []
    /// -w: the working directory (created when missing, as Docker does).
    public var workdir: String?
    /// -u: user[:group], by name (the image's /etc/passwd) or number.
    public var user: String?
    /// -h; nil uses the short container ID.
    public var hostname: String?
    /// --rm: remove the container (and its anonymous volumes) when it exits.
    public var remove = false
    /// -i: keep stdin open.
    public var interactive = false
    /// -t: give the process a terminal.
    public var tty = false
    /// The terminal's first size (the caller's window, as Docker's CLI sends it at create); nil: unknown.
    public var consoleSize: ConsoleSize?
    /// --network; `.none` unless set (the CLI defaults to `.bridge`, as Docker does).
    public var network: NetworkMode = .none
    /// --pid, --ipc, --uts, --cgroupns: namespaces shared with the host or another container.
    public var namespaces = NamespaceModes()
    /// -m: the memory limit in bytes.
    public var memory: Int64?
    /// --cpus: how many CPUs' worth of time (a CFS quota).
    public var cpus: Double?
    /// --pids-limit: the most tasks.
    public var pidsLimit: Int64?
    /// --memory-reservation, --cpu-shares, --ulimit, --shm-size… (see ContainerResourceOptions).
    public var resources = ContainerResourceOptions()
    /// --read-only: the root filesystem is read-only.
    public var readOnly = false
    /// `--sysctl KEY=VALUE`: kernel settings of the container's own namespaces (see ContainerSysctls).
    public var sysctls: [String: String] = [:]
    /// --cap-add: capabilities added to Docker's default set (`ALL` for every one).
    public var capAdd: [String] = []
    /// --cap-drop: capabilities removed from it (`ALL` for every one).
    public var capDrop: [String] = []
    /// --privileged: every capability, all devices, no seccomp, writable /sys and /proc.
    public var privileged = false
    /// --security-opt seccomp=...: Docker's default profile, none, or a profile file.
    public var seccomp: SeccompChoice = .default
    /// --security-opt no-new-privileges.
    public var noNewPrivileges = false
    /// Every --security-opt as given (HostConfig.SecurityOpt; the fields around it hold their effect).
    public var securityOpt: [String] = []
    /// --cidfile as given (the CLI writes the file; HostConfig.ContainerIDFile shows the path).
    public var containerIDFile: String?
    /// --userns as given ("" or "host": see DaemonSettings.checkUserns); nil: not given.
    public var userns: String?
    /// --security-opt systempaths=unconfined: no masked and no read-only paths under /proc and /sys.
    public var unmaskSystemPaths = false
    /// --init: a small init as pid 1 that reaps zombies and forwards signals.
    public var initProcess = false
    /// -p specifications ([ip:]hostPort:containerPort[/proto], ranges).
    public var publish: [String] = []
    /// -P: publish every EXPOSEd port on a free host port.
    public var publishAll = false
    /// --expose (compose `expose`): ports or ranges (`9000`, `53/udp`, `8000-8010`) added to the image's
    /// EXPOSEd ones: in the container's config, and published by -P.
    public var expose: [String] = []
    /// --network-alias and --ip (user-defined networks).
    public var networkAliases: [String] = []
    /// --ip: the container's address on a user-defined network.
    public var ip: String?
    /// --ip6: the container's IPv6 address on a user-defined network with IPv6.
    public var ip6: String?
    /// --mac-address: the MAC of the container's interface on its first network (checked by `MACAddress`).
    public var macAddress: String?
    /// --link-local-ip and `--network name=…,driver-opt=…`: the interface's name, link-local addresses
    /// and sysctls on its first network.
    public var endpoint = EndpointOptions()
    /// The first `--network`'s name as given, `default` without one (what Docker's CLI sends, so inspect's
    /// HostConfig.NetworkMode); nil where no `--network` flag was parsed (compose: the network's name).
    public var networkModeGiven: String?
    /// The second and later `--network`: user-defined networks joined too, each with its own settings.
    public var extraNetworks: [NetworkAttachmentFlag] = []
    /// --link NAME[:ALIAS]: another container this one reaches by ALIAS (and, on the default bridge, its
    /// name and hostname), through its /etc/hosts.
    public var links: [String] = []
    /// --add-host, --dns, --dns-search, --dns-option.
    public var names = ContainerNameOptions()
    /// --label KEY=VALUE.
    public var labels: [String: String] = [:]
    /// -d: the container runs under a monitor (set by `skiff run -d`; createContainer records it).
    public var detach = false
    /// --restart; nil is `no`.
    public var restart: RestartPolicy?
    /// --health-cmd and friends; nil fields keep the image's HEALTHCHECK values.
    public var healthCmd: String?
    /// --health-interval, in nanoseconds.
    public var healthInterval: Int64?
    /// --health-timeout, in nanoseconds.
    public var healthTimeout: Int64?
    /// --health-start-period, in nanoseconds.
    public var healthStartPeriod: Int64?
    /// --health-retries.
    public var healthRetries: Int?
    /// --health-start-interval, in nanoseconds: the pace of checks during the start period.
    public var healthStartInterval: Int64?
    /// --no-healthcheck: ignore the image's HEALTHCHECK.
    public var noHealthcheck = false
    /// --stop-signal: the signal `stop` sends first.
    public var stopSignal: String?
    /// --stop-timeout: seconds before `stop` sends SIGKILL.
    public var stopTimeout: Int?
    /// --log-opt max-size / max-file (0: no limit).
    public var logMaxSize: Int64?
    /// --log-opt max-file: how many rotated log files are kept.
    public var logMaxFiles: Int?
    /// --log-driver: json-file (nil), local or none (see LogDriver).
    public var logDriver: LogDriver?
    /// Every --log-opt KEY=VALUE as given (max-size and max-file are also read into the two above):
    /// checked against the driver at create (`LogDriver.check`), the attribute keys kept (`LogAttributes`).
    public var logOptions: [String: String] = [:]
    /// --storage-opt KEY=VALUE (compose storage_opt): checked against the state root's filesystem at create.
    public var storageOptions: [String: String] = [:]
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
    /// `--privileged` makes the host's device nodes in /dev (Docker's run); build RUN
    /// --security=insecure steps turn it off, as BuildKit makes none.
    public var privilegedHostDevices = true

    /// Docker's defaults: no name, no command, no network, no limits.
    public init() {}

    /// `--network`: which network namespace the container gets.
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

        /// Parse `--network`'s value: none, host, bridge (or default), container:NAME, or a network's name.
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

    /// `--security-opt seccomp=...`: which syscall filter the container gets.
    public enum SeccompChoice: Sendable, Equatable {
        /// Docker's default profile, adjusted to the container's capabilities.
        case `default`
        /// No filter.
        case unconfined
        /// The profile JSON at `path`.
        case profile(path: String)
    }
}
