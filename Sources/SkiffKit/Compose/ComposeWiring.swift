import SkiffImage

/// One service → the `RunOptions` of one of its containers: its networks, published ports, volumes and
/// the rest of its keys, decided in one place.
package struct ComposeWiring {
    package var project: ComposeProject

    package init(project: ComposeProject) {
        self.project = project
    }

    /// The name on the host of a project network (`default` is `<project>_default`).
    package func realNetworkName(_ key: String) -> String {
        project.network(key)?.realName ?? "\(project.name)_\(key)"
    }

    /// The names a service's container answers to on a network: the service name and its aliases.
    /// (A `links: [SERVICE:ALIAS]` alias is no name on the network: only the linking container sees it.)
    package func aliases(_ s: ComposeService, on network: String) -> [String] {
        let names = [s.name] + (s.networks.first { $0.name == network }?.aliases ?? [])
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// `links` (to the linked service's first container, as ALIAS) and `external_links`, as `--link`s.
    func links(of s: ComposeService) -> [String] {
        s.links.map { l in
            let target =
                project.service(l.service)?.containerName
                ?? ComposeLabels.containerName(project: project.name, service: l.service, number: 1)
            return target + ":" + l.alias
        } + s.externalLinks
    }

    /// `networks: NAME: ipv4_address:` of the service on `network`.
    package func fixedAddress(_ s: ComposeService, on network: String) -> String? {
        s.networks.first { $0.name == network }?.ipv4Address
    }

    /// `networks: NAME: ipv6_address:` of the service on `network`.
    package func fixedAddress6(_ s: ComposeService, on network: String) -> String? {
        s.networks.first { $0.name == network }?.ipv6Address
    }

    /// `networks: NAME: mac_address:` of the service on `network`; the service's `mac_address` on its
    /// first network (as Docker Compose gives it to the primary endpoint).
    package func macAddress(_ s: ComposeService, on network: String) -> String? {
        s.networks.first { $0.name == network }?.macAddress
            ?? (network == s.networkNames.first ? s.macAddress : nil)
    }

    /// `networks: NAME: interface_name / link_local_ips / driver_opts` of the service on `network`.
    package func endpoint(_ s: ComposeService, on network: String) -> EndpointOptions {
        s.networks.first { $0.name == network }?.endpoint ?? EndpointOptions()
    }

    /// The networks joined after the first one (real names, with aliases).
    package func extraNetworks(_ s: ComposeService) -> [(
        name: String, aliases: [String], ip: String?, mac: String?, ip6: String?, endpoint: EndpointOptions
    )] {
        guard s.networkMode == nil else { return [] }
        return s.networkNames.dropFirst().map {
            (
                realNetworkName($0), aliases(s, on: $0), fixedAddress(s, on: $0), macAddress(s, on: $0),
                fixedAddress6(s, on: $0), endpoint(s, on: $0)
            )
        }
    }

    /// The options for container `number` of `service` (`oneOff`: a `compose run` container).
    package func runOptions(
        _ s: ComposeService, name: String, number: Int, configHash: String, servicePorts: Bool = true
    )
        throws(ComposeError) -> RunOptions
    {
        if let r = s.runtime {
            do { try DaemonSettings.checkRuntime(r) } catch { throw .usage("service \(s.name): \(error)") }
        }
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
        o.expose = s.expose
        o.hostname = s.hostname
        o.tty = s.tty
        o.interactive = s.stdinOpen
        o.initProcess = s.initProcess ?? false
        o.memory = s.limits.memory
        o.cpus = s.limits.cpus
        o.pidsLimit = s.limits.pids
        o.resources = s.resources
        o.names = s.names
        o.logMaxSize = s.logMaxSize
        o.logMaxFiles = s.logMaxFiles
        o.logDriver = s.logDriver
        o.logOptions = s.logOptions
        o.storageOptions = s.storageOptions
        o.capAdd = s.capAdd
        o.capDrop = s.capDrop
        o.privileged = s.privileged
        o.readOnly = s.readOnly
        o.sysctls = s.sysctls
        o.devices = s.devices
        o.deviceCgroupRules = s.deviceCgroupRules
        o.groupAdd = s.groupAdd
        do {
            o.namespaces = try s.namespaces.modes { other in
                project.services.first { $0.name == other }?.containerName
                    ?? ComposeLabels.containerName(project: project.name, service: other, number: 1)
            }
        } catch { throw .usage("service \(s.name): \(error)") }
        o.volumesFrom = s.volumesFrom.map { vf in
            var name = vf.name
            if !vf.isContainer, let other = project.services.first(where: { $0.name == vf.name }) {
                name =
                    other.containerName
                    ?? ComposeLabels.containerName(project: project.name, service: other.name, number: 1)
            }
            return name + (vf.readOnly.map { $0 ? ":ro" : ":rw" } ?? "")
        }
        do {
            try SecurityOptions.apply(
                s.securityOpt, to: &o, directory: project.workingDirectory, origin: "services.\(s.name).security_opt:")
        } catch {
            throw .unsupported(error.description)
        }
        if let r = s.restart {
            do { o.restart = try RestartPolicy(parsing: r) } catch {
                throw .invalid(file: project.files.first ?? "", path: "services.\(s.name).restart", reason: "\(error)")
            }
        }
        if let h = s.healthcheck {
            if h.disable || h.test == ["NONE"] {
                o.noHealthcheck = true
            } else {
                if let t = h.test {
                    o.healthCmd =
                        t.first == "CMD-SHELL"
                        ? t.dropFirst().joined(separator: " ") : ShellWords.join(Array(t.dropFirst()))
                }
                o.healthInterval = h.interval
                o.healthTimeout = h.timeout
                o.healthStartPeriod = h.startPeriod
                o.healthStartInterval = h.startInterval
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

        // Volumes: named ones by their name on the host (`<project>_<key>`), binds absolute, tmpfs.
        for (i, m) in s.volumes.enumerated() {
            let origin = "services.\(s.name).volumes[\(i)]"
            var r: MountRequest
            switch m.type {
            case .volume:
                let real = m.source.map { key in project.volume(key)?.realName ?? key }
                r = MountRequest(kind: .volume, source: real, target: m.target, origin: origin)
                r.noCopy = m.noCopy
            case .bind:
                r = MountRequest(kind: .bind, source: m.source, target: m.target, origin: origin)
                r.createHostPath = m.createHostPath
                r.recursion = m.recursion ?? .enabled
                r.propagation = m.propagation
            case .tmpfs:
                r = MountRequest(kind: .tmpfs, source: nil, target: m.target, origin: origin)
                r.given = m.tmpfsEntry
                r.tmpfsOptions = m.tmpfsOptions
                if let size = m.tmpfsSize {
                    r.tmpfsOptions = r.tmpfsOptions.filter { !$0.hasPrefix("size=") } + ["size=\(size)"]
                }
            }
            r.readOnly = m.readOnly
            o.mounts.append(r)
        }

        // Networks and ports: the first project network at create, the others connected before the
        // start (see `extraNetworks`); the service's name is an alias on each.
        switch s.networkMode {
        case "host": o.network = .host
        case "none": o.network = .none
        case let mode? where mode.hasPrefix("service:") || mode.hasPrefix("container:"):
            // Another container's namespace: `service:NAME` is that service's (first) container. Ports
            // are passed on so that publishing them is refused, as Docker refuses it.
            var other = String(mode.drop { $0 != ":" }.dropFirst())
            if let name = s.networkService {
                other =
                    project.service(name)?.containerName
                    ?? ComposeLabels.containerName(project: project.name, service: name, number: 1)
            }
            o.network = .container(other)
            if servicePorts { o.publish = s.ports.map(\.publishFlag) }
        case let name? where name != "bridge":
            // An existing network by its own name: joined as `run --network NAME` joins it.
            o.network = .named(name)
            o.macAddress = s.macAddress
            if servicePorts { o.publish = s.ports.map(\.publishFlag) }
        case "bridge":
            // The default bridge has no names: `links:` are Docker's links there, to the service's container.
            o.network = .bridge
            o.macAddress = s.macAddress
            o.links = links(of: s)
        default:
            let first = s.networkNames[0]
            o.network = .named(realNetworkName(first))
            o.networkAliases = aliases(s, on: first)
            o.ip = fixedAddress(s, on: first)
            o.ip6 = fixedAddress6(s, on: first)
            o.macAddress = macAddress(s, on: first)
            o.endpoint = endpoint(s, on: first)
            // `links:` are Docker's links here too: ALIAS resolves in the linking container only.
            o.links = links(of: s)
            if servicePorts { o.publish = s.ports.map(\.publishFlag) }
        }
        return o
    }
}
