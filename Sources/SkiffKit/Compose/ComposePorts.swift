/// The short port syntax: `[HOST_IP:][PUBLISHED[-END]:]TARGET[-END][/PROTOCOL]`, with `[::1]` for IPv6.
package enum ComposePorts {
    package struct Failure: Error, Equatable {
        package var reason: String
    }

    /// "8000", "8000-8001" → the ports; nil when not ports.
    package static func range(_ text: String) -> [Int]? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let lo = Int(parts[0]), lo >= 0, lo <= 65535 else { return nil }
        guard parts.count == 2 else { return [lo] }
        guard let hi = Int(parts[1]), hi >= lo, hi <= 65535 else { return nil }
        return Array(lo...hi)
    }

    package static func isPortOrRange(_ text: String) -> Bool { exposedKeys(text) != nil }

    /// An exposed port or range (`--expose`, compose `expose`, Dockerfile EXPOSE): "8000-8001/udp" →
    /// ["8000/udp", "8001/udp"], the keys of an image config's ExposedPorts; nil when not one.
    package static func exposedKeys(_ text: String) -> [String]? {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let r = range(first), !r.contains(0) else { return nil }
        let proto = parts.count == 1 ? "tcp" : parts[1].lowercased()
        guard ["tcp", "udp", "sctp"].contains(proto) else { return nil }
        return r.map { "\($0)/\(proto)" }
    }

    package static func parseShort(_ text: String) throws(Failure) -> [ComposePort] {
        var rest = text
        var proto = "tcp"
        if let slash = rest.lastIndex(of: "/") {
            proto = String(rest[rest.index(after: slash)...])
            rest = String(rest[..<slash])
            guard ["tcp", "udp", "sctp"].contains(proto) else {
                throw Failure(reason: "unknown protocol \"\(proto)\" in \"\(text)\" (tcp, udp or sctp)")
            }
        }
        var hostIP: String?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw Failure(reason: "unclosed [ in \"\(text)\"") }
            hostIP = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = String(rest[rest.index(after: close)...])
            guard rest.hasPrefix(":") else { throw Failure(reason: "expected : after the IPv6 address in \"\(text)\"") }
            rest.removeFirst()
        }
        var parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if hostIP == nil && parts.count == 3 {
            hostIP = parts.removeFirst()
            guard isIPv4(hostIP!) else { throw Failure(reason: "invalid host IP \"\(hostIP!)\" in \"\(text)\"") }
        }
        guard parts.count == 1 || parts.count == 2 else {
            throw Failure(reason: "expected [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], got \"\(text)\"")
        }
        guard let targets = range(parts.last!), !targets.contains(0) else {
            throw Failure(reason: "invalid container port \"\(parts.last!)\" in \"\(text)\" (1-65535 or a range)")
        }
        if parts.count == 1 || parts[0].isEmpty {
            return targets.map { ComposePort(target: $0, published: nil, hostIP: hostIP, proto: proto) }
        }
        guard let published = range(parts[0]), !published.contains(0) else {
            throw Failure(reason: "invalid published port \"\(parts[0])\" in \"\(text)\" (1-65535 or a range)")
        }
        if published.count == targets.count {
            return zip(published, targets).map { ComposePort(target: $1, published: $0, hostIP: hostIP, proto: proto) }
        }
        guard targets.count == 1 else {
            throw Failure(reason: "the published and container port ranges differ in size in \"\(text)\"")
        }
        // A range of host ports for one container port: each container takes a free one of it (Docker).
        return [hostRange(target: targets[0], published, hostIP: hostIP, proto: proto)]
    }

    /// Container port `target` published on one of the `published` host ports.
    package static func hostRange(target: Int, _ published: [Int], hostIP: String?, proto: String) -> ComposePort {
        var port = ComposePort(target: target, published: published.first, hostIP: hostIP, proto: proto)
        if published.count > 1 { port.publishedEnd = published.last }
        return port
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
    }
}
