import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffPresentation
import SkiffSystem

/// `skiff network …`: Docker's network commands (bridge driver).
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Manage networks (bridge driver; containers on a user network reach each other by name).",
        subcommands: [
            NetworkCreate.self, NetworkList.self, NetworkInspectCommand.self, NetworkRemove.self,
            NetworkConnect.self, NetworkDisconnect.self, NetworkPrune.self, NetworkLoopbackProxy.self,
        ])
}

struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a network (a bridge, made when its first container starts).")
    @Option(name: [.customShort("d"), .long], help: "Driver (only bridge).") var driver = "bridge"
    @Option(
        name: .long,
        help:
            "Subnet in CIDR form (default: a free /24 in 10.89-99.x.0); give it again for the IPv6 subnet with --ipv6 (default: a ULA /64)."
    ) var subnet: [String] = []
    @Option(name: .long, help: "Gateway (default: the subnet's first address); one per subnet.") var gateway: [String] =
        []
    // Docker's boolean flags: `--ipv6`, `--ipv6=true|false` (see GoBoolFlags, which spells `=false` as
    // the `--no-` form before parsing).
    @Flag(inversion: .prefixedNo, exclusivity: .chooseLast, help: "Enable IPv6 (dual stack; --ipv6=false: off).")
    var ipv6 = false
    @Flag(
        inversion: .prefixedNo, exclusivity: .chooseLast,
        help: "Enable IPv4 (default true); --ipv4=false with --ipv6 makes an IPv6-only network (Docker 28).")
    var ipv4 = true
    @Option(name: .customLong("ip-range"), help: "Hand out addresses from this part of the subnet (CIDR).") var ipRange:
        String?
    @Option(
        name: [.customShort("o"), .customLong("opt")],
        help:
            "Driver option: com.docker.network.driver.mtu=N, com.docker.network.bridge.host_binding_ipv4=IP, com.docker.network.bridge.enable_icc=false, com.docker.network.bridge.enable_ip_masquerade=false."
    ) var opt: [String] = []
    @Option(
        name: .customLong("aux-address"),
        help: "An address of the subnet kept from containers (NAME=IP; repeatable).") var auxAddress: [String] = []
    @Option(name: .customLong("ipam-driver"), help: "IPAM driver (only default).") var ipamDriver = "default"
    @Option(
        name: .customLong("ipam-opt"),
        help: "IPAM driver option (KEY=VALUE; repeatable): kept and shown by inspect, as Docker's default driver does."
    ) var ipamOpt: [String] = []
    @Flag(inversion: .prefixedNo, exclusivity: .chooseLast, help: "No outbound access (no NAT).")
    var `internal` = false
    @Flag(
        inversion: .prefixedNo, exclusivity: .chooseLast,
        help: "Enable manual container attachment (recorded and shown by inspect; any bridge network takes them).")
    var attachable = false
    @Flag(inversion: .prefixedNo, exclusivity: .chooseLast, help: "A swarm routing-mesh network (swarm mode only).")
    var ingress = false
    @Flag(
        name: .customLong("config-only"), inversion: .prefixedNo, exclusivity: .chooseLast,
        help: "A configuration-only network (for --config-from; swarm mode only).")
    var configOnly = false
    @OptionGroup var explain: ExplainOptions
    @Option(name: .customLong("label"), help: "Set a label (KEY=VALUE).") var label: [String] = []
    @Argument(help: "The network's name.") var name: String

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff network create \(name)") }
        guard driver == "bridge" else { throw ValidationError("--driver \(driver): only the bridge driver exists") }
        if ingress {
            throw ValidationError(
                "--ingress: an ingress network is a swarm's routing mesh (docker swarm); skiff has no swarm mode")
        }
        if configOnly {
            throw ValidationError(
                "--config-only: a configuration-only network is a template for --config-from networks, which skiff has not"
            )
        }
        var labels: [String: String] = [:]
        for l in label {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            labels[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        var options = NetworkBridgeOptions()
        for o in opt {
            let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, try options.set(kv[0], kv[1]) else {
                throw ValidationError(
                    "--opt \(o): supported are com.docker.network.driver.mtu=N, com.docker.network.bridge.host_binding_ipv4=IP, com.docker.network.bridge.enable_icc=BOOL and com.docker.network.bridge.enable_ip_masquerade=BOOL"
                )
            }
        }
        // As Docker: --subnet and --gateway may each be given once per address family.
        let subnets4 = subnet.filter { !$0.contains(":") }
        let subnets6 = subnet.filter { $0.contains(":") }
        let gateways4 = gateway.filter { !$0.contains(":") }
        let gateways6 = gateway.filter { $0.contains(":") }
        for (list, what) in [
            (subnets4, "IPv4 --subnet"), (subnets6, "IPv6 --subnet"), (gateways4, "IPv4 --gateway"),
            (gateways6, "IPv6 --gateway"),
        ] where list.count > 1 {
            throw ValidationError("\(what) given \(list.count) times: a skiff network has one subnet per family")
        }
        var aux: [String: String] = [:]
        for a in auxAddress {
            let kv = a.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                throw ValidationError("--aux-address \(a): expected NAME=IP, e.g. router=10.90.0.2")
            }
            aux[kv[0]] = kv[1]
        }
        guard ipamDriver == "default" else {
            throw ValidationError("--ipam-driver \(ipamDriver): only the default IPAM driver exists")
        }
        var ipamOptions: [String: String] = [:]
        for o in ipamOpt {
            let kv = o.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else {
                throw ValidationError("--ipam-opt \(o): expected KEY=VALUE")
            }
            ipamOptions[kv[0]] = kv[1]
        }
        let n = try SkiffContext.engine().createNetwork(
            name: name, subnet: subnets4.first, gateway: gateways4.first, ipRange: ipRange,
            bridgeOptions: options, isInternal: `internal`, labels: labels, ipv6: ipv6, subnet6: subnets6.first,
            gateway6: gateways6.first, auxAddresses: aux, ipamOptions: ipamOptions, ipv4: ipv4, attachable: attachable)
        print(n.id)
    }
}

struct NetworkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.", aliases: ["list"])
    @Flag(name: [.customShort("q"), .long], help: "Only IDs.") var quiet = false
    @Option(
        name: [.customShort("f"), .long],
        help: "Filter: driver=, id=, label=KEY[=VALUE], name=, scope=local, type=custom|builtin, dangling=true|false.")
    var filter: [String] = []
    @Flag(name: .customLong("no-trunc"), help: "Show the whole network ID.") var noTrunc = false
    @Option(
        name: .long,
        help:
            "table (default), json, or a Go template: {{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Labels}} {{.CreatedAt}} {{.Subnet}} ('table …' for a table)."
    ) var format: String?

    func run() throws {
        let filters = try NetworkListFilter(parsing: filter)
        let engine = SkiffContext.engine()
        let nets = try engine.listNetworks().filter { n in
            filters.matches(
                .init(
                    id: n.id, name: n.name, driver: n.driver, labels: n.labels, builtin: n.isDefault,
                    inUse: engine.networkInUse(n.name)))
        }
        var rows: [[String: Any]] = nets.map { n in
            [
                "ID": noTrunc ? n.id : String(n.id.prefix(12)), "Name": n.name, "Driver": n.driver, "Scope": "local",
                "IPv4": n.enableIPv4 ? "true" : "false",
                "IPv6": n.enableIPv6 ? "true" : "false", "Internal": n.isInternal ? "true" : "false",
                "CreatedAt": Timestamp.parse(n.created).map(Timestamp.goString) ?? n.created,
                "Labels": n.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                "Subnet": (n.subnet?.description ?? n.subnet6?.description) ?? "",
            ]
        }
        for (name, driver) in [("host", "host"), ("none", "null")]
        where filters.matches(.init(id: name, name: name, driver: driver, labels: [:], builtin: true, inUse: false)) {
            rows.append([
                "ID": name, "Name": name, "Driver": driver, "Scope": "local", "IPv4": "false", "IPv6": "false",
                "Internal": "false", "CreatedAt": "", "Labels": "", "Subnet": "",
            ])
        }
        if quiet {
            for r in rows where r["Name"] as? String != "host" && r["Name"] as? String != "none" { print(r["ID"]!) }
            return
        }
        let output = try ListFormat(
            format, defaultTable: "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
            headers: [
                "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
                "IPv4": "IPV4", "IPv6": "IPV6", "Internal": "INTERNAL", "CreatedAt": "CREATED AT",
                "Labels": "LABELS", "Subnet": "SUBNET",
            ])
        try output.print(rows)
    }
}

struct NetworkInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show networks as JSON (Docker's shape).")
    @Option(name: [.customShort("f"), .long], help: "Format each network with a template, e.g. '{{.IPAM.Options}}'.")
    var format: String?
    @Flag(
        name: [.customShort("v"), .long],
        help: "Verbose output for diagnostics (a swarm network's services: a local network has nothing more).")
    var verbose = false
    @Argument(help: "Network names or IDs.") var networks: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        let template = try format.map { try FormatTemplate($0) }
        var all: [Engine.NetworkInspect] = []
        for n in networks { all.append(try engine.inspectNetwork(n)) }
        if let template {
            for n in all { print(try template.render(FormatTemplate.tree(n))) }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(all), as: UTF8.self))
    }
}

struct NetworkRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove networks no container uses.", aliases: ["remove"])
    @Flag(name: [.customShort("f"), .long], help: "Do not error if the network does not exist.") var force = false
    @Argument(help: "Network names or IDs.") var networks: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        var failed = false
        for n in networks {
            do { try engine.removeNetwork(n); print(n) } catch KitError.notFound(_) where force {
                continue
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct NetworkConnect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Connect a container to a network (now if it runs, else at its next start).")
    @Option(name: .customLong("alias"), help: "Another name for the container on this network.") var alias: [String] =
        []
    @Option(name: .customLong("ip"), help: "IPv4 address on this network.") var ip: String?
    @Option(name: .customLong("ip6"), help: "IPv6 address on this network (it must have IPv6).") var ip6: String?
    @Option(name: .customLong("link-local-ip"), help: "A link-local address for the container's interface.")
    var linkLocalIP: [String] = []
    @Option(
        name: .customLong("driver-opt"),
        help:
            "Endpoint option: com.docker.network.endpoint.ifname=NAME, com.docker.network.endpoint.sysctls=net.X.Y.IFNAME.Z=V,…"
    ) var driverOpt: [String] = []
    @Option(name: .customLong("link"), help: "Add a link to another container (NAME or NAME:ALIAS).") var link:
        [String] = []
    @Argument(help: "The network.") var network: String
    @Argument(help: "The container.") var container: String

    func run() throws {
        var endpoint = EndpointOptions()
        for a in linkLocalIP {
            switch EndpointOptions.linkLocal(a) {
            case .success(let text): endpoint.linkLocalIPs.append(text)
            case .failure(let e): throw ValidationError("--link-local-ip \(a): \(e.reason)")
            }
        }
        for o in driverOpt {
            let kv = o.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty else { throw ValidationError("--driver-opt \(o): expected KEY=VALUE") }
            if let why = endpoint.apply(driverOption: kv[0], value: kv[1]) {
                throw ValidationError("--driver-opt \(o): \(why)")
            }
        }
        try SkiffContext.engine().connectNetwork(
            network: network, container: container, aliases: alias, ip: ip, ip6: ip6, endpoint: endpoint,
            links: link)
    }
}

struct NetworkDisconnect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disconnect", abstract: "Disconnect a container from a network.")
    @Flag(name: [.customShort("f"), .long], help: "Accepted for docker compatibility.") var force = false
    @Argument(help: "The network.") var network: String
    @Argument(help: "The container.") var container: String

    func run() throws {
        try SkiffContext.engine().disconnectNetwork(network: network, container: container, force: force)
    }
}

struct NetworkPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove user networks no container uses, and take the idle default bridge down."
    )
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Option(name: .long, help: "Only what matches: until=TIME (e.g. 24h), label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    func run() throws {
        let filters = try PruneFilter(parsing: filter, now: Timestamp.nowSeconds())
        guard force || Confirmation.ask("This will remove all custom networks not used by at least one container.")
        else { return }
        let removed = try SkiffContext.engine().pruneNetworks(filter: filters)
        if !removed.isEmpty { print("Deleted Networks:\n" + removed.joined(separator: "\n")) }
    }
}

/// `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports, Docker's lines.
struct ContainerPort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port", abstract: "List a container's published ports.")
    @Argument(help: "The container.") var container: String
    @Argument(help: "Only this container port (e.g. 80 or 53/udp).") var privatePort: String?

    func run() throws {
        let ports = try SkiffContext.engine().publishedPorts(container)
        if let privatePort {
            let parts = privatePort.split(separator: "/")
            let port = UInt16(parts.first ?? "") ?? 0
            let proto = parts.count > 1 ? String(parts[1]) : "tcp"
            let matches = ports.filter { $0.containerPort == port && $0.proto == proto }
            guard !matches.isEmpty else {
                throw ValidationError("no public port '\(privatePort)' published for \(container)")
            }
            for m in matches { print("\(m.hostAddress):\(m.hostPort)") }
            return
        }
        for p in ports { print(p) }
    }
}
