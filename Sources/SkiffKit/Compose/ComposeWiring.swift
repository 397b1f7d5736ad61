import SkiffImage

/// One service → the `RunOptions` of one of its containers. Everything that depends on the
/// networking and volume work (project networks, published ports, volumes) is decided here, in one
/// place, so switching it on is a change to this file only.
public struct ComposeWiring {
    public var project: ComposeProject

    public init(project: ComposeProject) {
        self.project = project
    }

    /// Whether containers join project networks (bridge networks where services resolve each other).
    /// Until the networking work is in, each container gets a network namespace with loopback only.
    public static let projectNetworksAvailable = false
    /// Whether volumes (named, bind, tmpfs) can be mounted.
    public static let volumesAvailable = false

    /// Refuse, before anything is made, what cannot be carried out yet.
    public func check(_ services: [ComposeService], servicePorts: Bool = true) throws(ComposeError) {
        for s in services {
            if !Self.volumesAvailable, let m = s.volumes.first {
                throw .unsupported("services.\(s.name).volumes: \(m.type.rawValue) mounts (\(m.target)) need skiff's volume support, which is not in this build yet")
            }
            if !Self.projectNetworksAvailable {
                if s.networkMode == nil, let n = s.networks.first(where: { $0.name != "default" || !$0.aliases.isEmpty }) {
                    throw .unsupported("services.\(s.name).networks.\(n.name): networks other than the default (and aliases) need skiff's bridge networking, which is not in this build yet; remove the networks: entry (services then get loopback only) or use network_mode: host")
                }
                if servicePorts, let p = s.ports.first, s.networkMode != "host" {
                    throw .unsupported("services.\(s.name).ports: publishing \(p.publishFlag) needs skiff's bridge networking, which is not in this build yet; use network_mode: host to listen on the host directly")
                }
            }
            if s.networkMode == "bridge" && !Self.projectNetworksAvailable {
                throw .unsupported("services.\(s.name).network_mode: bridge needs skiff's bridge networking, which is not in this build yet")
            }
        }
    }

    /// The options for container `number` of `service` (`oneOff`: a `compose run` container).
    public func runOptions(_ s: ComposeService, name: String, number: Int, configHash: String, servicePorts: Bool = true)
        throws(ComposeError) -> RunOptions {
        var o = RunOptions()
        o.name = name
        if let ep = s.entrypoint {
            // Docker's --entrypoint takes one word: the rest go before the command. A given entrypoint
            // drops the image's CMD, as with Compose.
            o.entrypoint = ep.first ?? ""
            o.command = Array(ep.dropFirst()) + (s.command ?? [])
        } else if let c = s.command {
            o.command = c
        }
        o.env = s.environment.map { v in v.value.map { "\(v.name)=\($0)" } ?? v.name }
        o.envFiles = s.envFiles
        o.workdir = s.workingDir
        o.user = s.user
        o.hostname = s.hostname
        o.tty = s.tty
        o.interactive = s.stdinOpen
        o.initProcess = s.initProcess ?? false
        o.memory = s.limits.memory
        o.cpus = s.limits.cpus
        o.pidsLimit = s.limits.pids
        o.capAdd = s.capAdd
        o.capDrop = s.capDrop
        o.privileged = s.privileged
        o.readOnly = s.readOnly
        for opt in s.securityOpt {
            switch opt {
            case "no-new-privileges", "no-new-privileges:true", "no-new-privileges=true": o.noNewPrivileges = true
            case "seccomp:unconfined", "seccomp=unconfined": o.seccomp = .unconfined
            default: throw .unsupported("services.\(s.name).security_opt: \"\(opt)\" is not supported (no-new-privileges, seccomp=unconfined)")
            }
        }
        if let r = s.restart {
            do { o.restart = try RestartPolicy(parsing: r) } catch { throw .invalid(file: project.files.first ?? "", path: "services.\(s.name).restart", reason: "\(error)") }
        }
        if let h = s.healthcheck {
            if h.disable || h.test == ["NONE"] {
                o.noHealthcheck = true
            } else {
                if let t = h.test {
                    o.healthCmd = t.first == "CMD-SHELL" ? t.dropFirst().joined(separator: " ") : ShellWords.join(Array(t.dropFirst()))
                }
                o.healthInterval = h.interval
                o.healthTimeout = h.timeout
                o.healthStartPeriod = h.startPeriod
                o.healthRetries = h.retries
            }
        }
        o.stopSignal = s.stopSignal
        o.stopTimeout = s.stopGracePeriod
        o.labels = s.labels.merging([
            ComposeLabels.project: project.name,
            ComposeLabels.service: s.name,
            ComposeLabels.number: "\(number)",
            ComposeLabels.configHash: configHash,
            ComposeLabels.workingDir: project.workingDirectory,
            ComposeLabels.configFiles: project.files.joined(separator: ","),
        ]) { $1 }
        o.detach = true

        // Networks, ports, volumes: see projectNetworksAvailable / volumesAvailable.
        switch s.networkMode {
        case "host": o.network = .host
        case "none": o.network = .none
        default: o.network = .none
        }
        return o
    }
}
