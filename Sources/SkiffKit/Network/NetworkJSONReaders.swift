import SkiffSystem

// A bridge start reads its network's config.json, its own network.json and every lease of the network
// (undoing a previous run, the firewall's plan, /etc/hosts). Decoded with Codable, the first of each type
// cost 0.7 ms of a 22 ms start (`perf record` of 25 × `run -d`), so they are read with `JSONView` first
// (`JSONViewReadable`): the same value as `JSONDecoder`'s, or nil and Codable decides.

extension NetworkConfig: JSONViewReadable {
    package static func read(_ c: JSONObject) throws(JSONFieldMismatch) -> NetworkConfig {
        var config = NetworkConfig(
            name: try c.required("name", { $0.string }), id: try c.required("id", { $0.string }),
            driver: try c.required("driver", { $0.string }), subnet: try c.optional("subnet", AddressText.subnet),
            gateway: try c.optional("gateway", AddressText.address), bridge: try c.required("bridge", { $0.string }),
            index: try c.required("index", { $0.int }), created: try c.required("created", { $0.string }),
            labels: try c.required("labels", { $0.stringMembers }),
            automaticSubnet: try c.required("automaticSubnet", { $0.bool }),
            isInternal: try c.required("isInternal", { $0.bool }))
        config.ipRange = try c.optional("ipRange", AddressText.subnet)
        config.bridgeOptions = try c.object("bridgeOptions").map(bridgeOptions)
        config.subnet6 = try c.optional("subnet6", AddressText.subnet6)
        config.gateway6 = try c.optional("gateway6", AddressText.address6)
        config.auxAddresses = try c.stringMap("auxAddresses")
        config.attachable = try c.bool("attachable")
        config.ipamOptions = try c.stringMap("ipamOptions")
        return config
    }

    private static func bridgeOptions(_ o: JSONObject) throws(JSONFieldMismatch) -> NetworkBridgeOptions {
        var options = NetworkBridgeOptions(
            mtu: try o.optional("mtu", { $0.int }), hostBindingIPv4: try o.string("hostBindingIPv4"))
        options.enableICC = try o.bool("enableICC")
        options.enableIPMasquerade = try o.bool("enableIPMasquerade")
        return options
    }
}

extension NetworkLease: JSONViewReadable {
    package static func read(_ l: JSONObject) throws(JSONFieldMismatch) -> NetworkLease {
        NetworkLease(
            containerID: try l.required("containerID", { $0.string }), name: try l.required("name", { $0.string }),
            hostname: try l.required("hostname", { $0.string }),
            aliases: try l.required("aliases", { $0.stringElements }), ip: try l.optional("ip", AddressText.address),
            interface: try l.required("interface", { $0.string }), veth: try l.required("veth", { $0.string }),
            ports: try l.required("ports", { $0.elements }).map(PortMapping.read), mac: try l.string("mac"),
            ip6: try l.optional("ip6", AddressText.address6), index: try l.optional("index", { $0.int }))
    }
}

extension ContainerNetworkRequest: JSONViewReadable {
    package static func read(_ r: JSONObject) throws(JSONFieldMismatch) -> ContainerNetworkRequest {
        var request = ContainerNetworkRequest(
            mode: try r.required("mode", { $0.string }),
            attachments: try r.required("attachments", { $0.elements }).map(attachment),
            ports: try r.required("ports", { $0.elements }).map(PortMapping.read),
            publishAll: try r.required("publishAll", { $0.bool }), container: try r.string("container"))
        request.extraHosts = try r.string("extraHosts")
        request.links = try r.array("links")?.map { v throws(JSONFieldMismatch) in
            guard let k = v.object else { throw JSONFieldMismatch(key: "links") }
            return Link(name: try k.required("name", { $0.string }), alias: try k.required("alias", { $0.string }))
        }
        request.dnsServers = try r.strings("dnsServers")
        return request
    }

    private static func attachment(_ v: JSONView) throws(JSONFieldMismatch) -> Attachment {
        guard let a = v.object else { throw JSONFieldMismatch(key: "attachments") }
        return Attachment(
            network: try a.required("network", { $0.string }),
            aliases: try a.required("aliases", { $0.stringElements }),
            ip: try a.string("ip"), mac: try a.string("mac"), ip6: try a.string("ip6"),
            endpoint: try a.object("endpoint").map { e throws(JSONFieldMismatch) in
                var endpoint = EndpointOptions()
                endpoint.interfaceName = try e.string("interfaceName")
                endpoint.linkLocalIPs = try e.required("linkLocalIPs", { $0.stringElements })
                endpoint.sysctls = try e.required("sysctls", { $0.stringElements })
                return endpoint
            })
    }
}

extension PortMapping {
    static func read(_ v: JSONView) throws(JSONFieldMismatch) -> PortMapping {
        guard let p = v.object else { throw JSONFieldMismatch(key: "ports") }
        var mapping = PortMapping(
            hostIP: try p.required("hostIP", { $0.string }), hostPort: try p.required("hostPort", number),
            containerPort: try p.required("containerPort", number), proto: try p.required("proto", { $0.string }))
        mapping.hostPortEnd = try p.optional("hostPortEnd", number)
        return mapping
    }

    private static func number(_ v: JSONView) -> UInt16? { v.uint64.flatMap { UInt16(exactly: $0) } }
}

/// Addresses and subnets are strings in these records, refused (nil) where their Codable decoders throw.
private enum AddressText {
    static func address(_ v: JSONView) -> IPv4Address? { v.string.flatMap(IPv4Address.init) }
    static func address6(_ v: JSONView) -> IPv6Address? { v.string.flatMap(IPv6Address.init) }
    static func subnet(_ v: JSONView) -> IPv4Subnet? { v.string.flatMap(IPv4Subnet.init) }
    static func subnet6(_ v: JSONView) -> IPv6Subnet? { v.string.flatMap(IPv6Subnet.init) }
}
