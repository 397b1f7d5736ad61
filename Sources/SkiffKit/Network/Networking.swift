import Foundation
import SkiffExplain
import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Container networking, Docker's bridge driver without a daemon:
///
/// - at create, `prepareNetwork` records what the container asked for (`network.json`) and points the
///   spec's network namespace at `<root>/netns/<id>`;
/// - at every start (`skiff run`, `start`, a restart by the monitor) `setUpNetwork` makes that namespace,
///   claims the host ports, takes an address per network, makes the veth pair (host end `skf…` on the
///   bridge, `eth0` inside), writes the nftables table, and rewrites /etc/hosts of the containers on the
///   same user network (in place: the file is bind-mounted, the inode must stay);
/// - at every stop, `rm` and crash repair `tearDownNetwork` undoes the container's part: its addresses,
///   port claims and namespace (the kernel removes the veth pair with the namespace).
///
/// Bridges and the nftables table stay while the root lives, as docker0 does: making a bridge costs
/// ~40 ms and deleting one ~60 ms, which a container start must not pay. `network rm` and `network prune`
/// (see `releaseIdleBridgesLocked`) take them down.
extension Engine {
    package var networks: NetworkStore { NetworkStore(stateRoot: root) }

    func networkRequestPath(_ id: String) -> String { containers.directory(of: id) + "/network.json" }

    package func networkRequest(_ id: String) -> ContainerNetworkRequest? {
        guard let bytes = try? FileIO.read(networkRequestPath(id)) else { return nil }
        return try? RecentRecords.decode(ContainerNetworkRequest.self, from: bytes)
    }

    /// Whether the container's network.json may hold `--link`s, read without decoding it: a file that
    /// does not name the key has none. A start on the default bridge decoded every other container's
    /// request only to learn that (4.5% of a start's CPU with 250 containers on the bridge).
    func requestMayLink(_ id: String) -> Bool {
        guard let bytes = try? FileIO.read(networkRequestPath(id)) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("\"links\"")
    }

    /// Made before the first network request that names `--link`s is saved: without it no container of
    /// this root links to another, and a start on the default bridge rewrites no other /etc/hosts.
    var linksMarker: String { networks.root + "/.links" }
    /// Made once a root from before `linksMarker` was looked through for requests naming links.
    var linksLookedThrough: String { networks.root + "/.links-looked-through" }

    /// Whether any container of this root may link to another (`--link` on the default bridge).
    func anyContainerMayLink() -> Bool {
        if FileIO.exists(linksMarker) { return true }
        if FileIO.exists(linksLookedThrough) { return false }
        let found = FileIO.visibleEntries(containers.root).contains { requestMayLink($0) }
        if found { try? FileIO.create(linksMarker, contents: []) }
        try? FileIO.create(linksLookedThrough, contents: [])
        return found
    }

    func saveNetworkRequest(_ id: String, _ r: ContainerNetworkRequest) throws(KitError) {
        if !(r.links ?? []).isEmpty && !FileIO.exists(linksMarker) {
            do {
                try FileIO.makeDirectories(networks.root, mode: 0o700)
                try FileIO.create(linksMarker, contents: [])
            } catch { throw .system(error) }
        }
        do { try FileIO.writeAtomically(networkRequestPath(id), contents: try KitJSON.encode(r)) } catch let e
            as SystemError
        {
            throw .system(e)
        } catch { throw .network("cannot write \(networkRequestPath(id)): \(error)") }
    }

    // MARK: create

    /// Record the container's network request, join the spec to its namespace, and write resolv.conf.
    func prepareNetwork(_ spec: inout Spec, id: String, options: RunOptions, exposedPorts: [String], host: HostFiles)
        throws(KitError)
    {
        var ports: [PortMapping] = []
        for p in options.publish { ports += try PortMapping.parse(p) }
        if options.publishAll {
            for key in exposedPorts.sorted() {
                let parts = key.split(separator: "/")
                guard let port = parts.first.flatMap({ UInt16($0) }) else { continue }
                let proto = parts.count > 1 ? String(parts[1]) : "tcp"
                if !ports.contains(where: { $0.containerPort == port && $0.proto == proto }) {
                    ports.append(PortMapping(hostPort: 0, containerPort: port, proto: proto))
                }
            }
        }
        let dir = containers.directory(of: id)
        var networkName: String
        if !options.extraNetworks.isEmpty, !isUserNetwork(options.network) {
            throw .usage("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
        }
        switch options.network {
        case .none, .host:
            if !ports.isEmpty {
                FileHandleStderrShim.warn(
                    "WARNING: Published ports are discarded when using \(options.network == .host ? "host" : "none") network mode"
                )
            }
            if !options.networkAliases.isEmpty || options.ip != nil || options.ip6 != nil || !options.endpoint.isEmpty {
                throw .usage(
                    "--network-alias, --ip, --ip6, --link-local-ip and driver options need a bridge or user-defined network"
                )
            }
            if options.macAddress != nil { throw .usage("conflicting options: --mac-address and the network mode") }
            if !options.links.isEmpty { throw .usage("conflicting options: --link and the network mode") }
            return
        case .container(let other):
            if options.macAddress != nil { throw .usage("conflicting options: --mac-address and the network mode") }
            if !options.endpoint.isEmpty {
                throw .usage("conflicting options: --link-local-ip and driver options need a network of its own")
            }
            if !options.links.isEmpty {
                throw .usage("conflicting options: container type network can't be used with links")
            }
            let target = try container(other)
            guard target.status == .running else {
                throw .usage("cannot join the network of container \(target.name): it is not running")
            }
            setNetworkNamespace(&spec, path: try donorNetworkPath(target))
            if !ports.isEmpty { throw .usage("conflicting options: port publishing and the container network mode") }
            let tdir = containers.directory(of: target.id)
            for f in ["hosts", "resolv.conf", "hostname"] {
                if let bytes = try? FileIO.read(tdir + "/" + f) { try? FileIO.create(dir + "/" + f, contents: bytes) }
            }
            try saveNetworkRequest(
                id,
                ContainerNetworkRequest(
                    mode: "container", attachments: [], ports: [], publishAll: false,
                    container: target.id))
            return
        case .bridge: networkName = NetworkConfig.defaultName
        case .named(let n):
            guard let found = networks.find(n) else { throw .notFound("network \(n) not found (skiff network ls)") }
            networkName = found.name
        }
        if networkName == NetworkConfig.defaultName && !options.networkAliases.isEmpty {
            throw .usage("network-scoped aliases are supported only for user-defined networks")
        }
        var requestedIP: String?
        if let ip = options.ip {
            guard let a = IPv4Address(ip) else { throw .usage("--ip \(ip): not an IPv4 address") }
            if networkName == NetworkConfig.defaultName && getenv("SKIFF_ALLOW_BRIDGE_IP") == nil {
                throw .usage("user specified IP address is supported on user defined networks only")
            }
            requestedIP = a.description
        }
        let config = try defaultOrExisting(networkName)
        if let requestedIP, !config.enableIPv4 {
            throw .usage("--ip \(requestedIP): network \(config.name) has no IPv4 (it is IPv6-only); use --ip6")
        }
        let requestedIP6 = try Self.checkedIPv6(options.ip6, on: config, flag: "--ip6")
        if let binding = config.bridgeOptions?.hostBindingIPv4 {
            ports = ports.map { p in
                var p = p; if p.hostIP.isEmpty { p.hostIP = binding }; return p
            }
        }
        let mac = try options.macAddress.map { m throws(KitError) in try MACAddress.parse(m, origin: "--mac-address") }
        var request = ContainerNetworkRequest(
            mode: networkName == NetworkConfig.defaultName ? "bridge" : "user",
            attachments: [
                .init(
                    network: networkName, aliases: options.networkAliases, ip: requestedIP, mac: mac, ip6: requestedIP6,
                    endpoint: options.endpoint.isEmpty ? nil : options.endpoint)
            ],
            ports: ports, publishAll: options.publishAll, container: nil)
        for extra in options.extraNetworks {
            request.attachments.append(try extraAttachment(extra))
        }
        if request.attachments.count > 1 {
            if case .failure(let e) = EndpointOptions.interfaceNames(
                request.attachments.map { $0.endpoint?.interfaceName })
            {
                throw .usage(e.reason)
            }
        }
        request.links = try checkedLinks(options.links)
        try saveNetworkRequest(id, request)
        setNetworkNamespace(&spec, path: networks.netnsPath(id))
        let hostResolv = (try? FileIO.readString(host.resolvConf)) ?? ""
        // On a user-defined network the embedded DNS server answers, as Docker's does (IPv4, dual-stack
        // or IPv6-only); the default bridge keeps the host's servers (or the gateway's DNAT to a
        // loopback resolver), as docker0 has no embedded server.
        let (resolv, forwarded) =
            config.isDefault
            ? HostNetwork.containerResolvConf(hostText: hostResolv, gateway: config.gateway)
            : (HostNetwork.embeddedResolvConf(hostText: hostResolv), Self.upstreamsText(hostResolv))
        do { try FileIO.create(dir + "/resolv.conf", contents: Array(resolv.utf8)) } catch { throw .system(error) }
        if logger.isExplaining {
            let servers = resolv.split(separator: "\n").filter { $0.hasPrefix("nameserver") }
                .compactMap {
                    $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
                }
            logger.explain(.dns(nameservers: servers, forwardedTo: forwarded))
        }
    }

    /// The servers the embedded DNS server forwards to, for `--explain`.
    static func upstreamsText(_ hostResolv: String) -> String? {
        let servers = HostNetwork.embeddedUpstreams(hostText: hostResolv)
        return servers.isEmpty ? nil : servers.joined(separator: ", ")
    }

    func isUserNetwork(_ mode: RunOptions.NetworkMode) -> Bool {
        if case .named = mode { return true }
        return false
    }

    /// A second or later `--network`: a user-defined network and its settings, checked as the first's are.
    func extraAttachment(_ f: NetworkAttachmentFlag) throws(KitError) -> ContainerNetworkRequest.Attachment {
        guard let found = networks.find(f.name) else {
            throw .notFound("network \(f.name) not found (skiff network ls)")
        }
        var ip: String?
        if let text = f.ip {
            guard let a = IPv4Address(text) else {
                throw .usage("--network \(f.name): ip=\(text): not an IPv4 address")
            }
            ip = a.description
        }
        let ip6 = try Self.checkedIPv6(f.ip6, on: found, flag: "--network \(f.name): ip6=")
        let mac = try f.macAddress.map { m throws(KitError) in
            try MACAddress.parse(m, origin: "--network \(f.name): mac-address=")
        }
        var endpoint = EndpointOptions()
        try f.endpoint(into: &endpoint)
        return .init(
            network: found.name, aliases: f.aliases, ip: ip, mac: mac, ip6: ip6,
            endpoint: endpoint.isEmpty ? nil : endpoint)
    }

    /// The network namespace a `--network container:NAME` joiner enters: the donor's namespace file
    /// (bridge and user networks), or its process's namespace (none, host), which is a new one after each
    /// of its restarts.
    func donorNetworkPath(_ donor: Container) throws(KitError) -> String {
        if FileIO.exists(networks.netnsPath(donor.id)) { return networks.netnsPath(donor.id) }
        guard let pid = donor.pid else {
            throw .usage("cannot join the network of container \(donor.name): its process is unknown")
        }
        return "/proc/\(pid)/ns/net"
    }

    /// At every start of a joiner, point it at its donor's namespace again, as Docker looks the donor up
    /// at each start: a donor restarted since has a new process, and without its own namespace file a
    /// new namespace.
    func joinDonorNetwork(id: String, donor: String?) throws(KitError) {
        guard let donor else { return }
        let target: Container
        do { target = try container(donor) } catch {
            throw .notFound("cannot join network of a non running container: \(donor): no such container")
        }
        guard target.status == .running, processAlive(target) else {
            throw .usage("cannot join network of a non running container: \(target.name)")
        }
        let path = try donorNetworkPath(target)
        let dir = containers.directory(of: id)
        do {
            var spec = try SpecFile.load(bundle: dir)
            guard spec.linux?.namespaces?.first(where: { $0.type == "network" })?.path != path else { return }
            setNetworkNamespace(&spec, path: path)
            try SpecFile.write(spec, bundle: dir)
        } catch { throw .runtime(error) }
    }

    func setNetworkNamespace(_ spec: inout Spec, path: String) {
        var namespaces = spec.linux?.namespaces ?? []
        namespaces.removeAll { $0.type == "network" }
        namespaces.append(LinuxNamespace(type: "network", path: path))
        spec.linux?.namespaces = namespaces
    }

    /// The default network's record, made on first use; or a user network's.
    func defaultOrExisting(_ name: String) throws(KitError) -> NetworkConfig {
        if let c = networks.load(name) { return c }
        guard name == NetworkConfig.defaultName else { throw .notFound("network \(name) not found") }
        let lock = try networks.lock()
        defer { lock.unlock() }
        if let c = networks.load(name) { return c }
        return try networks.create(name: name, subnet: nil, gateway: nil, isInternal: false, labels: [:])
    }

    // MARK: start

    /// Make the container's network before its process starts. Any failure undoes what was done.
    package func setUpNetwork(id: String) throws(KitError) {
        try withNetworkSetUp(id: id) { attach throws(KitError) in try attach?() }
    }

    /// Set the container's network up around `launch`, in two parts. First its network namespace, which
    /// the runtime joins at the clone; then `attach` (links, addresses, rules, /etc/hosts), which
    /// `launch` runs before the container's process starts, beside the init's own set-up if it can
    /// (`OCIRuntime.StartOptions.alongsideSetup`). `attach` is nil when there is nothing to make (no
    /// network of its own, or a donor's joined). The network lock is held from the namespace to the end
    /// of `attach`; whatever `launch` throws, what was made is undone. `record` is the container's, when the
    /// caller has it (read otherwise).
    func withNetworkSetUp<T>(
        id: String, record known: Container? = nil,
        launch: (_ attach: (() throws(KitError) -> Void)?) throws(KitError) -> T
    ) throws(KitError) -> T {
        guard let request = networkRequest(id) else { return try launch(nil) }
        if request.mode == "container" {
            try joinDonorNetwork(id: id, donor: request.container)
            return try launch(nil)
        }
        let names: [String]
        switch EndpointOptions.interfaceNames(request.attachments.map { $0.endpoint?.interfaceName }) {
        case .success(let n): names = n
        case .failure(let e): throw .usage(e.reason)
        }
        let record: Container
        if let known { record = known } else { record = try containers.load(id: id) }
        let lock = try networks.lock()
        defer { lock.unlock() }
        return try NetworkStore.withLeaseMemo { () throws(KitError) -> T in
            tearDownLocked(id: id)
            let nsPath = networks.netnsPath(id)
            do throws(SystemError) { try FileIO.makeDirectories(root + "/netns", mode: 0o700) } catch {
                throw .system(error)
            }
            try HostNetwork.createNetns(nsPath)
            var attached = false
            do throws(KitError) {
                if NamespaceIPv6.kernelHasIPv6 { try HostNetwork.writeSysctls(NamespaceIPv6.whenMade, netns: nsPath) }
                return try launch { () throws(KitError) in
                    try attachLocked(id: id, request: request, names: names, record: record, nsPath: nsPath)
                    attached = true
                    lock.unlock()
                }
            } catch {
                if attached { tearDownNetwork(id: id) } else { tearDownLocked(id: id) }
                throw error
            }
        }
    }

    /// The links, addresses, rules and hosts of a container whose namespace is made, under the lock.
    private func attachLocked(
        id: String, request: ContainerNetworkRequest, names: [String], record: Container, nsPath: String
    ) throws(KitError) {
        let host = try networks.hostLock()
        let ports: [PortMapping]
        do {
            defer { host.unlock() }
            ports = try networks.claimPorts(request.ports, id: id)
        }
        try checkLinksLocked(request, of: record)
        let mtu = HostNetwork.uplinkMTU()
        var steps = AttachmentSteps()
        steps.create = [.up("lo")]
        var touched: [String] = []
        var explained: [ExplainEvent.Step] = [.networkNamespaceFile(path: nsPath)]
        let madeBridge = request.attachments.contains { a in
            networks.load(a.network).map { !HostNetwork.linkExists($0.bridge) } ?? true
        }
        for (i, attachment) in request.attachments.enumerated() {
            let s = try attachLocked(
                id: id, record: record, attachment: attachment, interface: i, name: names[i],
                ports: i == 0 ? ports : [], mtu: mtu, explained: &explained)
            steps.append(s)
            touched.append(s.network)
        }
        // The FORWARD policy check's `iptables-save` mostly waits on the kernel: it runs beside the
        // link steps, and writeFirewall reads it.
        var forwardCheck = startForwardCheck()
        defer { forwardCheck.abandon() }
        try steps.run(netns: nsPath)
        for step in explained { logger.explain(step) }
        try writeFirewall(fresh: madeBridge, forwardCheck: &forwardCheck)
        try restartLoopbackProxy(id: id)
        if logger.isExplaining, let first = explained.lazy.compactMap(Self.containerAddress).first {
            for p in ports {
                logger.explain(
                    .portPublished(
                        hostIP: p.hostIP, hostPort: p.hostPort, proto: p.proto, containerIP: first,
                        containerPort: p.containerPort))
            }
        }
        refreshHosts(networks: touched, also: id)
    }

    /// One network of a container: the bridge, an address, and the link steps for the veth pair
    /// (inside the container's namespace, then on the host) and the interface's sysctls. `i` is the
    /// network's place among the container's (the first has the default route); `ifname` its interface.
    func attachLocked(
        id: String, record: Container, attachment: ContainerNetworkRequest.Attachment, interface i: Int,
        name ifname: String, ports: [PortMapping], mtu: Int, explained: inout [ExplainEvent.Step]
    ) throws(KitError) -> AttachmentSteps {
        var config = try defaultOrExistingLocked(attachment.network)
        let mtu = config.bridgeOptions?.mtu ?? mtu
        let bridgeWasUp = HostNetwork.linkExists(config.bridge)
        config = try ensureBridge(config, mtu: mtu)
        let veth = NetworkStore.vethName(containerID: id, index: config.index)
        let endpoint = attachment.endpoint ?? EndpointOptions()
        // net.ipv6.conf.IFNAME.disable_ipv6=1: no IPv6 address on this interface, as in Docker.
        // An IPv6-only network's endpoint has IPv6 whatever its sysctls ask (its only address).
        let lease6 =
            config.enableIPv6 && (!endpoint.disablesIPv6 || !config.enableIPv4)
            ? try networks.allocate6(config, requested: attachment.ip6.flatMap(IPv6Address.init), id: id, flag: "--ip6")
            : nil
        let lease: NetworkLease
        do {
            lease = try networks.allocate(
                config, requested: attachment.ip.flatMap(IPv4Address.init),
                lease: NetworkLease(
                    containerID: id, name: record.name, hostname: record.hostname ?? record.shortID,
                    aliases: attachment.aliases,
                    ip: nil, interface: ifname, veth: veth, ports: ports, mac: attachment.mac,
                    ip6: lease6, index: i))
        } catch {
            if let lease6 { networks.release6(config.name, ip: lease6) }
            throw error
        }
        let mac = attachment.mac ?? Self.macAddress(lease)
        // The old pair of this container (a quick restart) may still be on its way out of the kernel.
        if HostNetwork.linkExists(veth) {
            try? LinkStep.perform(
                [.delete(veth)], on: AttachmentSteps.socket(), peerNamespace: -1, place: "on the host")
        }
        var steps = AttachmentSteps(network: config.name)
        steps.create = [.createVeth(name: ifname, mtu: mtu, mac: mac, peer: veth)]
        let linkLocal6 = endpoint.linkLocalIPs.contains { if case .v6 = LinkStep.Address($0) { true } else { false } }
        steps.sysctls =
            (NamespaceIPv6.kernelHasIPv6
                ? NamespaceIPv6.forInterface(ifname, network: lease6 != nil, linkLocal: linkLocal6) : [])
            + endpoint.sysctlWrites(interface: ifname)
        var inside: [LinkStep] = []
        if let ip = lease.ip, let subnet = config.subnet {
            inside.append(.addAddress(.v4(ip), prefix: subnet.prefix, interface: ifname, noDAD: false))
        }
        inside += endpoint.linkLocalSteps(interface: ifname)
        inside.append(.up(ifname))
        if i == 0, let gateway = config.gateway { inside.append(.defaultRoute(via: .v4(gateway), interface: nil)) }
        if let lease6, let subnet6 = config.subnet6, let gateway6 = config.gateway6 {
            // nodad: the address is Skiff's to give (its lease), so it is usable at once.
            inside.append(.addAddress(.v6(lease6), prefix: subnet6.prefix, interface: ifname, noDAD: true))
            if i == 0 { inside.append(.defaultRoute(via: .v6(gateway6), interface: ifname)) }
        }
        steps.configure = inside
        // enable_icc=false: an isolated port reaches only the bridge itself, never another isolated port,
        // whether or not br_netfilter shows bridged traffic to the firewall.
        steps.outside = [
            .attach(veth, bridge: config.bridge),
            .bridgePort(veth, hairpin: true, isolated: config.bridgeOptions?.interContainer == false),
        ]
        let bridgeAddress =
            config.subnet.map { "\(config.gateway!)/\($0.prefix)" }
            ?? config.subnet6.map { "\(config.gateway6!)/\($0.prefix)" } ?? ""
        let address =
            lease.ip.map { "\($0)/\(config.subnet!.prefix)" }
            ?? lease.ip6.map { "\($0)/\(config.subnet6!.prefix)" } ?? ""
        let gateway = config.gateway?.description ?? config.gateway6?.description
        explained += [
            .bridge(name: config.bridge, address: bridgeAddress, created: !bridgeWasUp),
            .veth(
                hostSide: veth, containerSide: ifname, bridge: config.bridge, mtu: mtu, mac: mac),
            .address(interface: ifname, cidr: address, gateway: i == 0 ? gateway : nil),
        ]
        return steps
    }

    /// Docker's MAC for an address: 02:42 and the address's four bytes (locally administered), so a
    /// reused address keeps its MAC and neighbours' ARP caches stay right. On an IPv6-only network, the
    /// IPv6 address's last four bytes the same way.
    static func macAddress(_ lease: NetworkLease) -> String {
        if let ip = lease.ip { return macAddress(ip) }
        let bytes = lease.ip6.map { Array($0.bytes.suffix(4)) } ?? [0, 0, 0, 0]
        return (["02", "42"] + bytes.map(HexText.byte)).concatenated(separator: ":")
    }

    static func macAddress(_ ip: IPv4Address) -> String {
        let v = ip.value
        return (["02", "42"] + [24, 16, 8, 0].map { HexText.byte(UInt8(truncatingIfNeeded: v >> UInt32($0))) })
            .concatenated(separator: ":")
    }

    func defaultOrExistingLocked(_ name: String) throws(KitError) -> NetworkConfig {
        if let c = networks.load(name) { return c }
        guard name == NetworkConfig.defaultName else { throw .notFound("network \(name) not found") }
        return try networks.create(name: name, subnet: nil, gateway: nil, isInternal: false, labels: [:])
    }

    /// The network's bridge, made when missing: address, MTU, up, route_localnet (so 127.0.0.1 can be
    /// DNATed to a container; the firewall's loopback guard keeps containers off the host's 127.0.0.0/8),
    /// and IPv4 forwarding on. A subnet the host took meanwhile is chosen again when Skiff chose it.
    func ensureBridge(_ config: NetworkConfig, mtu: Int) throws(KitError) -> NetworkConfig {
        var config = config
        if HostNetwork.linkExists(config.bridge) { return config }
        if let s6 = config.subnet6, HostSubnetUse6.current().contains(where: { $0.subnet.overlaps(s6) }) {
            throw .network("the IPv6 subnet \(s6) of network \(config.name) overlaps a route of the host")
        }
        if let subnet = config.subnet, let r = HostSubnetUse.current().first(where: { $0.subnet.overlaps(subnet) }) {
            guard config.automaticSubnet else {
                throw .network("the subnet \(subnet) of network \(config.name) overlaps \(r)")
            }
            config = try networks.rechoose(config)
        }
        var commands = ["link add \(config.bridge) mtu \(mtu) type bridge"]
        if let subnet = config.subnet, let gateway = config.gateway {
            commands.append("addr add \(gateway)/\(subnet.prefix) dev \(config.bridge)")
        }
        commands.append("link set \(config.bridge) up")
        try HostNetwork.ip(commands)
        if config.enableIPv4 { HostNetwork.sysctl("net/ipv4/conf/\(config.bridge)/route_localnet", "1") }
        if let s6 = config.subnet6, let gw6 = config.gateway6 {
            try enableBridgeIPv6(config, subnet: s6, gateway: gw6)
        }
        if HostNetwork.readSysctl("net/ipv4/ip_forward") != "1" { HostNetwork.sysctl("net/ipv4/ip_forward", "1") }
        return config
    }

    // MARK: stop

    /// Undo the container's network: veths, leases, port claims, its namespace; the bridges and the
    /// nftables table when no container of this root uses them any more. Never fails (best effort, logged).
    package func tearDownNetwork(id: String) {
        guard FileIO.exists(networks.netnsPath(id)) || hasLeases(id) else { return }
        guard let lock = try? networks.lock() else { return }
        defer { lock.unlock() }
        try? NetworkStore.withLeaseMemo { () throws(KitError) in tearDownLocked(id: id) }
    }

    func hasLeases(_ id: String) -> Bool {
        networks.all().contains { n in networks.leases(n.name).contains { $0.containerID == id } }
    }

    /// Removing the namespace is what removes the veth pair: the kernel deletes a dead namespace's
    /// devices in the background, where `ip link del` would wait ~15 ms for it. The container's eth0
    /// has a MAC derived from its address, so a neighbour's ARP entry stays right if the address is
    /// handed out again before the old pair is gone.
    func tearDownLocked(id: String) {
        var touched: [String] = []
        var published = false
        for n in networks.all() {
            for l in networks.leases(n.name) where l.containerID == id {
                for p in l.ports { networks.releasePort(p, id: id) }
                published = published || !l.ports.isEmpty
                networks.release(n.name, lease: l)
                if let a = l.ip6 { networks.release6(n.name, ip: a) }
                touched.append(n.name)
            }
        }
        HostNetwork.removeNetns(networks.netnsPath(id))
        stopLoopbackProxy(id: id)
        guard !touched.isEmpty else { return }
        if published {
            do { try writeFirewall() } catch { logger.warning("network teardown of \(id): \(error)") }
        }
        refreshHosts(networks: touched, also: nil)
    }

    /// Take down the bridges no container uses, and rewrite the rules (removed with the last bridge).
    /// Caller holds `networks.lock()`.
    func releaseIdleBridgesLocked() throws(KitError) {
        var deletes: [String] = []
        for n in networks.all() {
            if networks.leases(n.name).isEmpty && HostNetwork.linkExists(n.bridge) {
                deletes.append("link del \(n.bridge)")
            }
        }
        guard !deletes.isEmpty else { return }
        try HostNetwork.ip(deletes)
        releaseIPv6Forwarding()
        try writeFirewall()
    }

    // MARK: the packet filter

    /// Write this root's rules from the leases (see `FirewallPlan`): outbound NAT, published ports (DNAT
    /// from any local address, also for the host's own connections, 127.0.0.1 included), the hairpin and
    /// loopback masquerades, the DNS forward to a loopback resolver, the loopback guard and the isolation
    /// between bridges; nftables, or iptables where nftables is missing (or SKIFF_FIREWALL=iptables).
    /// With no bridge up, the rules are removed.
    /// What was last applied is kept in `<root>/networks/.firewall`: the same rules again (a container
    /// without published ports) cost no `nft` run; a bridge made anew (`fresh`) always rewrites, so
    /// rules flushed behind Skiff's back come back.
    func writeFirewall(fresh: Bool = false) throws(KitError) {
        var check = ForwardCheck()
        try writeFirewall(fresh: fresh, forwardCheck: &check)
    }

    /// `forwardCheck`'s snapshot, when started, is taken (set to nil) by the FORWARD check.
    func writeFirewall(fresh: Bool, forwardCheck: inout ForwardCheck) throws(KitError) {
        let hostResolv = (try? FileIO.readString("/etc/resolv.conf")) ?? ""
        var plan = FirewallPlan(networks: [])
        var plan6 = FirewallPlan(networks: [], family: .ipv6)
        for n in networks.all() where HostNetwork.linkExists(n.bridge) {
            var ports: [FirewallPlan.Port] = []
            var ports6: [FirewallPlan.Port] = []
            for l in networks.leases(n.name) {
                for p in l.ports {
                    // A port published on one IPv4 host address has no IPv6 side; on every address
                    // (or an IPv6 one), Docker publishes it on the container's IPv6 address too.
                    let isV6Host = p.hostIP.contains(":")
                    if !isV6Host, let ip = l.ip {
                        ports.append(
                            .init(
                                hostIP: p.hostIP, proto: p.proto, hostPort: p.hostPort, containerIP: ip.description,
                                containerPort: p.containerPort))
                    }
                    // [::] is every IPv6 address; [::1] is the loopback relay's alone (no DNAT to ::1).
                    if let a = l.ip6, p.hostIP.isEmpty || isV6Host, p.hostIP != "::1" {
                        ports6.append(
                            .init(
                                hostIP: p.hostIP == "::" ? "" : p.hostIP, proto: p.proto, hostPort: p.hostPort,
                                containerIP: a.description, containerPort: p.containerPort))
                    }
                }
            }
            let network = FirewallPlan.Network(
                bridge: n.bridge, subnet: n.subnet?.description ?? "", gateway: n.gateway?.description ?? "",
                isInternal: n.isInternal,
                dnsResolver: n.gateway.flatMap {
                    HostNetwork.containerResolvConf(hostText: hostResolv, gateway: $0).loopbackResolver
                },
                ports: ports, interContainer: n.bridgeOptions?.interContainer ?? true,
                masquerade: n.bridgeOptions?.masquerade ?? true)
            if n.enableIPv4 { plan.networks.append(network) }
            if let s6 = n.subnet6, let g6 = n.gateway6 {
                var v6 = network
                v6.subnet = s6.description
                v6.gateway = g6.description
                v6.dnsResolver = nil
                v6.ports = ports6
                plan6.networks.append(v6)
            }
        }
        plan6.guardsForeignForwarding =
            !plan6.networks.isEmpty
            && IPv6Forwarding.heldBySkiff(
                hostDirectory: networks.hostDirectory)
        let backend = try HostNetwork.firewallBackend()
        let cache = networks.root + "/.firewall"
        let rules = render(plan, backend, present: "") + render(plan6, backend, present: "")
        // rawValue, not "\(backend)": interpolating an enum reflects on it (Mirror), 0.7 ms of a start.
        let key = backend.rawValue + "\n" + rules
        let last = try? FileIO.readString(cache)
        if !fresh, !plan.networks.isEmpty || !plan6.networks.isEmpty, last == key {
            // The same rules; but Docker may have started since, and set FORWARD's policy to DROP.
            if backend == .nftables, !forwardCheck.unchanged { opensIptablesForward(plan, check: &forwardCheck) }
            explainFirewall(backend, rules: rules, applied: false)
            return
        }
        unlink(cache)
        // Rules another backend wrote for this root (SKIFF_FIREWALL changed) go first.
        if let previous = last?.split(separator: "\n").first.map(String.init), previous != backend.rawValue {
            let other: HostNetwork.FirewallBackend = previous == "iptables" ? .iptables : .nftables
            var unused = ForwardCheck()
            try? apply(
                FirewallPlan(networks: []), FirewallPlan(networks: [], family: .ipv6), other, forwardCheck: &unused)
        }
        try apply(plan, plan6, backend, forwardCheck: &forwardCheck)
        if !plan.networks.isEmpty || !plan6.networks.isEmpty {
            try? FileIO.writeAtomically(cache, contents: Array(key.utf8))
        }
        explainFirewall(backend, rules: rules, applied: true)
    }

    private func explainFirewall(_ backend: HostNetwork.FirewallBackend, rules: String, applied: Bool) {
        guard logger.isExplaining else { return }
        logger.explain(
            .firewall(
                backend: backend == .nftables ? "nftables" : "iptables",
                table: backend == .nftables ? "table ip \(networks.tableName)" : "chains \(networks.chainPrefix)-*",
                rules: rules.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) },
                applied: applied))
    }

    static func containerAddress(_ step: ExplainEvent.Step) -> String? {
        guard case .address(_, let cidr, _) = step else { return nil }
        return cidr.split(separator: "/").first.map(String.init)
    }

    private func render(_ plan: FirewallPlan, _ backend: HostNetwork.FirewallBackend, present: String) -> String {
        switch backend {
        case .nftables: plan.nftables(table: networks.tableName)
        case .iptables: plan.iptablesRestore(chains: .init(prefix: networks.chainPrefix), present: present)
        }
    }

    /// Both families: one `nft -f` for the two tables; iptables-restore, then ip6tables-restore (skipped
    /// when ip6tables is missing and no network has IPv6).
    private func apply(
        _ plan: FirewallPlan, _ plan6: FirewallPlan, _ backend: HostNetwork.FirewallBackend,
        forwardCheck: inout ForwardCheck
    ) throws(KitError) {
        switch backend {
        case .nftables:
            try HostNetwork.nft(render(plan, backend, present: "") + render(plan6, backend, present: ""))
            opensIptablesForward(plan, check: &forwardCheck)
        case .iptables:
            let input = render(plan, backend, present: try HostNetwork.iptablesSave())
            if !input.isEmpty { try HostNetwork.iptablesRestore(input) }
            if HostNetwork.ip6tablesRestoreTool == nil && plan6.networks.isEmpty { return }
            let input6 = render(plan6, backend, present: try HostNetwork.iptablesSave(ipv6: true))
            if !input6.isEmpty { try HostNetwork.iptablesRestore(input6, ipv6: true) }
        }
    }

    /// With nftables, where iptables' FORWARD policy drops (Docker's, ufw's), the root's forward
    /// rules go into iptables as well (`<prefix>-FWD`, jumped to first from FORWARD), as Podman's
    /// netavark does; they are taken out again once the policy accepts or the networks are gone.
    /// Checked with one `iptables-save -t filter` (~1 ms) at a container start with a network whenever
    /// the nftables ruleset changed since the last check (see `ForwardCheck`), so a dockerd started
    /// after Skiff's bridge is noticed. Best effort: without iptables there is no such policy to open.
    private func opensIptablesForward(_ plan: FirewallPlan, check: inout ForwardCheck) {
        var generation = check.generation
        var started = check.snapshot
        check.snapshot = nil
        guard HostNetwork.iptablesRestoreTool != nil else { return }
        if started == nil {
            generation = HostNetwork.iptablesIsNftables ? NftablesGeneration.current() : nil
            started = try? HostNetwork.startIptablesSave(table: "filter")
        }
        guard let present = try? started?.finish() else { return }
        let chains = FirewallPlan.IptablesChains(prefix: networks.chainPrefix)
        let wanted = FirewallPlan.iptablesForwardDrops(present: present) ? plan : FirewallPlan(networks: [])
        guard !wanted.iptablesForwardInPlace(chains: chains, present: present) else {
            recordForwardGeneration(generation)
            return
        }
        recordForwardGeneration(nil)
        let input = wanted.iptablesRestore(chains: chains, present: present, parts: [.forward])
        if !input.isEmpty {
            do { try HostNetwork.iptablesRestore(input) } catch {
                logger.warning("opening iptables' FORWARD chain for \(networks.chainPrefix): \(error)")
            }
        }
    }

    // MARK: names

    /// Rewrite /etc/hosts of every running container on `networks` (and of `also`): the `--add-host`
    /// lines, its own address and name, then every other container on its user networks by name,
    /// aliases and hostname.
    /// In place (truncate + write), because the file is bind-mounted into the container.
    func refreshHosts(networks names: [String], also: String?) {
        var ids = Set<String>()
        if let also { ids.insert(also) }
        for n in names { for l in networks.leases(n) { ids.insert(l.containerID) } }
        let all = networks.all()
        var leasesByNet: [String: [NetworkLease]] = [:]
        for n in all { leasesByNet[n.name] = networks.leases(n.name) }
        let mayLink = anyContainerMayLink()
        for id in ids {
            var mine: [(NetworkConfig, NetworkLease)] = []
            for n in all {
                if let l = leasesByNet[n.name]?.first(where: { $0.containerID == id }) { mine.append((n, l)) }
            }
            guard let first = mine.sorted(by: { $0.1.order < $1.1.order }).first else { continue }
            // Only on the default bridge and linking to nobody, a container's file names itself alone:
            // another's coming or going changes nothing in it (rm -f of 50 rewrote 1,225 files).
            let namesItselfAlone = id != also && mine.allSatisfy { $0.0.isDefault }
            if namesItselfAlone, !mayLink || !requestMayLink(id) { continue }
            let request = networkRequest(id)
            if namesItselfAlone, (request?.links ?? []).isEmpty { continue }
            var text = EtcHostsDefaults.header
            var selfNames = EtcHostsDefaults.selfNames(first.1.hostname)
            if !first.0.isDefault { selfNames += [first.1.name] + first.1.aliases }
            if let ip = first.1.ip { text += "\(ip)\t\(unique(selfNames).joined(separator: " "))\n" }
            // IPv6 lines after every IPv4 one, so a tool that takes the first match stays on IPv4.
            var v6Lines: [String] = []
            if let a = first.1.ip6 { v6Lines.append("\(a)\t\(unique(selfNames).joined(separator: " "))\n") }
            var seen = Set<String>()
            for (n, _) in mine where !n.isDefault {
                for other in leasesByNet[n.name] ?? [] where other.containerID != id {
                    let names = unique([other.name] + other.aliases + [other.hostname]).joined(separator: " ")
                    if let ip = other.ip {
                        let line = "\(ip)\t\(names)\n"
                        if seen.insert(line).inserted { text += line }
                    }
                    if let a = other.ip6 { v6Lines.append("\(a)\t\(names)\n") }
                }
            }
            for line in linkLines(request?.links ?? [], mine: mine, leasesByNet: leasesByNet)
            where seen.insert(line).inserted {
                text += line
            }
            for line in v6Lines where seen.insert(line).inserted { text += line }
            text = EtcHostsDefaults.withExtraHosts(request?.extraHosts ?? "", in: text)
            Self.rewriteInPlace(containers.directory(of: id) + "/hosts", text)
        }
    }

    func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    static func rewriteInPlace(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    // MARK: queries

    /// The published ports of a running container (host ports as used), or those asked for.
    public func publishedPorts(_ nameOrID: String) throws(KitError) -> [PortMapping] {
        let c = try container(nameOrID)
        for n in networks.all() {
            if let l = networks.leases(n.name).first(where: { $0.containerID == c.id && !$0.ports.isEmpty }) {
                return l.listedPorts(hostIPv6: HostNetwork.hasIPv6)
            }
        }
        return []
    }

    /// The container's addresses by network (running containers only).
    package func containerAddresses(_ id: String) -> [(network: String, lease: NetworkLease)] {
        networks.all().compactMap { n in networks.leases(n.name).first { $0.containerID == id }.map { (n.name, $0) } }
    }
}

/// Warnings to stderr without Foundation's FileHandle.
enum FileHandleStderrShim {
    static func warn(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
