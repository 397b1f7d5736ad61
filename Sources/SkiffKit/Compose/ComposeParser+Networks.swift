/// A network's `ipam`, `driver_opts` and IP family keys, as Docker's bridge driver takes them.
extension ComposeParser {
    mutating func networkExtras(_ t: ComposeTree, _ path: String, into n: inout ComposeNetwork) throws(ComposeError) {
        if let v = t["enable_ipv6"] { n.enableIPv6 = try bool(v, path + ".enable_ipv6") }
        if let v = t["enable_ipv4"] { n.enableIPv4 = try bool(v, path + ".enable_ipv4") }
        if let ipam = t["ipam"] { try self.ipam(ipam, path + ".ipam", into: &n) }
        if let opts = t["driver_opts"] { try driverOptions(opts, path + ".driver_opts", into: &n) }
        if !n.enableIPv4 {
            // An IPv6-only network, as Docker 28 makes it: IPv6 on, no IPv4 settings.
            guard n.enableIPv6 else {
                throw fail(path + ".enable_ipv4", "false needs enable_ipv6: true (a network must have IPv4 or IPv6)")
            }
            if let s = n.subnet {
                throw fail(path + ".ipam.config", "an IPv4 subnet (\(s)) on a network with enable_ipv4: false")
            }
            if n.bridgeOptions.hostBindingIPv4 != nil {
                throw fail(
                    path + ".driver_opts",
                    "com.docker.network.bridge.host_binding_ipv4 on a network with enable_ipv4: false")
            }
        }
        if n.subnet6 != nil && !n.enableIPv6 {
            throw fail(
                path + ".ipam.config",
                "an IPv6 subnet (\(n.subnet6!)) needs enable_ipv6: true on the network, as Docker requires")
        }
    }

    /// `ipam.config`: at most one IPv4 block and one IPv6 block (Docker takes several subnets per family;
    /// a skiff network has one of each).
    mutating func ipam(_ t: ComposeTree, _ p: String, into n: inout ComposeNetwork) throws(ComposeError) {
        if let d = try optionalString(t["driver"], p + ".driver"), d != "default" {
            throw ComposeError.unsupported(
                "\(file): \(p).driver: only the default IPAM driver exists in skiff, got \"\(d)\"")
        }
        if let options = t["options"] {
            for e in try mapping(options, p + ".options") {
                n.ipamOptions[e.key] = try string(e.value, p + ".options." + e.key)
            }
        }
        guard let config = t["config"] else { return }
        var seen4 = false
        var seen6 = false
        for (i, block) in try list(config, p + ".config").enumerated() {
            let bp = p + ".config[\(i)]"
            let subnetText = try optionalString(block["subnet"], bp + ".subnet")
            if let subnetText, subnetText.contains(":") {
                if seen6 {
                    throw ComposeError.unsupported(
                        "\(file): \(bp): a skiff network has one IPv6 subnet; keep one IPv6 block")
                }
                seen6 = true
                try ipv6Block(block, bp, subnetText, into: &n)
                continue
            }
            if seen4 {
                throw ComposeError.unsupported(
                    "\(file): \(bp): a skiff network has one IPv4 subnet; keep one IPv4 block")
            }
            seen4 = true
            try ipv4Block(block, bp, subnetText, into: &n)
        }
    }

    mutating func ipv6Block(_ block: ComposeTree, _ bp: String, _ subnetText: String, into n: inout ComposeNetwork)
        throws(ComposeError)
    {
        guard let s = IPv6Subnet(subnetText) else {
            throw fail(
                bp + ".subnet", "expected an IPv6 subnet such as fd00:1::/64 (/16 to /124), got \"\(subnetText)\"")
        }
        n.subnet6 = subnetText
        if let g = try optionalString(block["gateway"], bp + ".gateway") {
            guard let a = IPv6Address(g) else { throw fail(bp + ".gateway", "not an IPv6 address: \"\(g)\"") }
            guard s.contains(a), a != s.network else {
                throw fail(bp + ".gateway", "\(g) is not a host address of \(s)")
            }
            n.gateway6 = g
        }
        if let aux = block["aux_addresses"] {
            for e in try mapping(aux, bp + ".aux_addresses") {
                let ap = bp + ".aux_addresses." + e.key
                let text = try string(e.value, ap)
                guard let a = IPv6Address(text), text.contains(":") else {
                    throw fail(ap, "not an IPv6 address: \"\(text)\" (this block's subnet is \(s))")
                }
                guard s.contains(a) else { throw fail(ap, "\(text) is not in the subnet \(s)") }
                n.auxAddresses[e.key] = a.description
            }
        }
        if block["ip_range"] != nil {
            throw ComposeError.unsupported(
                "\(file): \(bp).ip_range: an IPv6 ip_range is not supported by skiff (addresses are handed out from the whole subnet); remove the key"
            )
        }
    }

    mutating func ipv4Block(_ block: ComposeTree, _ bp: String, _ subnetText: String?, into n: inout ComposeNetwork)
        throws(ComposeError)
    {
        var subnet: IPv4Subnet?
        if let subnetText {
            guard let s = IPv4Subnet(subnetText) else {
                throw fail(bp + ".subnet", "expected an IPv4 subnet such as 172.28.0.0/16, got \"\(subnetText)\"")
            }
            guard (8...30).contains(s.prefix) else {
                throw fail(bp + ".subnet", "the prefix must be /8 to /30, got \"\(subnetText)\"")
            }
            subnet = s
            n.subnet = subnetText
        }
        if let g = try optionalString(block["gateway"], bp + ".gateway") {
            guard let a = IPv4Address(g) else { throw fail(bp + ".gateway", "not an IPv4 address: \"\(g)\"") }
            guard let subnet else { throw fail(bp + ".gateway", "a gateway needs a subnet") }
            guard subnet.contains(a), a != subnet.network, a != subnet.broadcast else {
                throw fail(bp + ".gateway", "\(g) is not a host address of \(subnet)")
            }
            n.gateway = g
        }
        if let r = try optionalString(block["ip_range"], bp + ".ip_range") {
            guard let range = IPv4Subnet(r) else {
                throw fail(bp + ".ip_range", "expected an IPv4 range in CIDR form such as 172.28.5.0/24, got \"\(r)\"")
            }
            guard let subnet else { throw fail(bp + ".ip_range", "an ip_range needs a subnet") }
            guard subnet.contains(range.network), range.prefix >= subnet.prefix else {
                throw fail(bp + ".ip_range", "\(r) is not inside the subnet \(subnet)")
            }
            n.ipRange = r
        }
        if let aux = block["aux_addresses"] {
            guard let subnet else { throw fail(bp + ".aux_addresses", "aux addresses need a subnet in the same block") }
            for e in try mapping(aux, bp + ".aux_addresses") {
                let ap = bp + ".aux_addresses." + e.key
                let text = try string(e.value, ap)
                guard let a = IPv4Address(text) else { throw fail(ap, "not an IPv4 address: \"\(text)\"") }
                guard subnet.contains(a) else { throw fail(ap, "\(text) is not in the subnet \(subnet)") }
                n.auxAddresses[e.key] = a.description
            }
        }
    }

    /// A service's `interface_name`, `link_local_ips` and `driver_opts` on one network (Docker's bridge
    /// driver takes the interface name and sysctls; other driver options it ignores, and so does Skiff).
    mutating func endpoint(_ t: ComposeTree, _ ep: String, into n: inout ComposeServiceNetwork) throws(ComposeError) {
        if let v = t["interface_name"] {
            let name = try string(v, ep + ".interface_name")
            if let why = EndpointOptions.interfaceNameProblem(name) { throw fail(ep + ".interface_name", why) }
            n.interfaceName = name
            n.endpoint.interfaceName = name
        }
        if let v = t["link_local_ips"] {
            for (i, a) in try strings(v, ep + ".link_local_ips").enumerated() {
                switch EndpointOptions.linkLocal(a) {
                case .success(let text):
                    n.linkLocalIPs.append(text)
                    n.endpoint.linkLocalIPs.append(text)
                case .failure(let why): throw fail("\(ep).link_local_ips[\(i)]", why.reason)
                }
            }
        }
        if let v = t["driver_opts"] {
            for e in try mapping(v, ep + ".driver_opts") {
                let op = ep + ".driver_opts." + e.key
                let value = try string(e.value, op)
                n.driverOpts[e.key] = value
                if let why = n.endpoint.apply(driverOption: e.key, value: value) {
                    throw fail(op, e.key == EndpointOptions.interfaceNameOption ? why + " (interface_name)" : why)
                }
            }
        }
    }

    /// The bridge driver's options (moby's libnetwork/drivers/bridge): the MTU, the default host address
    /// of published ports, enable_icc and enable_ip_masquerade are carried out; the others are refused,
    /// saying why.
    mutating func driverOptions(_ t: ComposeTree, _ p: String, into n: inout ComposeNetwork) throws(ComposeError) {
        for e in try mapping(t, p) {
            let ep = p + "." + e.key
            let value = try string(e.value, ep)
            func refuse(_ why: String) -> ComposeError { .unsupported("\(file): \(ep): \(why)") }
            switch e.key {
            case "com.docker.network.driver.mtu":
                n.bridgeOptions.mtu = try int(e.value, ep, min: 68, max: 65535)
            case "com.docker.network.bridge.enable_ip_masquerade", "com.docker.network.bridge.enable_icc":
                let on = try bool(e.value, ep)
                do { _ = try n.bridgeOptions.set(e.key, on ? "true" : "false") } catch {
                    throw fail(ep, error.description)
                }
            case "com.docker.network.bridge.host_binding_ipv4":
                do { _ = try n.bridgeOptions.set(e.key, value) } catch {
                    throw fail(ep, "not an IPv4 address: \"\(value)\"")
                }
            case "com.docker.network.bridge.name":
                throw refuse(
                    "skiff names its bridges itself (its firewall tells them apart by name); remove the option")
            case "com.docker.network.bridge.default_bridge", "com.docker.network.bridge.inhibit_ipv4",
                "com.docker.network.container_iface_prefix", "com.docker.network.bridge.gateway_mode_ipv4":
                throw refuse("not supported by skiff; remove the option")
            default:
                let known = [
                    "com.docker.network.driver.mtu", "com.docker.network.bridge.enable_ip_masquerade",
                    "com.docker.network.bridge.enable_icc", "com.docker.network.bridge.host_binding_ipv4",
                    "com.docker.network.bridge.name",
                ]
                let hint = NearestName.suggest(e.key, among: known).map { "; did you mean \($0)?" } ?? ""
                throw fail(ep, "unknown bridge driver option\(hint)")
            }
        }
    }
}

extension ComposeParser {
    /// `links:` name services that share a network; `ipv4_address` lies in the network's subnet (when
    /// the file gives one) and no two services ask for the same address.
    func checkLinksAndAddresses(_ project: ComposeProject) throws(ComposeError) {
        var taken: [String: String] = [:]
        for s in project.services {
            let path = "services." + s.name
            for (i, l) in s.links.enumerated() {
                guard let target = project.service(l.service) else {
                    throw fail("\(path).links[\(i)]", "links to undefined service \"\(l.service)\"")
                }
                let bothOnDefaultBridge = s.networkMode == "bridge" && target.networkMode == "bridge"
                guard
                    bothOnDefaultBridge
                        || (s.networkMode == nil && target.networkMode == nil
                            && !Set(s.networkNames).isDisjoint(with: target.networkNames))
                else {
                    throw fail(
                        "\(path).links[\(i)]", "\(s.name) and \(l.service) share no network, so the link cannot resolve"
                    )
                }
            }
            if let mac = s.macAddress {
                if let mode = s.networkMode, ["host", "none"].contains(mode) || mode.contains(":") {
                    throw fail("\(path).mac_address", "conflicts with network_mode: \(mode) (no interface of its own)")
                }
                if let first = s.networks.first, let other = first.macAddress, other != mac {
                    throw fail(
                        "\(path).mac_address",
                        "\(mac) conflicts with networks.\(first.name).mac_address (\(other)); keep one of them")
                }
            }
            for n in s.networks {
                guard let text = n.ipv4Address else { continue }
                let p = "\(path).networks.\(n.name).ipv4_address"
                guard let a = IPv4Address(text) else { throw fail(p, "not an IPv4 address: \"\(text)\"") }
                if project.network(n.name)?.enableIPv4 == false {
                    throw fail(p, "network \(n.name) is IPv6-only (enable_ipv4: false); use ipv6_address")
                }
                guard let declared = project.network(n.name), let subnetText = declared.subnet,
                    let subnet = IPv4Subnet(subnetText)
                else {
                    if project.network(n.name)?.external == true { continue }
                    throw fail(
                        p,
                        "a fixed address needs a subnet: give the network an ipam config with a subnet (networks.\(n.name).ipam.config[0].subnet)"
                    )
                }
                let gateway = declared.gateway.flatMap(IPv4Address.init) ?? subnet.firstHost
                guard subnet.contains(a), a != subnet.network, a != subnet.broadcast, a != gateway else {
                    throw fail(p, "\(text) is not a free host address of \(subnetText) (the gateway is \(gateway))")
                }
                if let aux = declared.auxAddresses.first(where: { $0.value == a.description }) {
                    throw fail(p, "\(text) is reserved as aux address \(aux.key) of network \(n.name)")
                }
                let key = n.name + "/" + text
                if let other = taken[key] {
                    throw fail(p, "\(text) is already the address of service \(other) on network \(n.name)")
                }
                taken[key] = s.name
            }
            for n in s.networks {
                guard let text = n.ipv6Address else { continue }
                let p = "\(path).networks.\(n.name).ipv6_address"
                guard let a = IPv6Address(text) else { throw fail(p, "not an IPv6 address: \"\(text)\"") }
                if project.network(n.name)?.external == true { continue }
                guard let declared = project.network(n.name), declared.enableIPv6 else {
                    throw fail(p, "network \(n.name) has no IPv6: set networks.\(n.name).enable_ipv6: true")
                }
                guard let subnetText = declared.subnet6, let subnet = IPv6Subnet(subnetText) else {
                    throw fail(
                        p,
                        "a fixed address needs a subnet: give the network an ipam config with an IPv6 subnet (networks.\(n.name).ipam.config)"
                    )
                }
                let gateway = declared.gateway6.flatMap(IPv6Address.init) ?? subnet.firstHost
                guard subnet.contains(a), a != subnet.network, a != gateway else {
                    throw fail(p, "\(text) is not a free host address of \(subnetText) (the gateway is \(gateway))")
                }
                let key = n.name + "/" + a.description
                if let other = taken[key] {
                    throw fail(p, "\(text) is already the address of service \(other) on network \(n.name)")
                }
                taken[key] = s.name
            }
        }
    }
}
