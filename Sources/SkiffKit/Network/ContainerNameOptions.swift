import SkiffSystem

/// `--add-host NAME:IP` and `--dns`, `--dns-search`, `--dns-option` (compose `extra_hosts`, `dns`,
/// `dns_search`, `dns_opt`): lines of the container's /etc/hosts and resolv.conf, as Docker writes them.
public struct ContainerNameOptions: Sendable, Equatable {
    /// NAME:IP (IP may be `host-gateway`: the gateway of the container's network, the host's address
    /// there, as Docker's docker0 address).
    public var extraHosts: [String] = []
    /// --dns: nameservers for the container's resolv.conf (default: the host's, or the network's DNS).
    public var dns: [String] = []
    /// --dns-search: search domains.
    public var dnsSearch: [String] = []
    /// --dns-option: resolver options (`ndots:2`).
    public var dnsOptions: [String] = []

    /// No extra names, the default resolver.
    public init() {}

    /// Whether nothing was asked for.
    public var isEmpty: Bool { extraHosts.isEmpty && dns.isEmpty && dnsSearch.isEmpty && dnsOptions.isEmpty }

    /// Check the entries (at create, so an error names them before anything is made).
    public func validate() throws(KitError) {
        for entry in extraHosts {
            guard let (name, ip) = Self.split(entry), !name.isEmpty, ip == "host-gateway" || IPv4Address(ip) != nil
            else {
                throw .usage("--add-host \(entry): expected NAME:IP (an IPv4 address or host-gateway)")
            }
        }
        for s in dns where IPv4Address(s) == nil { throw .usage("--dns \(s): not an IPv4 address") }
    }

    /// NAME:IP or NAME=IP (compose's map form is turned into NAME:IP by the parser).
    static func split(_ entry: String) -> (String, String)? {
        guard let i = entry.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return nil }
        return (String(entry[..<i]), String(entry[entry.index(after: i)...]))
    }

    /// The /etc/hosts lines, `host-gateway` resolved to `gateway`.
    public func hostsLines(gateway: String) -> String {
        extraHosts.compactMap { e in Self.split(e).map { "\($0.1 == "host-gateway" ? gateway : $0.1)\t\($0.0)\n" } }
            .joined()
    }

    /// resolv.conf with the given servers, search domains and options in place of the base file's (the
    /// servers the embedded DNS server forwards to, where it serves the container).
    public func resolvConf(base: String) -> String {
        guard !(dns.isEmpty && dnsSearch.isEmpty && dnsOptions.isEmpty) else { return base }
        var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func replace(_ key: String, _ values: [String], joined: Bool) {
            guard !values.isEmpty else { return }
            lines.removeAll { $0.hasPrefix(key + " ") || $0.hasPrefix(key + "\t") }
            lines += joined ? ["\(key) \(values.joined(separator: " "))"] : values.map { "\(key) \($0)" }
        }
        if !dns.isEmpty, HostNetwork.embeddedDNSServers(resolvConf: base) != nil {
            // The embedded DNS server stays the container's; it forwards to these, as Docker's does.
            lines.removeAll { $0.hasPrefix("# ExtServers: ") }
            lines.append("# ExtServers: [\(dns.joined(separator: " "))]")
        } else {
            replace("nameserver", dns, joined: false)
        }
        replace("search", dnsSearch, joined: true)
        replace("options", dnsOptions, joined: true)
        return lines.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }
}

extension Engine {
    /// After the network is prepared: the resolver settings into resolv.conf, the extra host entries
    /// into /etc/hosts (and into the network request, so the rewrite at each start keeps them).
    func applyNameOptions(_ o: ContainerNameOptions, id: String, network: RunOptions.NetworkMode) throws(KitError) {
        guard !o.isEmpty else { return }
        try o.validate()
        if case .container = network {
            throw .usage("conflicting options: custom host-to-IP mapping or DNS and the container network mode")
        }
        let dir = containers.directory(of: id)
        let resolv = (try? FileIO.readString(dir + "/resolv.conf")) ?? ""
        do { try FileIO.create(dir + "/resolv.conf", contents: Array(o.resolvConf(base: resolv).utf8)) } catch {
            throw .system(error)
        }
        guard !o.extraHosts.isEmpty else { return }
        if var request = networkRequest(id), let first = request.attachments.first {
            let gateway = (try? defaultOrExisting(first.network))?.gateway?.description ?? "127.0.0.1"
            request.extraHosts = o.hostsLines(gateway: gateway)
            try saveNetworkRequest(id, request)
        } else {
            // host or none: the file written at create is the one the container keeps.
            let hosts = (try? FileIO.readString(dir + "/hosts")) ?? ""
            do {
                try FileIO.create(dir + "/hosts", contents: Array((hosts + o.hostsLines(gateway: "127.0.0.1")).utf8))
            } catch { throw .system(error) }
        }
    }
}
