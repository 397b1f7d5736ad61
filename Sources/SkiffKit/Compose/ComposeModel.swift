/// A compose project after loading: files found, merged, interpolated and checked. Paths in it are
/// absolute (bind sources, build contexts and env files are resolved against the project directory).
public struct ComposeProject: Sendable, Equatable {
    /// The project name: `-p`, else `name:`, else $COMPOSE_PROJECT_NAME, else the directory's name;
    /// normalized (lower case, `[a-z0-9_-]`).
    public var name: String
    /// The directory of the first compose file (relative paths are resolved against it).
    public var workingDirectory: String
    public var files: [String]
    /// Services in the order the files list them.
    public var services: [ComposeService]
    public var volumes: [ComposeVolume]
    public var networks: [ComposeNetwork]
    /// Unknown keys and other things the user should know; each names its path.
    public var warnings: [String]
    /// Top-level `secrets:` and `configs:`.
    public var secrets: [ComposeSecret] = []
    public var configs: [ComposeSecret] = []

    public init(name: String, workingDirectory: String, files: [String], services: [ComposeService] = [],
                volumes: [ComposeVolume] = [], networks: [ComposeNetwork] = [], warnings: [String] = []) {
        self.name = name
        self.workingDirectory = workingDirectory
        self.files = files
        self.services = services
        self.volumes = volumes
        self.networks = networks
        self.warnings = warnings
    }

    public func service(_ name: String) -> ComposeService? { services.first { $0.name == name } }
    public func volume(_ name: String) -> ComposeVolume? { volumes.first { $0.name == name } }
    public func network(_ name: String) -> ComposeNetwork? { networks.first { $0.name == name } }
}

public struct ComposeService: Sendable, Equatable {
    public var name: String
    public var image: String?
    public var build: ComposeBuild?
    /// nil: the image's. Strings in the file are split as a shell would (no shell runs them).
    public var command: [String]?
    /// nil: the image's; [] clears it.
    public var entrypoint: [String]?
    /// In file order; a nil value takes the variable from the caller's environment.
    public var environment: [ComposeEnvVar] = []
    public var envFiles: [String] = []
    /// `env_file: [{path: …, required: false}]`: skipped when missing.
    public var optionalEnvFiles: Set<String> = []
    public var ports: [ComposePort] = []
    public var expose: [String] = []
    public var volumes: [ComposeMount] = []
    public var dependsOn: [ComposeDependency] = []
    public var healthcheck: ComposeHealthcheck?
    public var restart: String?
    /// The networks it joins (by the project's network key) with its aliases there; empty: `default`.
    public var networks: [ComposeServiceNetwork] = []
    public var workingDir: String?
    public var user: String?
    public var hostname: String?
    public var containerName: String?
    public var labels: [String: String] = [:]
    public var tty = false
    public var stdinOpen = false
    public var initProcess: Bool?
    public var profiles: [String] = []
    public var limits = ComposeLimits()
    public var stopSignal: String?
    /// Seconds.
    public var stopGracePeriod: Int?
    public var pullPolicy: String?
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var privileged = false
    public var readOnly = false
    /// `sysctls:` (a map or a list of KEY=VALUE).
    public var sysctls: [String: String] = [:]
    /// `network_mode:` (host, none); nil: the project's networks.
    public var networkMode: String?
    public var securityOpt: [String] = []
    /// `links:` SERVICE or SERVICE:ALIAS (an alias of SERVICE on the networks both join).
    public var links: [ComposeLink] = []
    /// `logging:` (json-file or local, with max-size / max-file).
    public var logMaxSize: Int64?
    public var logMaxFiles: Int?
    /// Resource settings beyond `limits` (OCI linux.resources and process fields).
    public var resources = ContainerResourceOptions()
    /// `extra_hosts`, `dns`, `dns_search`, `dns_opt`.
    public var names = ContainerNameOptions()
    /// `secrets:` (mounted read-only under /run/secrets) and `configs:` (at /NAME or the target).
    public var secrets: [ComposeSecretUse] = []
    public var configs: [ComposeSecretUse] = []
    /// `devices:` (short HOST[:CONTAINER][:PERMISSIONS] or long source/target/permissions).
    public var devices: [DeviceMapping] = []
    /// `device_cgroup_rules:` ("c 1:3 rwm").
    public var deviceCgroupRules: [String] = []
    /// `group_add:` names or numbers.
    public var groupAdd: [String] = []
    /// `volumes_from:` another service's or container's volumes.
    public var volumesFrom: [ComposeVolumesFrom] = []

    public init(name: String) {
        self.name = name
    }

    /// The image this service runs: `image:`, else the one `build:` makes (`<project>-<service>`).
    public func imageName(project: String) -> String {
        image ?? "\(project)-\(name)"
    }

    /// The project networks this service joins (the implicit `default` when it names none).
    public var networkNames: [String] { networks.isEmpty ? ["default"] : networks.map(\.name) }
}

public struct ComposeEnvVar: Sendable, Equatable {
    public var name: String
    public var value: String?
    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }
}

public struct ComposeBuild: Sendable, Equatable {
    /// Absolute directory.
    public var context: String
    /// As written (relative to the context), nil: `Dockerfile`.
    public var dockerfile: String?
    public var args: [String: String?] = [:]
    public var target: String?
    public var noCache = false
    /// `build.secrets`: top-level secrets the build's RUN --mount=type=secret can read (by target or name).
    public var secrets: [ComposeSecretUse] = []
    /// `build.ssh`: `default`, `ID=PATH` entries, as `--ssh` takes them.
    public var ssh: [String] = []

    public init(context: String) {
        self.context = context
    }
}

/// One published or exposed port: `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]` (ranges are expanded).
public struct ComposePort: Sendable, Equatable {
    public var target: Int
    /// nil: not published on the host (only `target` given); "" never appears.
    public var published: Int?
    public var hostIP: String?
    public var proto: String = "tcp"

    public init(target: Int, published: Int? = nil, hostIP: String? = nil, proto: String = "tcp") {
        self.target = target
        self.published = published
        self.hostIP = hostIP
        self.proto = proto
    }

    /// As `docker run -p` takes it.
    public var publishFlag: String {
        var s = ""
        if let hostIP { s += (hostIP.contains(":") ? "[\(hostIP)]" : hostIP) + ":" }
        if let published { s += "\(published):" } else if hostIP != nil { s += ":" }
        return s + "\(target)" + (proto == "tcp" ? "" : "/\(proto)")
    }
}

public struct ComposeMount: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case volume, bind, tmpfs }
    public var type: Kind
    /// volume: the project volume's key (nil: anonymous); bind: an absolute host path; tmpfs: nil.
    public var source: String?
    public var target: String
    public var readOnly = false
    /// bind: create the host path when missing (short syntax does, long syntax by `create_host_path`).
    public var createHostPath = true
    /// tmpfs size in bytes.
    public var tmpfsSize: Int64?
    /// More tmpfs options: `mode=1770` (long syntax `tmpfs.mode`), or what the short `tmpfs:` entry
    /// gives after its colon (Docker's --tmpfs options: mode, uid, gid, noexec, …).
    public var tmpfsOptions: [String] = []
    public var noCopy = false

    public init(type: Kind, source: String?, target: String, readOnly: Bool = false) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}

/// One `volumes_from:` entry: SERVICE or container:NAME, with :ro / :rw (nil: each mount's own mode).
public struct ComposeVolumesFrom: Sendable, Equatable {
    public var name: String
    public var isContainer: Bool
    public var readOnly: Bool?

    public init(name: String, isContainer: Bool, readOnly: Bool?) {
        self.name = name
        self.isContainer = isContainer
        self.readOnly = readOnly
    }

    /// As the compose file writes it.
    public var text: String {
        (isContainer ? "container:" : "") + name + (readOnly.map { $0 ? ":ro" : ":rw" } ?? "")
    }
}

public struct ComposeDependency: Sendable, Equatable {
    public enum Condition: String, Sendable, Equatable {
        case started = "service_started"
        case healthy = "service_healthy"
        case completedSuccessfully = "service_completed_successfully"
    }
    public var service: String
    public var condition: Condition
    public var restart = false
    public var required = true

    public init(service: String, condition: Condition = .started) {
        self.service = service
        self.condition = condition
    }
}

public struct ComposeHealthcheck: Sendable, Equatable {
    /// ["CMD", …], ["CMD-SHELL", command] or ["NONE"]; nil: the image's test with these timings.
    public var test: [String]?
    /// Nanoseconds.
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var retries: Int?
    public var disable = false

    public init() {}
}

public struct ComposeServiceNetwork: Sendable, Equatable {
    public var name: String
    public var aliases: [String] = []
    public var ipv4Address: String?

    public init(name: String, aliases: [String] = []) {
        self.name = name
        self.aliases = aliases
    }
}

public struct ComposeLink: Sendable, Equatable {
    public var service: String
    public var alias: String
    public init(service: String, alias: String) {
        self.service = service
        self.alias = alias
    }
}

public struct ComposeLimits: Sendable, Equatable {
    public var memory: Int64?
    public var cpus: Double?
    public var pids: Int64?
    public init() {}
}

public struct ComposeVolume: Sendable, Equatable {
    /// The key in the file.
    public var name: String
    /// The name on the host: `name:` if given (or the key, when external), else `<project>_<key>`.
    public var realName: String
    public var external = false
    public var driver: String?
    public var labels: [String: String] = [:]

    public init(name: String, realName: String) {
        self.name = name
        self.realName = realName
    }
}

public struct ComposeNetwork: Sendable, Equatable {
    public var name: String
    public var realName: String
    public var external = false
    public var driver: String?
    public var isInternal = false
    public var labels: [String: String] = [:]
    /// `ipam.config[0]` and the bridge driver's options (see ComposeParser+Networks).
    public var subnet: String?
    public var gateway: String?
    public var ipRange: String?
    public var bridgeOptions = NetworkBridgeOptions()

    public init(name: String, realName: String) {
        self.name = name
        self.realName = realName
    }
}
