import Foundation
import SkiffImage
import SkiffOCI
import SkiffRuntime

/// `skiff inspect` of a container, shaped as Docker 20.10's: every key its `docker inspect` has (State,
/// Config, HostConfig, Mounts, NetworkSettings with its Ports and Networks, GraphDriver, ExecIDs…), null
/// where Docker writes null.
package struct ContainerInspect: Codable, Sendable {
    package struct HealthDoc: Codable, Sendable {
        package var Status: String
        package var FailingStreak: Int
        package var Log: [HealthState.Probe]
    }
    package struct StateDoc: Codable, Sendable {
        package var Status: String
        package var Running: Bool
        package var Paused: Bool
        package var Restarting: Bool
        package var OOMKilled: Bool
        package var Dead: Bool
        package var Pid: Int32
        package var ExitCode: Int32
        package var Error: String
        package var StartedAt: String
        package var FinishedAt: String
        package var Health: HealthDoc?
    }
    package struct HealthcheckDoc: Codable, Sendable {
        package var Test: [String]
        package var Interval: Int64
        package var Timeout: Int64
        package var StartPeriod: Int64
        package var Retries: Int
    }
    package struct ConfigDoc: Codable, Sendable {
        package var Hostname: String
        package var Domainname: String
        package var User: String
        package var AttachStdin: Bool
        package var AttachStdout: Bool
        package var AttachStderr: Bool
        package var Tty: Bool
        package var OpenStdin: Bool
        package var StdinOnce: Bool
        package var Env: [String]
        /// The arguments after Entrypoint (null when none, as Docker's).
        package var Cmd: [String]?
        package var Healthcheck: HealthcheckDoc?
        package var Image: String
        /// The image's VOLUMEs and the anonymous `-v /path` ones ("/data": {}); null when none.
        package var Volumes: [String: EmptyObject]? = nil
        package var WorkingDir: String
        /// null when none, as Docker's.
        package var Entrypoint: [String]?
        /// A container's ONBUILD triggers: Docker keeps none (null).
        package var OnBuild: [String]? = nil
        package var Labels: [String: String]
        package var StopSignal: String?
        package var StopTimeout: Int?
        /// The image's EXPOSE ports and the published ones ("80/tcp": {}); absent when none, as Docker's.
        package var ExposedPorts: [String: EmptyObject]? = nil

        /// Docker's keys: Cmd, Volumes, Entrypoint and OnBuild as null when unset; Healthcheck,
        /// StopSignal, StopTimeout and ExposedPorts left out then (their `omitempty`; null for a template).
        package func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let omit = !encoder.writesEveryField
            try c.encode(Hostname, forKey: .Hostname)
            try c.encode(Domainname, forKey: .Domainname)
            try c.encode(User, forKey: .User)
            try c.encode(AttachStdin, forKey: .AttachStdin)
            try c.encode(AttachStdout, forKey: .AttachStdout)
            try c.encode(AttachStderr, forKey: .AttachStderr)
            try c.encode(ExposedPorts, forKey: .ExposedPorts, omittingNil: omit)
            try c.encode(Tty, forKey: .Tty)
            try c.encode(OpenStdin, forKey: .OpenStdin)
            try c.encode(StdinOnce, forKey: .StdinOnce)
            try c.encode(Env, forKey: .Env)
            try c.encode(Cmd, forKey: .Cmd)
            try c.encode(Healthcheck, forKey: .Healthcheck, omittingNil: omit)
            try c.encode(Image, forKey: .Image)
            try c.encode(Volumes, forKey: .Volumes)
            try c.encode(WorkingDir, forKey: .WorkingDir)
            try c.encode(Entrypoint, forKey: .Entrypoint)
            try c.encode(OnBuild, forKey: .OnBuild)
            try c.encode(Labels, forKey: .Labels)
            try c.encode(StopSignal, forKey: .StopSignal, omittingNil: omit)
            try c.encode(StopTimeout, forKey: .StopTimeout, omittingNil: omit)
        }
    }
    /// Docker's GraphDriver: the overlay directories of the container's root filesystem.
    package struct GraphDriverDoc: Codable, Sendable, Equatable {
        package var Name: String
        package var Data: [String: String]?
    }
    package struct RestartPolicyDoc: Codable, Sendable {
        package var Name: String
        package var MaximumRetryCount: Int
    }
    package struct LogConfigDoc: Codable, Sendable {
        package var `Type`: String
        package var Config: [String: String]
    }
    package struct MountDoc: Codable, Sendable {
        package var `Type`: String
        /// Volumes: the volume's name and driver ("local").
        package var Name: String?
        package var Driver: String?
        package var Source: String
        package var Destination: String
        package var Mode: String
        package var RW: Bool
        package var Propagation: String
    }
    /// One host side of a port: Docker's {"HostIp": "0.0.0.0", "HostPort": "8080"}.
    package struct PortBindingDoc: Codable, Sendable, Equatable {
        package var HostIp: String
        package var HostPort: String
    }
    package struct IPAMConfigDoc: Codable, Sendable {
        package var IPv4Address: String
        /// --ip6 (omitted when not given, as Docker omits it).
        package var IPv6Address: String? = nil
        /// --link-local-ip (omitted when none).
        package var LinkLocalIPs: [String]? = nil
    }
    /// A container's place on one network (Docker's EndpointSettings). The addresses are empty while the
    /// container does not run; nil fields are written as null, as Docker writes them.
    package struct EndpointDoc: Codable, Sendable {
        package var IPAMConfig: IPAMConfigDoc?
        package var Links: [String]?
        package var Aliases: [String]?
        package var MacAddress: String
        package var DriverOpts: [String: String]?
        package var NetworkID: String
        package var EndpointID: String
        package var Gateway: String
        package var IPAddress: String
        package var IPPrefixLen: Int
        package var IPv6Gateway: String
        package var GlobalIPv6Address: String
        package var GlobalIPv6PrefixLen: Int
        package var DNSNames: [String]?

        package init(
            IPAMConfig: IPAMConfigDoc? = nil, Aliases: [String]? = nil, MacAddress: String = "", NetworkID: String = "",
            EndpointID: String = "", Gateway: String = "", IPAddress: String = "", IPPrefixLen: Int = 0,
            DNSNames: [String]? = nil
        ) {
            self.IPAMConfig = IPAMConfig
            self.Links = nil
            self.Aliases = Aliases
            self.MacAddress = MacAddress
            self.DriverOpts = nil
            self.NetworkID = NetworkID
            self.EndpointID = EndpointID
            self.Gateway = Gateway
            self.IPAddress = IPAddress
            self.IPPrefixLen = IPPrefixLen
            self.IPv6Gateway = ""
            self.GlobalIPv6Address = ""
            self.GlobalIPv6PrefixLen = 0
            self.DNSNames = DNSNames
        }

        package func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(IPAMConfig, forKey: .IPAMConfig)
            try c.encode(Links, forKey: .Links)
            try c.encode(Aliases, forKey: .Aliases)
            try c.encode(MacAddress, forKey: .MacAddress)
            try c.encode(DriverOpts, forKey: .DriverOpts)
            try c.encode(NetworkID, forKey: .NetworkID)
            try c.encode(EndpointID, forKey: .EndpointID)
            try c.encode(Gateway, forKey: .Gateway)
            try c.encode(IPAddress, forKey: .IPAddress)
            try c.encode(IPPrefixLen, forKey: .IPPrefixLen)
            try c.encode(IPv6Gateway, forKey: .IPv6Gateway)
            try c.encode(GlobalIPv6Address, forKey: .GlobalIPv6Address)
            try c.encode(GlobalIPv6PrefixLen, forKey: .GlobalIPv6PrefixLen)
            try c.encode(DNSNames, forKey: .DNSNames)
        }
    }
    /// Docker's NetworkSettings: the top-level address fields are those of the default `bridge` network
    /// (empty on a user network, as Docker has them); `Networks` has every network by name.
    package struct NetworkSettingsDoc: Codable, Sendable {
        package var Bridge: String
        package var SandboxID: String
        /// The container's network namespace (`<root>/netns/<id>`) while it runs.
        package var SandboxKey: String
        /// "80/tcp": the host sides, or null for a port exposed but not published (running containers).
        package var Ports: [String: [PortBindingDoc]?]
        package var HairpinMode: Bool
        package var LinkLocalIPv6Address: String
        package var LinkLocalIPv6PrefixLen: Int
        package var SecondaryIPAddresses: [String]?
        package var SecondaryIPv6Addresses: [String]?
        package var EndpointID: String
        package var Gateway: String
        package var GlobalIPv6Address: String
        package var GlobalIPv6PrefixLen: Int
        package var IPAddress: String
        package var IPPrefixLen: Int
        package var IPv6Gateway: String
        package var MacAddress: String
        package var Networks: [String: EndpointDoc]

        package func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Bridge, forKey: .Bridge)
            try c.encode(SandboxID, forKey: .SandboxID)
            try c.encode(SandboxKey, forKey: .SandboxKey)
            try c.encode(Ports, forKey: .Ports)
            try c.encode(HairpinMode, forKey: .HairpinMode)
            try c.encode(LinkLocalIPv6Address, forKey: .LinkLocalIPv6Address)
            try c.encode(LinkLocalIPv6PrefixLen, forKey: .LinkLocalIPv6PrefixLen)
            try c.encode(SecondaryIPAddresses, forKey: .SecondaryIPAddresses)
            try c.encode(SecondaryIPv6Addresses, forKey: .SecondaryIPv6Addresses)
            try c.encode(EndpointID, forKey: .EndpointID)
            try c.encode(Gateway, forKey: .Gateway)
            try c.encode(GlobalIPv6Address, forKey: .GlobalIPv6Address)
            try c.encode(GlobalIPv6PrefixLen, forKey: .GlobalIPv6PrefixLen)
            try c.encode(IPAddress, forKey: .IPAddress)
            try c.encode(IPPrefixLen, forKey: .IPPrefixLen)
            try c.encode(IPv6Gateway, forKey: .IPv6Gateway)
            try c.encode(MacAddress, forKey: .MacAddress)
            try c.encode(Networks, forKey: .Networks)
        }
    }

    package var Id: String
    package var Created: String
    package var Path: String
    package var Args: [String]
    package var State: StateDoc
    package var Image: String
    package var ResolvConfPath: String
    package var HostnamePath: String
    package var HostsPath: String
    package var LogPath: String
    package var Name: String
    package var RestartCount: Int
    package var Driver: String
    package var Platform: String
    package var HostConfig: HostConfigDoc
    package var Mounts: [MountDoc]
    package var Config: ConfigDoc
    package var NetworkSettings: NetworkSettingsDoc
    /// `inspect --size`: the writable layer's bytes, and with the image's (absent otherwise, as Docker's).
    package var SizeRw: Int64?
    package var SizeRootFs: Int64?
    /// The execs running in the container (RunningExecs); null when none, as Docker's.
    package var ExecIDs: [String]? = nil
    package var GraphDriver: GraphDriverDoc
    /// No AppArmor profile and no SELinux labels: Skiff applies none (see SecurityOptions).
    package var AppArmorProfile = ""
    package var MountLabel = ""
    package var ProcessLabel = ""

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let omit = !encoder.writesEveryField
        try c.encode(Id, forKey: .Id)
        try c.encode(Created, forKey: .Created)
        try c.encode(Path, forKey: .Path)
        try c.encode(Args, forKey: .Args)
        try c.encode(State, forKey: .State)
        try c.encode(Image, forKey: .Image)
        try c.encode(ResolvConfPath, forKey: .ResolvConfPath)
        try c.encode(HostnamePath, forKey: .HostnamePath)
        try c.encode(HostsPath, forKey: .HostsPath)
        try c.encode(LogPath, forKey: .LogPath)
        try c.encode(Name, forKey: .Name)
        try c.encode(RestartCount, forKey: .RestartCount)
        try c.encode(Driver, forKey: .Driver)
        try c.encode(Platform, forKey: .Platform)
        try c.encode(MountLabel, forKey: .MountLabel)
        try c.encode(ProcessLabel, forKey: .ProcessLabel)
        try c.encode(AppArmorProfile, forKey: .AppArmorProfile)
        try c.encode(ExecIDs, forKey: .ExecIDs)
        try c.encode(HostConfig, forKey: .HostConfig)
        try c.encode(GraphDriver, forKey: .GraphDriver)
        try c.encode(SizeRw, forKey: .SizeRw, omittingNil: omit)
        try c.encode(SizeRootFs, forKey: .SizeRootFs, omittingNil: omit)
        try c.encode(Mounts, forKey: .Mounts)
        try c.encode(Config, forKey: .Config)
        try c.encode(NetworkSettings, forKey: .NetworkSettings)
    }

    /// Mounts[].Mode of the `-v SOURCE:TARGET[:MODE]` mounts by target: MODE as given ("" without one;
    /// Docker then writes `z` for a named volume, its default SELinux relabel mode).
    package static func bindModes(_ binds: [String]) -> [String: String] {
        var modes: [String: String] = [:]
        for text in binds {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { continue }
            modes[MountRequest.normalize(parts[1])] = parts.count == 3 ? parts[2] : ""
        }
        return modes
    }

    /// Docker's overlay2 directories for a container's root filesystem: the image's layers (top first),
    /// where the container's changes go, overlay's work directory, and where it is mounted.
    package static func graphDriver(lowerDirs: [String], containerDirectory dir: String) -> GraphDriverDoc {
        GraphDriverDoc(
            Name: "overlay2",
            Data: [
                "LowerDir": lowerDirs.joined(separator: ":"), "MergedDir": dir + "/rootfs", "UpperDir": dir + "/upper",
                "WorkDir": dir + "/work",
            ])
    }
}

extension Engine {
    static let zeroTime = "0001-01-01T00:00:00Z"

    package func inspect(_ c: Container) -> ContainerInspect {
        let dir = containers.directory(of: c.id)
        let spec = try? SpecFile.load(bundle: dir)
        let process = spec?.process
        let running = c.status == .running
        var health: ContainerInspect.HealthDoc?
        if c.healthcheck != nil {
            let h = c.health ?? HealthState()
            health = .init(Status: h.status.rawValue, FailingStreak: h.failingStreak, Log: h.log)
        }
        let paused = isPaused(c)
        let state = ContainerInspect.StateDoc(
            Status: paused ? "paused" : c.status.rawValue, Running: running || c.status == .restarting, Paused: paused,
            Restarting: c.status == .restarting, OOMKilled: c.oomKilled ?? false, Dead: false,
            Pid: running ? (c.pid ?? (try? runtime.state(id: c.id).pid) ?? 0) : 0,
            ExitCode: c.exitCode ?? 0, Error: c.error ?? "",
            StartedAt: c.startedAt ?? Self.zeroTime, FinishedAt: c.finishedAt ?? Self.zeroTime, Health: health)
        let user =
            c.user ?? process.map { $0.user.uid == 0 && $0.user.gid == 0 ? "" : "\($0.user.uid):\($0.user.gid)" } ?? ""
        let hc = c.healthcheck.map {
            ContainerInspect.HealthcheckDoc(
                Test: $0.test, Interval: $0.interval, Timeout: $0.timeout,
                StartPeriod: $0.startPeriod, Retries: $0.retries)
        }
        let argv = Self.configuredCommand(c)
        let entrypoint = c.entrypoint.map { Array(argv.prefix($0.count)) } ?? []
        let cmd = Array(argv.dropFirst(entrypoint.count))
        var config = ContainerInspect.ConfigDoc(
            Hostname: c.hostname ?? spec?.hostname ?? c.shortID, Domainname: spec?.domainname ?? "", User: user,
            AttachStdin: false, AttachStdout: c.monitorPid == nil, AttachStderr: c.monitorPid == nil,
            Tty: c.tty ?? (process?.terminal ?? false), OpenStdin: c.openStdin ?? false, StdinOnce: false,
            Env: c.configEnv ?? (process?.env ?? []).filter { e in c.defaultHome.map { "HOME=" + $0 } != e },
            Cmd: cmd.isEmpty ? nil : cmd, Healthcheck: hc, Image: c.image,
            WorkingDir: c.workingDir ?? process?.cwd ?? "/", Entrypoint: entrypoint.isEmpty ? nil : entrypoint,
            Labels: c.labels,
            StopSignal: c.stopSignal, StopTimeout: c.stopTimeout)
        let image = (try? Digest(c.manifestDigest)).flatMap { try? images.image(manifest: $0) }
        let volumes = Set((image?.config.config?.Volumes ?? [:]).keys).union(c.hostConfig?.anonymousVolumes ?? [])
        config.Volumes = volumes.isEmpty ? nil : Dictionary(uniqueKeysWithValues: volumes.map { ($0, EmptyObject()) })
        let hasNetNS = spec?.linux?.namespaces?.contains { $0.type == "network" } ?? true
        let net = networkDocs(c, hasNetNS: hasNetNS)
        config.ExposedPorts =
            net.exposed.isEmpty ? nil : Dictionary(uniqueKeysWithValues: net.exposed.map { ($0, EmptyObject()) })
        let policy = c.restartPolicy ?? RestartPolicy(name: .no)
        // The --log-opt given, as given ({} without): Skiff's own default rotation is not one of them.
        let logConfig = c.logOptions ?? [:]
        var host = ContainerInspect.HostConfigDoc(
            NetworkMode: c.hostConfig?.networkMode ?? net.mode, PortBindings: net.bindings,
            PublishAllPorts: net.publishAll,
            RestartPolicy: .init(Name: policy.name.rawValue, MaximumRetryCount: policy.maximumRetryCount),
            AutoRemove: c.autoRemove,
            Privileged: (spec?.linux?.maskedPaths ?? []).isEmpty && spec?.linux?.seccomp == nil,
            ReadonlyRootfs: spec?.root?.readonly ?? false,
            LogConfig: .init(Type: (c.logDriver ?? .jsonFile).rawValue, Config: logConfig))
        let spaces = spec?.linux?.namespaces ?? []
        let modes = c.namespaceModes ?? NamespaceModes()
        host.PidMode = modes.pid.text
        host.IpcMode = c.namespaceModes == nil && !spaces.contains { $0.type == "ipc" } ? "host" : modes.ipc.text
        host.UTSMode = modes.uts.text
        host.CgroupnsMode = spaces.contains { $0.type == "cgroup" } ? "private" : "host"
        host.setResources(ResourceSettings(resources: spec?.linux?.resources, nanoCpus: c.nanoCpus))
        host.setCreateFlags(c.hostConfig, spec: spec)
        if let links = networkRequest(c.id)?.links, !links.isEmpty {
            host.Links = links.map { "/\($0.name):/\(c.name)/\($0.alias)" }
        }
        let etc = Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/sbin/docker-init"])
        let mountModes = ContainerInspect.bindModes(c.hostConfig?.binds ?? [])
        let flagTmpfs = c.hostConfig?.tmpfs ?? [:]
        // `--tmpfs` mounts are HostConfig.Tmpfs only, as Docker lists them (`--mount type=tmpfs` ones are here).
        let recorded = (c.mounts ?? []).filter { !($0.type == .tmpfs && flagTmpfs[$0.destination] != nil) }.map { m in
            ContainerInspect.MountDoc(
                Type: m.type.rawValue, Name: m.name, Driver: m.type == .volume ? "local" : nil,
                Source: m.source, Destination: m.destination,
                Mode: mountModes[m.destination].map { m.type == .volume && $0.isEmpty ? "z" : $0 }
                    ?? (m.readOnly ? "ro" : ""),
                RW: !m.readOnly, Propagation: m.type == .bind ? (m.propagation ?? "rprivate") : "")
        }
        let recordedTargets = Set(recorded.map(\.Destination))
        let mounts =
            recorded
            + (spec?.mounts ?? []).filter { m in
                (m.type == "bind" || (m.options ?? []).contains("bind") || (m.options ?? []).contains("rbind"))
                    && !etc.contains(m.destination) && m.source?.hasPrefix("/dev") != true
                    && m.destination != "/dev/shm"
                    && !recordedTargets.contains(m.destination)
            }.map { m in
                let ro = (m.options ?? []).contains("ro")
                return ContainerInspect.MountDoc(
                    Type: "bind", Source: m.source ?? "", Destination: m.destination,
                    Mode: ro ? "ro" : "", RW: !ro, Propagation: "rprivate")
            }
        let lowers = c.layerChainIDs.reversed().map { layers.diffPath(chainID: $0) }
        let paths = ContainerInspect.filePaths(directory: dir, started: c.startedAt != nil, logDriver: c.logDriver)
        return ContainerInspect(
            Id: c.id, Created: c.created, Path: argv.first ?? "", Args: Array(argv.dropFirst()),
            State: state, Image: c.imageID, ResolvConfPath: paths.resolvConf, HostnamePath: paths.hostname,
            HostsPath: paths.hosts, LogPath: paths.log, Name: "/" + c.name,
            RestartCount: c.restartCount ?? 0, Driver: "overlay2", Platform: "linux", HostConfig: host,
            Mounts: mounts, Config: config,
            NetworkSettings: net.settings,
            ExecIDs: running ? runningExecIDs(c.id) : nil,
            GraphDriver: ContainerInspect.graphDriver(
                lowerDirs: lowers.isEmpty ? [layers.root + "/empty"] : lowers, containerDirectory: dir))
    }

    /// The container's command as it was configured: without the `--init` that runs it (Docker's Path
    /// and Args are the command, not docker-init).
    static func configuredCommand(_ c: Container) -> [String] {
        guard c.hostConfig?.initProcess == true, c.command.starts(with: ["/sbin/docker-init", "--"]) else {
            return c.command
        }
        return Array(c.command.dropFirst(2))
    }

    /// The network parts of `inspect`, from the container's request (`network.json`: what it is configured
    /// for, kept while it is stopped) and its leases (the addresses and host ports in use while it runs).
    func networkDocs(_ c: Container, hasNetNS: Bool)
        -> (
            mode: String, settings: ContainerInspect.NetworkSettingsDoc,
            bindings: [String: [ContainerInspect.PortBindingDoc]],
            publishAll: Bool, exposed: [String]
        )
    {
        typealias Doc = ContainerInspect
        let request = networkRequest(c.id)
        let running = c.status == .running
        let imageExposed =
            ((try? Digest(c.manifestDigest)).flatMap { try? images.image(manifest: $0) }?.config.config?.ExposedPorts
            ?? [:]).keys
        let requested = request?.ports ?? []
        let exposed = Set(imageExposed).union(c.exposedPorts ?? [])
            .union(requested.map { "\($0.containerPort)/\($0.proto)" })
            .sorted {
                ($0.split(separator: "/").first.flatMap { Int($0) } ?? 0, $0) < (
                    $1.split(separator: "/").first.flatMap { Int($0) } ?? 0, $1
                )
            }
        func id(_ seed: String) -> String { Digest.of(Array(seed.utf8)).hex }

        // -p as asked (HostPort "" for any port); -P's own additions are not bindings (Docker keeps them apart).
        var bindings: [String: [Doc.PortBindingDoc]] = [:]
        let publishAll = request?.publishAll ?? false
        for p in requested {
            let key = "\(p.containerPort)/\(p.proto)"
            if publishAll && p.hostPort == 0 && p.hostIP.isEmpty && imageExposed.contains(key) { continue }
            // A host range as Docker shows it ("8000-8005"): the port taken is in NetworkSettings.Ports.
            let asked = p.hostPort == 0 ? "" : "\(p.hostPort)" + (p.hostPortEnd.map { "-\($0)" } ?? "")
            bindings[key, default: []].append(.init(HostIp: p.hostIP, HostPort: asked))
        }

        let mode: String
        var endpoints: [String: Doc.EndpointDoc] = [:]
        var ports: [String: [Doc.PortBindingDoc]?] = [:]
        var sandbox = ""
        switch request?.mode {
        case "container"?:
            mode = "container:" + (request?.container ?? "")
        case let m? where m == "bridge" || m == "user":
            let attachments = request?.attachments ?? []
            mode = attachments.first?.network ?? NetworkConfig.defaultName
            let leases = running ? containerAddresses(c.id) : []
            var names = attachments.map(\.network)
            for l in leases where !names.contains(l.network) { names.append(l.network) }
            for name in names {
                let config = networks.load(name)
                let attachment = attachments.first { $0.network == name }
                let aliases = attachment?.aliases ?? []
                let isDefault = name == NetworkConfig.defaultName
                let linkLocal = attachment?.endpoint?.linkLocalIPs ?? []
                var e = Doc.EndpointDoc(
                    IPAMConfig: attachment?.ip != nil || attachment?.ip6 != nil || !linkLocal.isEmpty
                        ? .init(
                            IPv4Address: attachment?.ip ?? "", IPv6Address: attachment?.ip6,
                            LinkLocalIPs: linkLocal.isEmpty ? nil : linkLocal) : nil,
                    Aliases: isDefault || aliases.isEmpty ? nil : aliases, NetworkID: config?.id ?? "",
                    DNSNames: isDefault ? nil : unique([c.name] + aliases + [c.shortID]))
                e.MacAddress = attachment?.mac ?? ""
                e.DriverOpts = attachment?.endpoint?.driverOptions
                if !isDefault, attachment != nil, let links = request?.links, !links.isEmpty {
                    e.Links = links.map { "\($0.name):\($0.alias)" }
                }
                if let lease = leases.first(where: { $0.network == name })?.lease, let config {
                    e.EndpointID = id("endpoint/\(c.id)/\(config.id)/\(lease.key)")
                    e.Gateway = config.gateway?.description ?? ""
                    e.IPAddress = lease.ip?.description ?? ""
                    e.IPPrefixLen = lease.ip == nil ? 0 : config.subnet?.prefix ?? 0
                    if let a = lease.ip6, let s6 = config.subnet6 {
                        e.GlobalIPv6Address = a.description
                        e.GlobalIPv6PrefixLen = s6.prefix
                        e.IPv6Gateway = config.gateway6?.description ?? ""
                    }
                    e.MacAddress = lease.mac ?? Self.macAddress(lease)
                    for p in lease.listedPorts(hostIPv6: HostNetwork.hasIPv6) {
                        let b = Doc.PortBindingDoc(
                            HostIp: p.hostIP.isEmpty ? "0.0.0.0" : p.hostIP, HostPort: "\(p.hostPort)")
                        ports["\(p.containerPort)/\(p.proto)", default: []]?.append(b)
                    }
                }
                endpoints[name] = e
            }
            if running && !leases.isEmpty {
                for key in exposed where ports[key] == nil { ports[key] = .some(nil) }
                sandbox = networks.netnsPath(c.id)
            }
        default:
            mode = hasNetNS ? "none" : "host"
            endpoints[mode] = Doc.EndpointDoc()
        }
        let main = endpoints[NetworkConfig.defaultName]
        let settings = Doc.NetworkSettingsDoc(
            Bridge: "", SandboxID: sandbox.isEmpty ? "" : id("sandbox/\(c.id)"), SandboxKey: sandbox, Ports: ports,
            HairpinMode: false, LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0,
            SecondaryIPAddresses: nil, SecondaryIPv6Addresses: nil,
            EndpointID: main?.EndpointID ?? "", Gateway: main?.Gateway ?? "",
            GlobalIPv6Address: main?.GlobalIPv6Address ?? "", GlobalIPv6PrefixLen: main?.GlobalIPv6PrefixLen ?? 0,
            IPAddress: main?.IPAddress ?? "", IPPrefixLen: main?.IPPrefixLen ?? 0, IPv6Gateway: main?.IPv6Gateway ?? "",
            MacAddress: main?.MacAddress ?? "", Networks: endpoints)
        return (mode, settings, bindings, publishAll, exposed)
    }

    /// `ps`'s PORTS and NETWORKS columns, as Docker prints them: "127.0.0.1:8080->80/tcp, 443/tcp" (a port
    /// exposed but not published by itself) and the networks' names.
    func listNetworkColumns(_ c: Container) -> (ports: String, networks: String) {
        let hasNetNS =
            networkRequest(c.id) != nil
            || ((try? SpecFile.load(bundle: containers.directory(of: c.id)))?.linux?.namespaces?.contains {
                $0.type == "network"
            } ?? true)
        let net = networkDocs(c, hasNetNS: hasNetNS)
        func number(_ key: String) -> Int { key.split(separator: "/").first.flatMap { Int($0) } ?? 0 }
        var ports: [String] = []
        for key in net.settings.Ports.keys.sorted(by: { (number($0), $0) < (number($1), $1) }) {
            guard let bindings = net.settings.Ports[key] ?? nil else { ports.append(key); continue }
            ports += bindings.map {
                "\($0.HostIp.contains(":") ? "[\($0.HostIp)]" : $0.HostIp):\($0.HostPort)->\(key)"
            }
        }
        let networks =
            net.mode.hasPrefix("container:") ? "" : net.settings.Networks.keys.sorted().joined(separator: ",")
        return (ports.joined(separator: ", "), networks)
    }

    /// The fields `ps --format` offers, as Docker names them.
    package func listFields(_ c: Container, now: Double = Timestamp.nowSeconds(), truncate: Bool = true) -> [String:
        String]
    {
        let net = listNetworkColumns(c)
        var command = c.command.joined(separator: " ")
        if truncate && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let created = Timestamp.parse(c.created) ?? now
        return [
            "ID": truncate ? c.shortID : c.id,
            "Names": c.name,
            "Image": c.image,
            "Command": "\"" + command + "\"",
            "CreatedAt": Timestamp.goString(created),
            "RunningFor": Timestamp.humanDuration(now - created) + " ago",
            "Ports": net.ports,
            "Status": status(c, now: now),
            "State": isPaused(c) ? "paused" : c.status.rawValue,
            "Labels": c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            "Mounts": (c.mounts ?? []).map { $0.name ?? $0.source }.filter { !$0.isEmpty }.joined(separator: ","),
            "Networks": net.networks,
            "Size": "",
        ]
    }

    /// Docker's STATUS column: "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago", "Created".
    public func status(_ c: Container, now: Double = Timestamp.nowSeconds()) -> String {
        switch c.status {
        case .created: return "Created"
        case .running:
            let started = c.startedAt.flatMap(Timestamp.parse) ?? now
            var s = "Up " + Timestamp.humanDuration(now - started)
            if c.healthcheck != nil {
                switch (c.health ?? HealthState()).status {
                case .starting: s += " (health: starting)"
                case .healthy: s += " (healthy)"
                case .unhealthy: s += " (unhealthy)"
                }
            }
            if isPaused(c) { s += " (Paused)" }
            return s
        case .exited, .restarting:
            let finished = c.finishedAt.flatMap(Timestamp.parse) ?? now
            let word = c.status == .exited ? "Exited" : "Restarting"
            return "\(word) (\(c.exitCode ?? 0)) \(Timestamp.humanDuration(now - finished)) ago"
        }
    }
}
