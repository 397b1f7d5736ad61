import SkiffSystem

// A bridge start writes the container's network.json (the CLI) and its lease (the launching fork). With
// `JSONEncoder`, each was its type's first encode in that process: 0.5 ms of a start's CPU (`perf record`
// of 30 × `run -d`). They are written with `JSONOutput`, byte for byte as `KitJSON.encode`'s encoder
// writes them (NetworkJSONWritersTests compares the two); each object's members in its keys' order.

extension NetworkLease: JSONWritable {
    package func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("aliases", aliases)
            o.member("containerID", containerID)
            o.member("hostname", hostname)
            o.member("index", index)
            o.member("interface", interface)
            o.member("ip", ip?.description)
            o.member("ip6", ip6?.description)
            o.member("mac", mac)
            o.member("name", name)
            o.member("ports", ports)
            o.member("veth", veth)
        }
    }
}

extension PortMapping: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("containerPort", containerPort)
            o.member("hostIP", hostIP)
            o.member("hostPort", hostPort)
            o.member("hostPortEnd", hostPortEnd)
            o.member("proto", proto)
        }
    }
}

extension ContainerNetworkRequest: JSONWritable {
    package func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("attachments", attachments)
            o.member("container", container)
            o.member("dnsServers", dnsServers)
            o.member("extraHosts", extraHosts)
            o.member("links", links)
            o.member("mode", mode)
            o.member("ports", ports)
            o.member("publishAll", publishAll)
        }
    }
}

extension ContainerNetworkRequest.Attachment: JSONWritable {
    package func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("aliases", aliases)
            o.member("endpoint", endpoint)
            o.member("ip", ip)
            o.member("ip6", ip6)
            o.member("mac", mac)
            o.member("network", network)
        }
    }
}

extension ContainerNetworkRequest.Link: JSONWritable {
    package func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("alias", alias)
            o.member("name", name)
        }
    }
}

extension EndpointOptions: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("interfaceName", interfaceName)
            o.member("linkLocalIPs", linkLocalIPs)
            o.member("sysctls", sysctls)
        }
    }
}
