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
        for s in dns where IPv4Address(s) == nil && IPv6Address(s) == nil {
            throw .usage("--dns \(s): not an IP address")
        }
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

    /// resolv.conf with the given servers, search domains and options in place of the base file's, each
    /// where the base had it. Where the embedded DNS server serves the container (a user-defined
    /// network), it stays the file's one name server, as in Docker: `--dns` servers become the ones it
    /// forwards to (shown on the `# ExtServers` line), and `ndots:0` is kept unless an ndots is given.
    public func resolvConf(base: String) -> String {
        guard !(dns.isEmpty && dnsSearch.isEmpty && dnsOptions.isEmpty) else { return base }
        let embedded = HostNetwork.namesEmbeddedServer(resolvConf: base)
        var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        func isDirective(_ line: String, _ key: String) -> Bool {
            line.hasPrefix(key + " ") || line.hasPrefix(key + "\t")
        }
        func replace(_ key: String, with new: [String], alsoRemoving other: String? = nil, before next: String? = nil) {
            guard !new.isEmpty else { return }
            let matches = { (l: String) in isDirective(l, key) || other.map { isDirective(l, $0) } ?? false }
            // Where the first such line was; else before the trailing comments (Docker's ExtServers).
            let at =
                lines.firstIndex(where: matches) ?? next.flatMap { n in lines.firstIndex { isDirective($0, n) } }
                ?? lines.firstIndex(where: { $0.isEmpty || $0.hasPrefix("#") }) ?? lines.endIndex
            var out = Array(lines[..<at]).filter { !matches($0) }
            out += new
            out += lines[at...].filter { !matches($0) }
            lines = out
        }
        if !dns.isEmpty {
            if embedded {
                lines = lines.map {
                    $0.hasPrefix("# ExtServers: ") ? HostNetwork.extServersLine(dns, fromHost: false) : $0
                }
            } else {
                replace("nameserver", with: dns.map { "nameserver \($0)" })
            }
        }
        replace(
            "search", with: dnsSearch.isEmpty ? [] : ["search " + dnsSearch.joined(separator: " ")],
            alsoRemoving: "domain", before: embedded ? "options" : "nameserver")
        let options = embedded ? HostNetwork.withEmbeddedOptions(dnsOptions) : dnsOptions
        replace("options", with: dnsOptions.isEmpty ? [] : ["options " + options.joined(separator: " ")])
        return lines.joined(separator: "\n") + "\n"
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
        // The embedded server's upstreams are kept where the container cannot write (its resolv.conf
        // is its own to edit): `--dns` replaces the host's servers, as Docker's override does.
        if !o.dns.isEmpty, HostNetwork.namesEmbeddedServer(resolvConf: resolv), var request = networkRequest(id) {
            request.dnsServers = o.dns
            try saveNetworkRequest(id, request)
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
                let text = EtcHostsDefaults.withExtraHosts(o.hostsLines(gateway: "127.0.0.1"), in: hosts)
                try FileIO.create(dir + "/hosts", contents: Array(text.utf8))
            } catch { throw .system(error) }
        }
    }
}
