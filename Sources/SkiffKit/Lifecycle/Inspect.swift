import Foundation
import SkiffOCI
import SkiffRuntime

/// `skiff inspect` of a container, shaped as Docker's (the fields tools read: State, Config, Mounts,
/// HostConfig.RestartPolicy, NetworkSettings.Ports).
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
        public var NetworkMode: String
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
    public struct NetworkSettingsDoc: Codable, Sendable {
        public var Ports: [String: [[String: String]]?]
        public var IPAddress: String
        public var Gateway: String
        public var MacAddress: String
        public var Networks: [String: [String: String]]
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
        let state = ContainerInspect.StateDoc(
            Status: c.status.rawValue, Running: running || c.status == .restarting, Paused: false,
            Restarting: c.status == .restarting, OOMKilled: false, Dead: false,
            Pid: running ? (c.pid ?? (try? runtime.state(id: c.id).pid) ?? 0) : 0,
            ExitCode: c.exitCode ?? 0, Error: c.error ?? "",
            StartedAt: c.startedAt ?? Self.zeroTime, FinishedAt: c.finishedAt ?? Self.zeroTime, Health: health)
        let user = process.map { $0.user.uid == 0 && $0.user.gid == 0 ? "" : "\($0.user.uid):\($0.user.gid)" } ?? ""
        let hc = c.healthcheck.map {
            ContainerInspect.HealthcheckDoc(Test: $0.test, Interval: $0.interval, Timeout: $0.timeout,
                                            StartPeriod: $0.startPeriod, Retries: $0.retries)
        }
        let config = ContainerInspect.ConfigDoc(
            Hostname: c.hostname ?? spec?.hostname ?? c.shortID, Domainname: "", User: user,
            AttachStdin: false, AttachStdout: c.monitorPid == nil, AttachStderr: c.monitorPid == nil,
            Tty: c.tty ?? (process?.terminal ?? false), OpenStdin: c.openStdin ?? false, StdinOnce: false,
            Env: process?.env ?? [], Cmd: c.command, Healthcheck: hc, Image: c.image,
            WorkingDir: process?.cwd ?? "/", Entrypoint: nil, Labels: c.labels,
            StopSignal: c.stopSignal, StopTimeout: c.stopTimeout)
        let hasNetNS = spec?.linux?.namespaces?.contains { $0.type == "network" } ?? true
        let policy = c.restartPolicy ?? RestartPolicy(name: .no)
        var logConfig: [String: String] = [:]
        let maxSize = c.logMaxSize ?? Self.defaultLogMaxSize
        if maxSize > 0 {
            logConfig["max-size"] = "\(maxSize)"
            logConfig["max-file"] = "\(c.logMaxFiles ?? Self.defaultLogMaxFiles)"
        }
        let host = ContainerInspect.HostConfigDoc(
            NetworkMode: hasNetNS ? "none" : "host",
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
            NetworkSettings: .init(Ports: [:], IPAddress: "", Gateway: "", MacAddress: "",
                                   Networks: hasNetNS ? ["none": [:]] : ["host": [:]]))
    }

    /// The fields `ps --format` offers, as Docker names them.
    public func listFields(_ c: Container, now: Double = Timestamp.nowSeconds(), truncate: Bool = true) -> [String: String] {
        var command = c.command.joined(separator: " ")
        if truncate && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let created = Timestamp.parse(c.created) ?? now
        return [
            "ID": truncate ? c.shortID : c.id,
            "Names": c.name,
            "Image": c.image,
            "Command": "\"" + command + "\"",
            "CreatedAt": c.created,
            "RunningFor": HumanTime.duration(now - created) + " ago",
            "Ports": "",
            "Status": status(c, now: now),
            "State": c.status.rawValue,
            "Labels": c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            "Mounts": (c.mounts ?? []).map { $0.name ?? $0.source }.filter { !$0.isEmpty }.joined(separator: ","),
            "Networks": "none",
            "Size": "",
        ]
    }

    /// Docker's STATUS column: "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago", "Created".
    public func status(_ c: Container, now: Double = Timestamp.nowSeconds()) -> String {
        switch c.status {
        case .created: return "Created"
        case .running:
            let started = c.startedAt.flatMap(Timestamp.parse) ?? now
            var s = "Up " + HumanTime.duration(now - started)
            if c.healthcheck != nil {
                switch (c.health ?? HealthState()).status {
                case .starting: s += " (health: starting)"
                case .healthy: s += " (healthy)"
                case .unhealthy: s += " (unhealthy)"
                }
            }
            return s
        case .exited, .restarting:
            let finished = c.finishedAt.flatMap(Timestamp.parse) ?? now
            let word = c.status == .exited ? "Exited" : "Restarting"
            return "\(word) (\(c.exitCode ?? 0)) \(HumanTime.duration(now - finished)) ago"
        }
    }
}

/// Docker's human durations ("Less than a second", "3 seconds", "About a minute", "2 hours").
public enum HumanTime {
    public static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s < 1 { return "Less than a second" }
        if s == 1 { return "1 second" }
        if s < 60 { return "\(s) seconds" }
        let m = s / 60
        if m == 1 { return "About a minute" }
        if m < 60 { return "\(m) minutes" }
        let h = Int((Double(s) / 3600).rounded())
        if h == 1 { return "About an hour" }
        if h < 48 { return "\(h) hours" }
        if h < 24 * 7 * 2 { return "\(h / 24) days" }
        if h < 24 * 30 * 2 { return "\(h / 24 / 7) weeks" }
        if h < 24 * 365 * 2 { return "\(h / 24 / 30) months" }
        return "\(h / 24 / 365) years"
    }
}
