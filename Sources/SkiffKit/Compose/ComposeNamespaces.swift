/// A service's `pid:`, `ipc:`, `uts:` and `cgroup:` (Compose Spec): Docker's namespace modes, where
/// `service:NAME` names another service of the project (whose container is started first) and
/// `container:NAME` a container outside it.
package struct ComposeNamespaces: Sendable, Equatable {
    /// `pid:` host, service:NAME or container:NAME.
    package var pid: String?
    /// `ipc:` private, shareable, host, none, service:NAME or container:NAME.
    package var ipc: String?
    /// `uts:` host.
    package var uts: String?
    /// `cgroup:` host or private.
    package var cgroup: String?

    package init() {}

    /// The services these keys name with `service:` (they become dependencies, as Docker Compose has it).
    package var services: [(key: String, service: String)] {
        [("pid", pid), ("ipc", ipc)].compactMap { key, value in
            guard let value, value.hasPrefix("service:") else { return nil }
            return (key, String(value.dropFirst("service:".count)))
        }
    }

    /// The container-side modes, with `service:NAME` as that service's container (`containerName`).
    package func modes(containerName: (String) -> String) throws(KitError) -> NamespaceModes {
        func resolved(_ value: String?) -> String {
            guard let value else { return "" }
            if value.hasPrefix("service:") { return "container:" + containerName(String(value.dropFirst(8))) }
            return value
        }
        var m = NamespaceModes()
        m.pid = try .init(parsing: resolved(pid), flag: "pid:")
        m.ipc = try .init(parsing: resolved(ipc), flag: "ipc:")
        m.uts = try .init(parsing: uts ?? "", flag: "uts:")
        m.cgroupns = try .parse(cgroup ?? "", flag: "cgroup:")
        return m
    }

    /// `compose config`'s entries for the keys that are set.
    var entries: [ComposeTree.Entry] {
        [("cgroup", cgroup), ("ipc", ipc), ("pid", pid), ("uts", uts)].compactMap { key, value in
            value.map { .init(key, .scalar($0, quoted: true)) }
        }
    }
}

extension ComposeParser {
    /// Parse one of `pid:`, `ipc:`, `uts:`, `cgroup:`; the value is checked as `skiff run` checks its flag.
    mutating func namespaceKey(_ key: String, _ v: ComposeTree, _ p: String, into s: inout ComposeService)
        throws(ComposeError)
    {
        let text = try string(v, p)
        // service:NAME is the project's way of saying container:<that service's container>.
        let checked = text.hasPrefix("service:") ? "container:" + text.dropFirst("service:".count) : text
        do {
            switch key {
            case "pid":
                _ = try NamespaceModes.PIDMode(parsing: checked, flag: "value")
                s.namespaces.pid = text
            case "ipc":
                _ = try NamespaceModes.IPCMode(parsing: checked, flag: "value")
                s.namespaces.ipc = text
            case "uts":
                _ = try NamespaceModes.UTSMode(parsing: text, flag: "value")
                s.namespaces.uts = text
            default:
                _ = try NamespaceModes.CgroupnsMode.parse(text, flag: "value")
                s.namespaces.cgroup = text
            }
        } catch {
            let reason = "\(error)".replacingOccurrences(of: "container:NAME", with: "service:NAME or container:NAME")
            throw fail(p, reason)
        }
    }

    /// `service:NAME` must name a service of the project, and `uts: host` leaves no hostname to set.
    func checkNamespaces(_ s: ComposeService, services names: Set<String>) throws(ComposeError) {
        let path = "services." + s.name
        for (key, service) in s.namespaces.services where !names.contains(service) {
            throw fail(
                "\(path).\(key)",
                "refers to undefined service \"\(service)\" (write container:NAME for a container outside the project)")
        }
        for (key, service) in s.namespaces.services where service == s.name {
            throw fail("\(path).\(key)", "a service cannot join its own namespace")
        }
        if s.namespaces.uts == "host" && s.hostname != nil {
            throw fail("\(path).uts", "conflicting options: hostname and the UTS mode (remove hostname: or uts: host)")
        }
    }
}
