import Foundation
import SkiffExplain
import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff network create/ls/inspect/rm/connect/disconnect/prune`, as Docker has them.
extension Engine {
    /// `network create`: a user-defined bridge network with its own subnet (given, or the next free
    /// 172.18-31.x.0/16 or 192.168.x.0/20 that no host route uses) and DNS among its containers.
    public func createNetwork(
        name: String, subnet: String? = nil, gateway: String? = nil, ipRange: String? = nil,
        bridgeOptions: NetworkBridgeOptions = NetworkBridgeOptions(), isInternal: Bool = false,
        labels: [String: String] = [:], ipv6: Bool = false, subnet6: String? = nil, gateway6: String? = nil,
        auxAddresses: [String: String] = [:], ipamOptions: [String: String] = [:], ipv4: Bool = true,
        attachable: Bool = false
    ) throws(KitError) -> NetworkConfig {
        guard Self.isValidName(name) else {
            throw .usage("invalid network name \"\(name)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        if ["bridge", "host", "none", "default"].contains(name) {
            throw .usage("network name \(name) is reserved (it is a predefined network)")
        }
        // Docker 28's `--ipv4=false`: an IPv6-only network, which needs IPv6 and takes no IPv4 settings.
        if !ipv4 {
            guard ipv6 else { throw .usage("--ipv4=false needs --ipv6: a network must have IPv4 or IPv6") }
            for (value, flag) in [(subnet, "--subnet"), (gateway, "--gateway"), (ipRange, "--ip-range")] {
                if let value { throw .usage("\(flag) \(value) is IPv4, and the network has no IPv4 (--ipv4=false)") }
            }
            if bridgeOptions.hostBindingIPv4 != nil {
                throw .usage(
                    "-o com.docker.network.bridge.host_binding_ipv4 needs IPv4, and the network has none (--ipv4=false)"
                )
            }
        }
        var s: IPv4Subnet?
        if let subnet {
            guard let parsed = IPv4Subnet(subnet) else {
                throw .usage("--subnet \(subnet): expected an IPv4 subnet such as 10.90.0.0/24 (/8 to /30)")
            }
            s = parsed
        }
        var g: IPv4Address?
        if let gateway {
            guard let parsed = IPv4Address(gateway) else { throw .usage("--gateway \(gateway): not an IPv4 address") }
            guard s != nil else { throw .usage("--gateway needs --subnet") }
            g = parsed
        }
        var range: IPv4Subnet?
        if let ipRange {
            guard let parsed = IPv4Subnet(ipRange) else {
                throw .usage("--ip-range \(ipRange): expected an IPv4 range in CIDR form such as 10.90.0.128/25")
            }
            guard let s, s.contains(parsed.network), parsed.prefix >= s.prefix else {
                throw .usage("--ip-range \(ipRange): must lie inside --subnet" + (s.map { " \($0)" } ?? ""))
            }
            range = parsed
        }
        var s6: IPv6Subnet?
        if let subnet6 {
            guard let parsed = IPv6Subnet(subnet6) else {
                throw .usage("--subnet \(subnet6): expected an IPv6 subnet such as fd00:1::/64 (/16 to /124)")
            }
            guard ipv6 else { throw .usage("--subnet \(subnet6) is an IPv6 subnet: enable IPv6 with --ipv6") }
            s6 = parsed
        }
        var g6: IPv6Address?
        if let gateway6 {
            guard let parsed = IPv6Address(gateway6) else { throw .usage("--gateway \(gateway6): not an IPv6 address") }
            guard let s6 else { throw .usage("--gateway \(gateway6) needs an IPv6 --subnet") }
            guard s6.contains(parsed), parsed != s6.network else {
                throw .usage("--gateway \(gateway6) is not a host address of \(s6)")
            }
            g6 = parsed
        }
        // Docker's IPAM: an aux address must lie in a subnet given for its family; it is never handed out.
        var aux: [String: String] = [:]
        for (key, text) in auxAddresses {
            if text.contains(":") {
                guard let a = IPv6Address(text) else { throw .usage("--aux-address \(key)=\(text): not an IP address") }
                guard let s6, s6.contains(a) else {
                    throw .usage("--aux-address \(key)=\(text): no matching subnet for aux-address \(text)")
                }
                aux[key] = a.description
            } else {
                guard let a = IPv4Address(text) else { throw .usage("--aux-address \(key)=\(text): not an IP address") }
                guard let s, s.contains(a) else {
                    throw .usage("--aux-address \(key)=\(text): no matching subnet for aux-address \(text)")
                }
                aux[key] = a.description
            }
        }
        let lock = try networks.lock()
        defer { lock.unlock() }
        var config = try networks.create(
            name: name, subnet: s, gateway: g, isInternal: isInternal, labels: labels, ipv4: ipv4)
        if ipv6 {
            do { config = try networks.enableIPv6(config, subnet: s6, gateway: g6) } catch {
                networks.removeRecord(config)
                throw error
            }
        }
        if range != nil || bridgeOptions != NetworkBridgeOptions() || !aux.isEmpty || !ipamOptions.isEmpty || attachable
        {
            config.attachable = attachable ? true : nil
            config.ipRange = range
            config.auxAddresses = aux.isEmpty ? nil : aux
            config.ipamOptions = ipamOptions.isEmpty ? nil : ipamOptions
            config.bridgeOptions = bridgeOptions == NetworkBridgeOptions() ? nil : bridgeOptions
            try networks.save(config)
        }
        logger.explain(
            .networkCreated(
                name: config.name, bridge: config.bridge,
                subnet: (config.subnet?.description ?? config.subnet6?.description) ?? "",
                gateway: (config.gateway?.description ?? config.gateway6?.description) ?? ""))
        events.record(network: config.id, name: config.name, "create")
        return config
    }

    /// Every network of this root; the default one is made on first use (so it is always listed).
    public func listNetworks() throws(KitError) -> [NetworkConfig] {
        _ = try defaultOrExisting(NetworkConfig.defaultName)
        return networks.all()
    }

    /// A container is on the network `name` (or holds an address there).
    public func networkInUse(_ name: String) -> Bool {
        !containersUsing(name).isEmpty || !networks.leases(name).isEmpty
    }

    /// The network called (or with the ID prefix) `nameOrID`; `bridge` is made on first use.
    public func network(_ nameOrID: String) throws(KitError) -> NetworkConfig {
        if nameOrID == NetworkConfig.defaultName { return try defaultOrExisting(nameOrID) }
        guard let n = networks.find(nameOrID) else { throw .notFound("network \(nameOrID) not found") }
        return n
    }

    /// Containers (records) that name a network in their request.
    func containersUsing(_ network: String) -> [Container] {
        containers.all().filter { c in networkRequest(c.id)?.attachments.contains { $0.network == network } == true }
    }

    /// `network rm`: refused while a container uses it; takes its bridge and firewall rules down.
    public func removeNetwork(_ nameOrID: String) throws(KitError) {
        let n = try network(nameOrID)
        if n.isDefault { throw .usage("bridge is a pre-defined network and cannot be removed") }
        let lock = try networks.lock()
        defer { lock.unlock() }
        let active = networks.leases(n.name)
        if !active.isEmpty {
            throw .usage(
                "error while removing network: network \(n.name) id \(n.id) has active endpoints (\(active.map(\.name).joined(separator: ", ")))"
            )
        }
        let users = containersUsing(n.name)
        if !users.isEmpty {
            throw .usage(
                "network \(n.name) is used by container(s) \(users.map(\.name).joined(separator: ", ")); remove them or disconnect them first"
            )
        }
        if HostNetwork.linkExists(n.bridge) { try HostNetwork.ip(["link del \(n.bridge)"]) }
        releaseIPv6Forwarding()
        networks.removeRecord(n)
        events.record(network: n.id, name: n.name, "destroy")
        try writeFirewall()
    }

    /// Remove user networks no container uses, and the default network while no container names it
    /// (its bridge, its subnet claim, and with the last bridge the nftables table); it is made again,
    /// with a subnet chosen afresh, at the next run on it.
    /// Returns the names of the networks removed.
    public func pruneNetworks(filter: PruneFilter = PruneFilter()) throws(KitError) -> [String] {
        var removed: [String] = []
        for n in networks.all() where !n.isDefault && filter.matches(created: n.created, labels: n.labels) {
            if containersUsing(n.name).isEmpty && networks.leases(n.name).isEmpty {
                if (try? removeNetwork(n.name)) != nil { removed.append(n.name) }
            }
        }
        let lock = try networks.lock()
        defer { lock.unlock() }
        try releaseIdleBridgesLocked()
        if let d = networks.load(NetworkConfig.defaultName), containersUsing(d.name).isEmpty,
            networks.leases(d.name).isEmpty
        {
            networks.removeRecord(d)
        }
        return removed
    }

    /// Attach a container to another network (at once when it runs; otherwise at its next start).
    public func connectNetwork(
        network nameOrID: String, container nameOrID2: String, aliases: [String] = [], ip: String? = nil,
        mac: String? = nil, ip6: String? = nil, endpoint: EndpointOptions = EndpointOptions(), links: [String] = []
    ) throws(KitError) {
        let n = try network(nameOrID)
        let c = try container(nameOrID2)
        if n.isDefault && !links.isEmpty { throw .usage("links are only supported for user-defined networks") }
        let newLinks = try checkedLinks(links) ?? []
        guard var request = networkRequest(c.id), request.mode != "container" else {
            throw .usage(
                "container \(c.name) has no bridge network to extend (its network mode is none, host or container:)")
        }
        if request.attachments.contains(where: { $0.network == n.name }) {
            throw .usage("endpoint with name \(c.name) already exists in network \(n.name)")
        }
        if n.isDefault && !aliases.isEmpty {
            throw .usage("network-scoped aliases are supported only for user-defined networks")
        }
        if let ip, IPv4Address(ip) == nil { throw .usage("--ip \(ip): not an IPv4 address") }
        let mac = try mac.map { m throws(KitError) in try MACAddress.parse(m, origin: "mac_address") }
        let ip6 = try Self.checkedIPv6(ip6, on: n, flag: "--ip6")
        var attachment = ContainerNetworkRequest.Attachment(network: n.name, aliases: aliases, ip: ip, mac: mac)
        attachment.ip6 = ip6
        attachment.endpoint = endpoint.isEmpty ? nil : endpoint
        // The names of all its networks' interfaces must stay apart (checked again at each start).
        if case .failure(let e) = EndpointOptions.interfaceNames(
            (request.attachments + [attachment]).map { $0.endpoint?.interfaceName })
        {
            throw .usage(e.reason)
        }
        if c.status == .running && FileIO.exists(networks.netnsPath(c.id)) {
            let lock = try networks.lock()
            defer { lock.unlock() }
            let present = containerAddresses(c.id).map(\.lease)
            let name: String
            switch EndpointOptions.interfaceNames(
                [endpoint.interfaceName], taken: Set(present.map(\.interface)), first: present.count)
            {
            case .success(let n): name = n[0]
            case .failure(let e): throw .usage(e.reason)
            }
            var explained: [ExplainEvent.Step] = []
            let steps = try attachLocked(
                id: c.id, record: c, attachment: attachment, interface: present.count, name: name,
                ports: [], mtu: HostNetwork.uplinkMTU(), explained: &explained)
            do {
                try steps.run(netns: networks.netnsPath(c.id))
                for step in explained { logger.explain(step) }
                try writeFirewall()
            } catch {
                if let l = networks.leases(n.name).first(where: { $0.containerID == c.id }) {
                    try? HostNetwork.ip(["link del \(l.veth)"])
                    networks.release(n.name, lease: l)
                    if let a = l.ip6 { networks.release6(n.name, ip: a) }
                }
                throw error
            }
            refreshHosts(networks: [n.name], also: c.id)
        }
        let hadUserNetwork = request.attachments.contains { $0.network != NetworkConfig.defaultName }
        request.attachments.append(attachment)
        if !newLinks.isEmpty {
            let kept = (request.links ?? []).filter { l in !newLinks.contains { $0.alias == l.alias } }
            request.links = kept + newLinks
        }
        try saveNetworkRequest(c.id, request)
        // The hosts file was written before the request held the new links: once more, with them.
        if !newLinks.isEmpty && c.status == .running { refreshHosts(networks: [], also: c.id) }
        // A running container's first user-defined network brings the embedded DNS server, as Docker's
        // resolver starts when such an endpoint joins: its resolv.conf names it (unless the user edited
        // the file) and the relay serves it.
        if c.status == .running && !n.isDefault && !hadUserNetwork, try refreshResolvConf(c) {
            try restartLoopbackProxy(id: c.id)
        }
        events.record(network: n.id, name: n.name, "connect", ["container": c.id])
    }

    /// `network disconnect`: take a container off a network (its interface removed if it runs).
    public func disconnectNetwork(network nameOrID: String, container nameOrID2: String, force: Bool = false)
        throws(KitError)
    {
        let n = try network(nameOrID)
        let c = try container(nameOrID2)
        guard var request = networkRequest(c.id),
            let i = request.attachments.firstIndex(where: { $0.network == n.name })
        else {
            throw .usage("container \(c.name) is not connected to network \(n.name)")
        }
        let lock = try networks.lock()
        defer { lock.unlock() }
        var droppedPorts = false
        if let l = networks.leases(n.name).first(where: { $0.containerID == c.id }) {
            droppedPorts = !l.ports.isEmpty
            try? HostNetwork.ip(["link del \(l.veth)"])
            for p in l.ports { networks.releasePort(p, id: c.id) }
            networks.release(n.name, lease: l)
            if let a = l.ip6 { networks.release6(n.name, ip: a) }
            try writeFirewall()
            refreshHosts(networks: [n.name], also: c.id)
            if l.ip6 != nil, NamespaceIPv6.kernelHasIPv6, FileIO.exists(networks.netnsPath(c.id)) {
                let stillIPv6 = networks.all().contains { other in
                    networks.leases(other.name).contains { $0.containerID == c.id && $0.ip6 != nil }
                }
                try? HostNetwork.writeSysctls(
                    [NamespaceIPv6.loopback(on: stillIPv6)], netns: networks.netnsPath(c.id))
            }
        }
        request.attachments.remove(at: i)
        try saveNetworkRequest(c.id, request)
        // Its relay drops the ports published on that network and goes on serving the embedded DNS.
        if droppedPorts { try restartLoopbackProxy(id: c.id) }
        events.record(network: n.id, name: n.name, "disconnect", ["container": c.id])
    }

    /// A fixed IPv6 address (`--ip6`, compose's `ipv6_address`): an IPv6 address, on a network with
    /// IPv6, inside its subnet; nil when none is given.
    static func checkedIPv6(_ text: String?, on n: NetworkConfig, flag: String) throws(KitError) -> String? {
        guard let text else { return nil }
        guard let a = IPv6Address(text), !text.contains(".") || text.contains(":") else {
            throw .usage("\(flag) \(text): not an IPv6 address")
        }
        guard let s6 = n.subnet6 else {
            throw .usage(
                "\(flag) \(text): user specified IP address is supported only when connecting to networks with user configured subnets; network \(n.name) has no IPv6 (create it with --ipv6)"
            )
        }
        guard s6.contains(a), a != s6.network, a != n.gateway6 else {
            throw .usage("\(flag) \(text): not a free host address of network \(n.name) (\(s6))")
        }
        return a.description
    }

    // MARK: inspect

    /// Docker's `network inspect` shape.
    package struct NetworkInspect: Codable, Sendable {
        package struct IPAMConfig: Codable, Sendable {
            package var Subnet: String
            package var Gateway: String
            package var IPRange: String? = nil
            package var AuxiliaryAddresses: [String: String]? = nil
        }
        package struct IPAM: Codable, Sendable {
            package var Driver: String
            /// The IPAM driver's options: {} on a user network without any, null on the default one (as Docker).
            package var Options: [String: String]?
            package var Config: [IPAMConfig]

            enum CodingKeys: String, CodingKey { case Driver, Options, Config }
            package func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(Driver, forKey: .Driver)
                try c.encode(Options, forKey: .Options)
                try c.encode(Config, forKey: .Config)
            }
        }
        package struct Endpoint: Codable, Sendable {
            package var Name: String
            /// The same ID as the container's inspect shows for this endpoint.
            package var EndpointID: String
            package var MacAddress: String
            package var IPv4Address: String
            package var IPv6Address: String
            package var Aliases: [String]
        }
        package var Name: String
        package var Id: String
        package var Created: String
        package var Scope: String
        package var Driver: String
        package var IPAM: IPAM
        package var EnableIPv4: Bool
        package var EnableIPv6: Bool
        package var Internal: Bool
        package var Attachable: Bool
        package var Containers: [String: Endpoint]
        package var Options: [String: String]
        package var Labels: [String: String]
    }

    package func inspectNetwork(_ nameOrID: String) throws(KitError) -> NetworkInspect {
        let n = try network(nameOrID)
        var endpoints: [String: NetworkInspect.Endpoint] = [:]
        for l in networks.leases(n.name) {
            endpoints[l.containerID] = .init(
                Name: l.name, EndpointID: Digest.of(Array("endpoint/\(l.containerID)/\(n.id)/\(l.key)".utf8)).hex,
                MacAddress: l.mac ?? Self.macAddress(l),
                IPv4Address: l.ip.map { "\($0)/\(n.subnet?.prefix ?? 32)" } ?? "",
                IPv6Address: l.ip6.map { "\($0)/\(n.subnet6?.prefix ?? 64)" } ?? "", Aliases: l.aliases)
        }
        func aux(_ v6: Bool) -> [String: String]? {
            let m = (n.auxAddresses ?? [:]).filter { $0.value.contains(":") == v6 }
            return m.isEmpty ? nil : m
        }
        var ipam: [NetworkInspect.IPAMConfig] = []
        if let s = n.subnet, let g = n.gateway {
            ipam.append(
                .init(
                    Subnet: s.description, Gateway: g.description, IPRange: n.ipRange?.description,
                    AuxiliaryAddresses: aux(false)))
        }
        if let s6 = n.subnet6, let g6 = n.gateway6 {
            ipam.append(.init(Subnet: s6.description, Gateway: g6.description, AuxiliaryAddresses: aux(true)))
        }
        return NetworkInspect(
            Name: n.name, Id: n.id, Created: n.created, Scope: "local", Driver: n.driver,
            IPAM: .init(Driver: "default", Options: n.isDefault ? nil : n.ipamOptions ?? [:], Config: ipam),
            EnableIPv4: n.enableIPv4, EnableIPv6: n.enableIPv6,
            Internal: n.isInternal, Attachable: n.attachable ?? false, Containers: endpoints,
            Options: ["com.docker.network.bridge.name": n.bridge], Labels: n.labels)
    }
}
