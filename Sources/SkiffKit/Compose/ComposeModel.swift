import SkiffOCI

/// A compose project after loading: files found, merged, interpolated and checked. Paths in it are
/// absolute (bind sources, build contexts and env files are resolved against the project directory).
public struct ComposeProject: Sendable, Equatable {
    /// The project name: `-p`, else `name:`, else $COMPOSE_PROJECT_NAME, else the directory's name;
    /// normalized (lower case, `[a-z0-9_-]`).
    public var name: String
    /// The directory of the first compose file (relative paths are resolved against it).
    public var workingDirectory: String
    /// The compose files, absolute, in the order they were merged.
    public var files: [String]
    /// Services in the order the files list them.
    package var services: [ComposeService]
    package var volumes: [ComposeVolume]
    package var networks: [ComposeNetwork]
    /// Unknown keys and other things the user should know; each names its path.
    public var warnings: [String]
    /// Top-level `secrets:` and `configs:`.
    package var secrets: [ComposeSecret] = []
    package var configs: [ComposeSecret] = []

    package init(
        name: String, workingDirectory: String, files: [String], services: [ComposeService] = [],
        volumes: [ComposeVolume] = [], networks: [ComposeNetwork] = [], warnings: [String] = []
    ) {
        self.name = name
        self.workingDirectory = workingDirectory
        self.files = files
        self.services = services
        self.volumes = volumes
        self.networks = networks
        self.warnings = warnings
    }

    package func service(_ name: String) -> ComposeService? { services.first { $0.name == name } }
    package func volume(_ name: String) -> ComposeVolume? { volumes.first { $0.name == name } }
    package func network(_ name: String) -> ComposeNetwork? { networks.first { $0.name == name } }
}

package struct ComposeService: Sendable, Equatable {
    package var name: String
    package var image: String?
    package var build: ComposeBuild?
    /// nil: the image's. Strings in the file are split as a shell would (no shell runs them).
    package var command: [String]?
    /// nil: the image's; [] clears it.
    package var entrypoint: [String]?
    /// In file order; a nil value takes the variable from the caller's environment.
    package var environment: [ComposeEnvVar] = []
    package var envFiles: [String] = []
    /// `env_file: [{path: …, required: false}]`: skipped when missing.
    package var optionalEnvFiles: Set<String> = []
    /// Env files held in memory (read from an `oci://` artifact), by path: read from here, never the disk.
    package var envFileTexts: [String: String] = [:]
    package var ports: [ComposePort] = []
    package var expose: [String] = []
    package var volumes: [ComposeMount] = []
    package var dependsOn: [ComposeDependency] = []
    package var healthcheck: ComposeHealthcheck?
    package var restart: String?
    /// The networks it joins (by the project's network key) with its aliases there; empty: `default`.
    package var networks: [ComposeServiceNetwork] = []
    package var workingDir: String?
    package var user: String?
    package var hostname: String?
    package var containerName: String?
    /// `scale:` or `deploy.replicas:` (nil: neither given, one container).
    package var scale: Int?
    package var labels: [String: String] = [:]
    package var tty = false
    package var stdinOpen = false
    package var initProcess: Bool?
    package var profiles: [String] = []
    package var limits = ComposeLimits()
    package var stopSignal: String?
    /// Seconds.
    package var stopGracePeriod: Int?
    package var pullPolicy: String?
    /// `platform:`: the platform whose image is pulled, built and run.
    package var platform: Platform?
    package var capAdd: [String] = []
    package var capDrop: [String] = []
    package var privileged = false
    package var readOnly = false
    /// `sysctls:` (a map or a list of KEY=VALUE).
    package var sysctls: [String: String] = [:]
    /// `network_mode:` host, none, bridge, service:NAME, container:NAME or an existing network's name (as
    /// the engine takes it, not prefixed with the project's name); nil: the project's networks.
    package var networkMode: String?
    package var securityOpt: [String] = []

    /// The service whose network namespace `network_mode: service:NAME` joins.
    package var networkService: String? {
        guard let m = networkMode, m.hasPrefix("service:") else { return nil }
        return String(m.dropFirst("service:".count))
    }
    /// `links:` SERVICE or SERVICE:ALIAS (an alias of SERVICE on the networks both join).
    package var links: [ComposeLink] = []
    /// `external_links:` CONTAINER or CONTAINER:ALIAS (containers outside the project, as `--link`).
    package var externalLinks: [String] = []
    /// `mac_address:` the MAC of the container's interface on its first network (checked).
    package var macAddress: String?
    /// `post_start:` commands run in the container after it starts, as `exec` (Compose 2.30).
    package var postStart: [ComposeServiceHook] = []
    /// `pre_stop:` commands run in the container before it is stopped.
    package var preStop: [ComposeServiceHook] = []
    /// `logging:` (json-file or local, with max-size / max-file).
    package var logMaxSize: Int64?
    package var logMaxFiles: Int?
    /// `logging.driver:` json-file (nil), local or none.
    package var logDriver: LogDriver?
    /// `logging.options:` other than max-size and max-file (compress, mode, labels, env, tag...).
    package var logOptions: [String: String] = [:]
    /// `storage_opt:` (Docker's --storage-opt; checked against the state root's filesystem at create).
    package var storageOptions: [String: String] = [:]
    /// `userns_mode:` (only host), and `runtime:` (any name loads; only skiff creates a container).
    package var usernsMode: String?
    package var runtime: String?
    /// Resource settings beyond `limits` (OCI linux.resources and process fields).
    package var resources = ContainerResourceOptions()
    /// `extra_hosts`, `dns`, `dns_search`, `dns_opt`.
    package var names = ContainerNameOptions()
    /// `secrets:` (mounted read-only under /run/secrets) and `configs:` (at /NAME or the target).
    package var secrets: [ComposeSecretUse] = []
    package var configs: [ComposeSecretUse] = []
    /// `devices:` (short HOST[:CONTAINER][:PERMISSIONS] or long source/target/permissions).
    package var devices: [DeviceMapping] = []
    /// `device_cgroup_rules:` ("c 1:3 rwm").
    package var deviceCgroupRules: [String] = []
    /// `group_add:` names or numbers.
    package var groupAdd: [String] = []
    /// `volumes_from:` another service's or container's volumes.
    package var volumesFrom: [ComposeVolumesFrom] = []
    /// `pid:`, `ipc:`, `uts:`, `cgroup:`.
    package var namespaces = ComposeNamespaces()
    /// `develop:` (only `compose watch` acts on it).
    package var develop: ComposeDevelop?
    /// `attach: false`: `compose up` in the foreground does not show this service's logs.
    package var attach = true

    package init(name: String) {
        self.name = name
    }

    /// The image this service runs: `image:`, else the one `build:` makes (`<project>-<service>`).
    package func imageName(project: String) -> String {
        image ?? project + ComposeLabels.separator + name
    }

    /// How many containers `up` keeps of it (`scale:` / `deploy.replicas:`, default 1).
    package var replicas: Int { scale ?? 1 }

    /// The project networks this service joins (the implicit `default` when it names none).
    package var networkNames: [String] { networks.isEmpty ? ["default"] : networks.map(\.name) }
}

package struct ComposeEnvVar: Sendable, Equatable {
    package var name: String
    package var value: String?
    package init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }
}

package struct ComposeBuild: Sendable, Equatable {
    /// Absolute directory.
    package var context: String
    /// As written (relative to the context), nil: `Dockerfile`.
    package var dockerfile: String?
    /// `dockerfile_inline:` the Dockerfile's text itself.
    package var dockerfileInline: String?
    /// `extra_hosts:`, `shm_size:` and `ulimits:` of the RUN steps.
    package var extraHosts: [String] = []
    package var shmSize: Int64?
    package var ulimits: [ContainerResourceOptions.Ulimit] = []
    /// `network:` the RUN steps' network (default, host or none).
    package var network: String?
    /// `labels:` labels on the built image.
    package var labels: [String: String] = [:]
    /// `pull:` pull the base images even when they are here.
    package var pull = false
    /// `tags:` more names for the built image, besides the service's own.
    package var tags: [String] = []
    package var args: [String: String?] = [:]
    package var target: String?
    package var noCache = false
    /// `build.secrets`: top-level secrets the build's RUN --mount=type=secret can read (by target or name).
    package var secrets: [ComposeSecretUse] = []
    /// `build.ssh`: `default`, `ID=PATH` entries, as `--ssh` takes them.
    package var ssh: [String] = []
    /// `build.additional_contexts`: NAME → an absolute directory, `docker-image://REF`, or
    /// `service:NAME` (the image another service builds, built first).
    package var additionalContexts: [String: String] = [:]
    /// `build.entitlements`, and `build.privileged` as security.insecure.
    package var entitlements: Set<BuildEntitlement> = []
    /// `build.cache_from` / `build.cache_to`: as `--cache-from` / `--cache-to` take them.
    package var cacheFrom: [BuildCacheSpec] = []
    package var cacheTo: [BuildCacheSpec.Export] = []
    /// `build.platforms` as written (normalized).
    package var platforms: [Platform] = []
    /// The platform to build for: the service's `platform:` (which must be one of `build.platforms`),
    /// else the one of `build.platforms` (nil with several: all are built into an image index).
    package var platform: Platform?

    /// The service an additional context names with `service:NAME`.
    package var contextServices: [String] {
        additionalContexts.values.filter { $0.hasPrefix("service:") }.map { String($0.dropFirst("service:".count)) }
            .sorted()
    }

    package init(context: String) {
        self.context = context
    }
}

/// One published or exposed port: `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]` (ranges are expanded).
package struct ComposePort: Sendable, Equatable {
    package var target: Int
    /// nil: not published on the host (only `target` given); "" never appears.
    package var published: Int?
    /// The last port of a host range (`8000-8005:80`): each container takes a free one of the range.
    package var publishedEnd: Int?
    package var hostIP: String?
    package var proto: String = "tcp"

    package init(target: Int, published: Int? = nil, hostIP: String? = nil, proto: String = "tcp") {
        self.target = target
        self.published = published
        self.hostIP = hostIP
        self.proto = proto
    }

    /// The published port or range as the file writes it ("8000", "8000-8005").
    package var publishedText: String? { published.map { "\($0)" + (publishedEnd.map { "-\($0)" } ?? "") } }

    /// As `docker run -p` takes it.
    package var publishFlag: String {
        var s = ""
        if let hostIP { s += (hostIP.contains(":") ? "[\(hostIP)]" : hostIP) + ":" }
        if let published {
            s += "\(published)" + (publishedEnd.map { "-\($0)" } ?? "") + ":"
        } else if hostIP != nil {
            s += ":"
        }
        return s + "\(target)" + (proto == "tcp" ? "" : "/\(proto)")
    }
}

package struct ComposeMount: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable { case volume, bind, tmpfs }
    package var type: Kind
    /// volume: the project volume's key (nil: anonymous); bind: an absolute host path; tmpfs: nil.
    package var source: String?
    package var target: String
    package var readOnly = false
    /// bind: create the host path when missing (short syntax does, long syntax by `create_host_path`).
    package var createHostPath = true
    /// bind: `bind.recursive` (nil: not given, Docker's `enabled`).
    package var recursion: MountRequest.BindRecursion?
    /// bind: `bind.propagation` (nil: rprivate).
    package var propagation: String?
    /// tmpfs size in bytes.
    package var tmpfsSize: Int64?
    /// More tmpfs options: `mode=1770` (long syntax `tmpfs.mode`), or what the short `tmpfs:` entry
    /// gives after its colon (Docker's --tmpfs options: mode, uid, gid, noexec, …).
    package var tmpfsOptions: [String] = []
    /// A service's `tmpfs:` entry as written (`/path[:options]`): Docker Compose hands those to the engine
    /// as HostConfig.Tmpfs, not as mounts (nil: a `volumes:` entry).
    package var tmpfsEntry: String? = nil
    package var noCopy = false

    package init(type: Kind, source: String?, target: String, readOnly: Bool = false) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}

/// One `volumes_from:` entry: SERVICE or container:NAME, with :ro / :rw (nil: each mount's own mode).
package struct ComposeVolumesFrom: Sendable, Equatable {
    package var name: String
    package var isContainer: Bool
    package var readOnly: Bool?

    package init(name: String, isContainer: Bool, readOnly: Bool?) {
        self.name = name
        self.isContainer = isContainer
        self.readOnly = readOnly
    }

    /// As the compose file writes it.
    package var text: String {
        (isContainer ? "container:" : "") + name + (readOnly.map { $0 ? ":ro" : ":rw" } ?? "")
    }
}

package struct ComposeDependency: Sendable, Equatable {
    package enum Condition: String, Sendable, Equatable {
        case started = "service_started"
        case healthy = "service_healthy"
        case completedSuccessfully = "service_completed_successfully"
    }
    package var service: String
    package var condition: Condition
    package var restart = false
    package var required = true

    package init(service: String, condition: Condition = .started) {
        self.service = service
        self.condition = condition
    }
}

package struct ComposeHealthcheck: Sendable, Equatable {
    /// ["CMD", …], ["CMD-SHELL", command] or ["NONE"]; nil: the image's test with these timings.
    package var test: [String]?
    /// Nanoseconds.
    package var interval: Int64?
    package var timeout: Int64?
    package var startPeriod: Int64?
    /// `start_interval`, nanoseconds.
    package var startInterval: Int64?
    package var retries: Int?
    package var disable = false

    package init() {}
}

package struct ComposeServiceNetwork: Sendable, Equatable {
    package var name: String
    package var aliases: [String] = []
    package var ipv4Address: String?
    /// `ipv6_address` (on a network with `enable_ipv6`).
    package var ipv6Address: String?
    /// `mac_address` on this network (checked, in `ip link` form).
    package var macAddress: String?
    /// `interface_name`, `link_local_ips` and `driver_opts` as the file gives them (for `config`)…
    package var interfaceName: String?
    package var linkLocalIPs: [String] = []
    package var driverOpts: [String: String] = [:]
    /// …and as the endpoint carries them out (checked).
    package var endpoint = EndpointOptions()

    package init(name: String, aliases: [String] = []) {
        self.name = name
        self.aliases = aliases
    }
}

package struct ComposeLink: Sendable, Equatable {
    package var service: String
    package var alias: String
    package init(service: String, alias: String) {
        self.service = service
        self.alias = alias
    }
}

package struct ComposeLimits: Sendable, Equatable {
    package var memory: Int64?
    package var cpus: Double?
    package var pids: Int64?
    package init() {}
}

package struct ComposeVolume: Sendable, Equatable {
    /// The key in the file.
    package var name: String
    /// The name on the host: `name:` if given (or the key, when external), else `<project>_<key>`.
    package var realName: String
    package var external = false
    package var driver: String?
    package var labels: [String: String] = [:]
    /// `driver_opts:` the local driver's `type`, `device` and `o` (a bind's relative device resolved
    /// against the project directory, as Compose resolves it).
    package var driverOptions: [String: String] = [:]

    package init(name: String, realName: String) {
        self.name = name
        self.realName = realName
    }
}

package struct ComposeNetwork: Sendable, Equatable {
    package var name: String
    package var realName: String
    package var external = false
    package var driver: String?
    package var isInternal = false
    package var labels: [String: String] = [:]
    /// `ipam.config[0]` and the bridge driver's options (see ComposeParser+Networks).
    package var subnet: String?
    package var gateway: String?
    package var ipRange: String?
    package var bridgeOptions = NetworkBridgeOptions()
    /// `enable_ipv6: true`, and the IPv6 `ipam.config` block's subnet and gateway (nil: Skiff picks a ULA /64).
    package var enableIPv6 = false
    /// `enable_ipv4: false`: an IPv6-only network.
    package var enableIPv4 = true
    package var subnet6: String?
    package var gateway6: String?
    /// `ipam.config[].aux_addresses` of both blocks: name to address, kept from containers.
    package var auxAddresses: [String: String] = [:]
    /// `ipam.options`: the IPAM driver's options (the default driver keeps them; see NetworkConfig).
    package var ipamOptions: [String: String] = [:]

    package init(name: String, realName: String) {
        self.name = name
        self.realName = realName
    }
}
