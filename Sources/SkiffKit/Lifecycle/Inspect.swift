import Foundation
import SkiffImage
import SkiffOCI
import SkiffRuntime

/// `skiff inspect` of a container, shaped as Docker's (the fields tools read: State, Config, Mounts,
/// HostConfig.RestartPolicy/NetworkMode/PortBindings, NetworkSettings with its Ports and Networks).
public struct ContainerInspect: Codable, Sendable {
    public struct HealthDoc: Codable, Sendable {
        public var Status: String
        public var FailingStreak: Int
        public var Log: [HealthState.Probe]
    }
    public struct StateDoc: Codable, Sendable {
        public var Status: String
        public var Running: Bool
        public var Paused: Bool
        public var Restarting: Bool
        public var OOMKilled: Bool
        public var Dead: Bool
        public var Pid: Int32
        public var ExitCode: Int32
        public var Error: String
        public var StartedAt: String
        public var FinishedAt: String
        public var Health: HealthDoc?
    }
    public struct HealthcheckDoc: Codable, Sendable {
        public var Test: [String]
        public var Interval: Int64
        public var Timeout: Int64
        public var StartPeriod: Int64
        public var Retries: Int
    }
    public struct ConfigDoc: Codable, Sendable {
        public var Hostname: String
        public var Domainname: String
        public var User: String
        public var AttachStdin: Bool
        public var AttachStdout: Bool
        public var AttachStderr: Bool
        public var Tty: Bool
        public var OpenStdin: Bool
        public var StdinOnce: Bool
        public var Env: [String]
        public var Cmd: [String]
        public var Healthcheck: HealthcheckDoc?
        public var Image: String
        public var WorkingDir: String
        public var Entrypoint: [String]?
        public var Labels: [String: String]
        public var StopSignal: String?
        public var StopTimeout: Int?
        /// The image's EXPOSE ports and the published ones ("80/tcp": {}); absent when none, as Docker's.
        public var ExposedPorts: [String: EmptyObject]? = nil
    }
    public struct RestartPolicyDoc: Codable, Sendable {
        public var Name: String
        public var MaximumRetryCount: Int
    }
    public struct LogConfigDoc: Codable, Sendable {
        public var `Type`: String
        public var Config: [String: String]
    }
    public struct HostConfigDoc: Codable, Sendable {
        /// "bridge", "none", "host", "container:<id>", or a user network's name.
        public var NetworkMode: String
        /// The -p requests: "80/tcp": [{"HostIp": "", "HostPort": "8080"}] (empty: any address, any port).
        public var PortBindings: [String: [PortBindingDoc]]
        public var PublishAllPorts: Bool
        public var RestartPolicy: RestartPolicyDoc
        public var AutoRemove: Bool
        public var Privileged: Bool
        public var ReadonlyRootfs: Bool
        public var LogConfig: LogConfigDoc
    }
    public struct MountDoc: Codable, Sendable {
        public var `Type`: String
        /// Volumes: the volume's name and driver ("local").
        public var Name: String?
        public var Driver: String?
        public var Source: String
        public var Destination: String
        public var Mode: String
        public var RW: Bool
        public var Propagation: String
    }
    /// One host side of a port: Docker's {"HostIp": "0.0.0.0", "HostPort": "8080"}.
    public struct PortBindingDoc: Codable, Sendable, Equatable {
        public var HostIp: String
        public var HostPort: String
    }
    public struct IPAMConfigDoc: Codable, Sendable {
        public var IPv4Address: String
    }
    /// A container's place on one network (Docker's EndpointSettings). The addresses are empty while the
    /// container does not run; nil fields are written as null, as Docker writes them.
    public struct EndpointDoc: Codable, Sendable {
        public var IPAMConfig: IPAMConfigDoc?
        public var Links: [String]?
        public var Aliases: [String]?
        public var MacAddress: String
        public var DriverOpts: [String: String]?
        public var NetworkID: String
        public var EndpointID: String
        public var Gateway: String
        public var IPAddress: String
        public var IPPrefixLen: Int
        public var IPv6Gateway: String
        public var GlobalIPv6Address: String
        public var GlobalIPv6PrefixLen: Int
        public var DNSNames: [String]?

        public init(IPAMConfig: IPAMConfigDoc? = nil, Aliases: [String]? = nil, MacAddress: String = "", NetworkID: String = "",
                    EndpointID: String = "", Gateway: String = "", IPAddress: String = "", IPPrefixLen: Int = 0,
                    DNSNames: [String]? = nil) {
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

        public func encode(to encoder: Encoder) throws {
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
    public struct NetworkSettingsDoc: Codable, Sendable {
        public var Bridge: String
        public var SandboxID: String
        /// The container's network namespace (`<root>/netns/<id>`) while it runs.
        public var SandboxKey: String
        /// "80/tcp": the host sides, or null for a port exposed but not published (running containers).
        public var Ports: [String: [PortBindingDoc]?]
        public var HairpinMode: Bool
        public var LinkLocalIPv6Address: String
        public var LinkLocalIPv6PrefixLen: Int
        public var SecondaryIPAddresses: [String]?
        public var SecondaryIPv6Addresses: [String]?
        public var EndpointID: String
        public var Gateway: String
        public var GlobalIPv6Address: String
        public var GlobalIPv6PrefixLen: Int
        public var IPAddress: String
        public var IPPrefixLen: Int
        public var IPv6Gateway: String
        public var MacAddress: String
        public var Networks: [String: EndpointDoc]

        public func encode(to encoder: Encoder) throws {
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

    public var Id: String
    public var Created: String
    public var Path: String
    public var Args: [String]
    public var State: StateDoc
    public var Image: String
    public var ResolvConfPath: String
    public var HostnamePath: String
    public var HostsPath: String
    public var LogPath: String
    public var Name: String
    public var RestartCount: Int
    public var Driver: String
    public var Platform: String
    public var HostConfig: HostConfigDoc
    public var Mounts: [MountDoc]
    public var Config: ConfigDoc
    public var NetworkSettings: NetworkSettingsDoc
}

extension Engine {
    static let zeroTime = "0001-01-01T00:00:00Z"

    public func inspect(_ c: Container) -> ContainerInspect {
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
            Restarting: c.status == .restarting, OOMKilled: false, Dead: false,
            Pid: running ? (c.pid ?? (try? runtime.state(id: c.id).pid) ?? 0) : 0,
            ExitCode: c.exitCode ?? 0, Error: c.error ?? "",
            StartedAt: c.startedAt ?? Self.zeroTime, FinishedAt: c.finishedAt ?? Self.zeroTime, Health: health)
        let user = process.map { $0.user.uid == 0 && $0.user.gid == 0 ? "" : "\($0.user.uid):\($0.user.gid)" } ?? ""
        let hc = c.healthcheck.map {
            ContainerInspect.HealthcheckDoc(Test: $0.test, Interval: $0.interval, Timeout: $0.timeout,
                                            StartPeriod: $0.startPeriod, Retries: $0.retries)
        }
        var config = ContainerInspect.ConfigDoc(
            Hostname: c.hostname ?? spec?.hostname ?? c.shortID, Domainname: "", User: user,
            AttachStdin: false, AttachStdout: c.monitorPid == nil, AttachStderr: c.monitorPid == nil,
            Tty: c.tty ?? (process?.terminal ?? false), OpenStdin: c.openStdin ?? false, StdinOnce: false,
            Env: process?.env ?? [], Cmd: c.command, Healthcheck: hc, Image: c.image,
            WorkingDir: process?.cwd ?? "/", Entrypoint: nil, Labels: c.labels,
            StopSignal: c.stopSignal, StopTimeout: c.stopTimeout)
        let hasNetNS = spec?.linux?.namespaces?.contains { $0.type == "network" } ?? true
        let net = networkDocs(c, hasNetNS: hasNetNS)
        config.ExposedPorts = net.exposed.isEmpty ? nil : Dictionary(uniqueKeysWithValues: net.exposed.map { ($0, EmptyObject()) })
        let policy = c.restartPolicy ?? RestartPolicy(name: .no)
        var logConfig: [String: String] = [:]
        let maxSize = c.logMaxSize ?? Self.defaultLogMaxSize
        if maxSize > 0 {
            logConfig["max-size"] = "\(maxSize)"
            logConfig["max-file"] = "\(c.logMaxFiles ?? Self.defaultLogMaxFiles)"
        }
        let host = ContainerInspect.HostConfigDoc(
            NetworkMode: net.mode, PortBindings: net.bindings, PublishAllPorts: net.publishAll,
            RestartPolicy: .init(Name: policy.name.rawValue, MaximumRetryCount: policy.maximumRetryCount),
            AutoRemove: c.autoRemove,
            Privileged: (spec?.linux?.maskedPaths ?? []).isEmpty && spec?.linux?.seccomp == nil,
            ReadonlyRootfs: spec?.root?.readonly ?? false,
            LogConfig: .init(Type: "json-file", Config: logConfig))
        let etc = Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/sbin/docker-init"])
        let recorded = (c.mounts ?? []).map { m in
            ContainerInspect.MountDoc(Type: m.type.rawValue, Name: m.name, Driver: m.type == .volume ? "local" : nil,
                                      Source: m.source, Destination: m.destination, Mode: m.readOnly ? "ro" : "",
                                      RW: !m.readOnly, Propagation: m.type == .bind ? (m.propagation ?? "rprivate") : "")
        }
        let recordedTargets = Set(recorded.map(\.Destination))
        let mounts = recorded + (spec?.mounts ?? []).filter { m in
            (m.type == "bind" || (m.options ?? []).contains("bind") || (m.options ?? []).contains("rbind"))
                && !etc.contains(m.destination) && m.source?.hasPrefix("/dev") != true && !recordedTargets.contains(m.destination)
        }.map { m in
            let ro = (m.options ?? []).contains("ro")
            return ContainerInspect.MountDoc(Type: "bind", Source: m.source ?? "", Destination: m.destination,
                                             Mode: ro ? "ro" : "", RW: !ro, Propagation: "rprivate")
        }
        return ContainerInspect(
            Id: c.id, Created: c.created, Path: c.command.first ?? "", Args: Array(c.command.dropFirst()),
            State: state, Image: c.imageID, ResolvConfPath: dir + "/resolv.conf", HostnamePath: dir + "/hostname",
            HostsPath: dir + "/hosts", LogPath: dir + "/log.jsonl", Name: "/" + c.name,
            RestartCount: c.restartCount ?? 0, Driver: "overlay", Platform: "linux", HostConfig: host,
            Mounts: mounts, Config: config,
            NetworkSettings: net.settings)
    }

    /// The network parts of `inspect`, from the container's request (`network.json`: what it is configured
    /// for, kept while it is stopped) and its leases (the addresses and host ports in use while it runs).
    func networkDocs(_ c: Container, hasNetNS: Bool)
        -> (mode: String, settings: ContainerInspect.NetworkSettingsDoc, bindings: [String: [ContainerInspect.PortBindingDoc]],
            publishAll: Bool, exposed: [String]) {
        typealias Doc = ContainerInspect
        let request = networkRequest(c.id)
        let running = c.status == .running
        let imageExposed = ((try? Digest(c.manifestDigest)).flatMap { try? images.image(manifest: $0) }?.config.config?.ExposedPorts ?? [:]).keys
        let requested = request?.ports ?? []
        let exposed = Set(imageExposed).union(requested.map { "\($0.containerPort)/\($0.proto)" })
            .sorted { ($0.split(separator: "/").first.flatMap { Int($0) } ?? 0, $0) < ($1.split(separator: "/").first.flatMap { Int($0) } ?? 0, $1) }
        func id(_ seed: String) -> String { Digest.of(Array(seed.utf8)).hex }

        // -p as asked (HostPort "" for any port); -P's own additions are not bindings (Docker keeps them apart).
        var bindings: [String: [Doc.PortBindingDoc]] = [:]
        let publishAll = request?.publishAll ?? false
        for p in requested {
            let key = "\(p.containerPort)/\(p.proto)"
            if publishAll && p.hostPort == 0 && p.hostIP.isEmpty && imageExposed.contains(key) { continue }
            bindings[key, default: []].append(.init(HostIp: p.hostIP, HostPort: p.hostPort == 0 ? "" : "\(p.hostPort)"))
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
                var e = Doc.EndpointDoc(
                    IPAMConfig: attachment?.ip.map { .init(IPv4Address: $0) },
                    Aliases: isDefault || aliases.isEmpty ? nil : aliases, NetworkID: config?.id ?? "",
                    DNSNames: isDefault ? nil : unique([c.name] + aliases + [c.shortID]))
                if let lease = leases.first(where: { $0.network == name })?.lease, let config {
                    e.EndpointID = id("endpoint/\(c.id)/\(config.id)/\(lease.ip)")
                    e.Gateway = config.gateway.description
                    e.IPAddress = lease.ip.description
                    e.IPPrefixLen = config.subnet.prefix
                    e.MacAddress = Self.macAddress(lease.ip)
                    for p in lease.ports {
                        let b = Doc.PortBindingDoc(HostIp: p.hostIP.isEmpty ? "0.0.0.0" : p.hostIP, HostPort: "\(p.hostPort)")
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
            EndpointID: main?.EndpointID ?? "", Gateway: main?.Gateway ?? "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
            IPAddress: main?.IPAddress ?? "", IPPrefixLen: main?.IPPrefixLen ?? 0, IPv6Gateway: "",
            MacAddress: main?.MacAddress ?? "", Networks: endpoints)
        return (mode, settings, bindings, publishAll, exposed)
    }

    /// `ps`'s PORTS and NETWORKS columns, as Docker prints them: "127.0.0.1:8080->80/tcp, 443/tcp" (a port
    /// exposed but not published by itself) and the networks' names.
    func listNetworkColumns(_ c: Container) -> (ports: String, networks: String) {
        let hasNetNS = networkRequest(c.id) != nil
            || ((try? SpecFile.load(bundle: containers.directory(of: c.id)))?.linux?.namespaces?.contains { $0.type == "network" } ?? true)
        let net = networkDocs(c, hasNetNS: hasNetNS)
        func number(_ key: String) -> Int { key.split(separator: "/").first.flatMap { Int($0) } ?? 0 }
        var ports: [String] = []
        for key in net.settings.Ports.keys.sorted(by: { (number($0), $0) < (number($1), $1) }) {
            guard let bindings = net.settings.Ports[key] ?? nil else { ports.append(key); continue }
            ports += bindings.map { "\($0.HostIp):\($0.HostPort)->\(key)" }
        }
        let networks = net.mode.hasPrefix("container:") ? "" : net.settings.Networks.keys.sorted().joined(separator: ",")
        return (ports.joined(separator: ", "), networks)
    }

    /// The fields `ps --format` offers, as Docker names them.
    public func listFields(_ c: Container, now: Double = Timestamp.nowSeconds(), truncate: Bool = true) -> [String: String] {
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
