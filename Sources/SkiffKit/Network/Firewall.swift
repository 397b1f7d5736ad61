/// What the host's packet filter must do for one state root's networks, and its two renderings:
/// an nftables table (`skiff`/`skiff_<tag>`, written whole with one `nft -f`) and, where nftables is
/// missing, iptables chains (`SKIFF-…`, written with one `iptables-restore --noflush`, jumped to from
/// the built-in chains). Pure: no I/O here, so both renderings are unit-tested as text.
///
/// Besides NAT and the forward accepts, two defences (docs/security.md):
/// - loopback guard: every bridge has route_localnet=1 (so a port published on 127.0.0.1 can be DNATed
///   to a container and its replies come back), which also lets a container address 127.0.0.0/8 of the
///   host through its gateway's MAC (CVE-2020-8558). Packets from a bridge to or from 127.0.0.0/8 that
///   were not DNATed (a published port, the DNS forward) are dropped at input;
/// - network isolation: traffic forwarded from one Skiff bridge to another (of any root) is dropped,
///   unless DNATed by a published port, as Docker's DOCKER-ISOLATION chains do. A container attached to
///   both networks talks to each over its own interface, so it is not forwarded.
struct FirewallPlan: Equatable {
    /// Every Skiff bridge's name starts so (`NetworkStore.bridgeName`): the isolation drops match
    /// them all with one wildcard (`skiff*` in nftables, `skiff+` in iptables).
    static let bridgePrefix = NetworkStore.bridgePrefix

    struct Network: Equatable {
        var bridge: String
        var subnet: String
        var gateway: String
        var isInternal: Bool
        /// A loopback resolver of the host to forward the gateway's port 53 to (Docker's way).
        var dnsResolver: String?
        var ports: [Port]
        /// false (enable_icc=false): traffic between the bridge's containers is dropped (it reaches the
        /// filter with br_netfilter; the ports are also isolated on the bridge, see Networking).
        var interContainer = true
        /// false (enable_ip_masquerade=false): no outbound NAT.
        var masquerade = true
    }

    struct Port: Equatable {
        var hostIP: String
        var proto: String
        var hostPort: UInt16
        var containerIP: String
        var containerPort: UInt16
    }

    var networks: [Network]
    /// Which address family the plan is for: the IPv6 plan (networks with IPv6, their IPv6 subnets,
    /// gateways and addresses) is rendered as `table ip6` and with ip6tables. It has no loopback guard
    /// (IPv6 has no route_localnet: the kernel never routes ::1 off the host) and no DNS forward.
    var family: Family = .ipv4
    /// IPv6 only: Skiff turned the host's forwarding on (`IPv6Forwarding`), so forwarded traffic that
    /// touches no Skiff bridge is dropped, as it was before.
    var guardsForeignForwarding = false

    enum Family: Equatable {
        case ipv4, ipv6
        /// nftables' keyword for the family's header matches and tables.
        var nft: String { self == .ipv4 ? "ip" : "ip6" }
        var loopback: String { self == .ipv4 ? "127.0.0.0/8" : "::1/128" }
        var hostMask: String { self == .ipv4 ? "/32" : "/128" }
        /// `addr:port` as a DNAT target.
        func target(_ addr: String, _ port: UInt16) -> String {
            self == .ipv4 ? "\(addr):\(port)" : "[\(addr)]:\(port)"
        }
    }

    // MARK: nftables

    /// One script that replaces the table atomically (deletes it when no network is up).
    func nftables(table: String) -> String {
        let ip = family.nft
        var script = "table \(ip) \(table)\ndelete table \(ip) \(table)\n"
        guard !networks.isEmpty else { return script }
        var ports: [String] = []
        var post: [String] = []
        var input: [String] = []
        var isolation: [String] = []
        var forward: [String] = []
        // ::1 cannot be DNATed off the host (see LoopbackProxy6): a relay listens there instead.
        if family == .ipv6 { ports.append("ip6 daddr ::1 return") }
        for n in networks {
            let br = "\"\(n.bridge)\""
            // `& dnat == 0`: `ct status != dnat` would compare the whole status word.
            for addr in ["daddr", "saddr"] where family == .ipv4 {
                input.append("iifname \(br) ip \(addr) 127.0.0.0/8 ct status & dnat == 0 drop")
            }
            if let resolver = n.dnsResolver {
                for proto in ["udp", "tcp"] {
                    ports.append("iifname \(br) ip daddr \(n.gateway) \(proto) dport 53 dnat to \(resolver):53")
                }
            }
            for p in n.ports {
                let dst = p.hostIP.isEmpty ? "" : "\(ip) daddr \(p.hostIP) "
                ports.append(
                    "\(dst)\(p.proto) dport \(p.hostPort) dnat to \(family.target(p.containerIP, p.containerPort))")
            }
            if !n.interContainer { isolation.append("iifname \(br) oifname \(br) drop") }
            if n.isInternal {
                forward.append("iifname \(br) oifname != \(br) drop")
            } else {
                if n.masquerade { post.append("\(ip) saddr \(n.subnet) oifname != \(br) masquerade") }
                isolation.append(
                    "iifname \(br) oifname != \(br) oifname \"\(Self.bridgePrefix)*\" ct status & dnat == 0 drop")
            }
            forward.append("iifname \(br) accept")
            post.append("oifname \(br) \(ip) saddr \(family.loopback) masquerade")
            post.append("oifname \(br) \(ip) saddr \(n.subnet) ct status dnat masquerade")
            forward.append("oifname \(br) ct state established,related accept")
            forward.append("oifname \(br) ct status dnat accept")
        }
        func chain(_ name: String, _ head: String, _ rules: [String]) -> String {
            "  chain \(name) {\n" + (head.isEmpty ? "" : "    \(head)\n") + rules.map { "    \($0)\n" }.joined()
                + "  }\n"
        }
        script += "table \(ip) \(table) {\n"
        script += chain("ports", "", ports)
        script += chain(
            "prerouting", "type nat hook prerouting priority dstnat; policy accept;",
            ["fib daddr type local jump ports"])
        script += chain(
            "output", "type nat hook output priority -100; policy accept;", ["fib daddr type local jump ports"])
        script += chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", post)
        script += chain("input", "type filter hook input priority filter; policy accept;", input)
        let guardRule = "iifname != \"\(Self.bridgePrefix)*\" oifname != \"\(Self.bridgePrefix)*\" drop"
        script += chain(
            "forward", "type filter hook forward priority filter; policy accept;",
            (guardsForeignForwarding ? [guardRule] : []) + isolation + forward)
        script += "}\n"
        return script
    }

    // MARK: iptables

    /// Whether iptables' own FORWARD chain must let the root's bridges through as well: its policy is
    /// DROP (Docker sets that when it starts; ufw does by default), and in the kernel every base chain
    /// at the forward hook must accept a packet, so the accept in Skiff's nftables table is not enough.
    /// `present`: `iptables-save -t filter`.
    static func iptablesForwardDrops(present: String) -> Bool {
        present.split(separator: "\n").contains { $0.hasPrefix(":FORWARD DROP") }
    }

    /// Whether `present` (`iptables-save -t filter`) already holds the forward part of this plan exactly:
    /// the `-FWD` chain's rules and the jump, or, with no network up, neither. Then nothing is written.
    func iptablesForwardInPlace(chains c: IptablesChains, present: String) -> Bool {
        let lines = present.split(separator: "\n").map(String.init)
        let jump = "-A FORWARD -j \(c.forward)"
        guard !networks.isEmpty else {
            return !lines.contains(jump) && !lines.contains { $0.hasPrefix(":\(c.forward) ") }
        }
        let rule = "-A \(c.forward) "
        let wanted = iptablesRestore(chains: c, present: "", parts: [.forward]).split(separator: "\n").map(String.init)
        return lines.contains(jump) && wanted.filter { $0.hasPrefix(rule) } == lines.filter { $0.hasPrefix(rule) }
    }

    /// The parts of the iptables rendering, each a chain or two with its jumps: `nat` (table nat),
    /// `forward` and `input` (table filter). The nftables backend borrows `forward` alone.
    enum IptablesPart: Hashable, CaseIterable { case nat, forward, input }

    /// The root's iptables chains: `<prefix>-PORTS` (DNAT, from PREROUTING and OUTPUT for local
    /// destinations), `<prefix>-POST` (masquerades, from POSTROUTING), `<prefix>-FWD` (from FORWARD),
    /// `<prefix>-IN` (the loopback guard, from INPUT).
    struct IptablesChains {
        let prefix: String
        var ports: String { prefix + "-PORTS" }
        var post: String { prefix + "-POST" }
        var forward: String { prefix + "-FWD" }
        var input: String { prefix + "-IN" }

        /// (part, built-in chain, the jump's rule spec) — what links the root's chains in.
        var jumps: [(part: IptablesPart, chain: String, rule: String)] {
            [
                (.nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j \(ports)"),
                (.nat, "OUTPUT", "-m addrtype --dst-type LOCAL -j \(ports)"),
                (.nat, "POSTROUTING", "-j \(post)"),
                (.forward, "FORWARD", "-j \(forward)"),
                (.input, "INPUT", "-j \(input)"),
            ]
        }

        func chains(_ part: IptablesPart) -> [String] {
            switch part {
            case .nat: [ports, post]
            case .forward: [forward]
            case .input: [input]
            }
        }
    }

    /// Input for `iptables-restore --noflush`: the root's chains declared (which empties them) and
    /// filled, and the jumps that `present` (from `iptables-save`) lacks inserted. With no network up,
    /// the jumps in `present` are deleted and the chains removed. `parts` limits it (the nftables
    /// backend uses only the forward part: see `opensIptablesForward`).
    ///
    /// Rules are written as `iptables-save` prints them (`-s`, `-d`, `-i`, `-o`, `-p`, then matches),
    /// so `iptablesForwardInPlace` can compare them as text.
    func iptablesRestore(
        chains c: IptablesChains, present: String, parts: Set<IptablesPart> = Set(IptablesPart.allCases)
    ) -> String {
        let have = Set(present.split(separator: "\n").map(String.init))
        func has(_ chain: String, _ rule: String) -> Bool { have.contains("-A \(chain) \(rule)") }
        let filterParts = [IptablesPart.forward, .input].filter(parts.contains)
        var nat: [String] = []
        var filter: [String] = []
        if networks.isEmpty {
            func removal(_ parts: [IptablesPart]) -> [String] {
                let chains = parts.flatMap(c.chains).filter { present.contains(":\($0) ") }
                let unlink = c.jumps.filter { parts.contains($0.part) && has($0.chain, $0.rule) }.map {
                    "-D \($0.chain) \($0.rule)"
                }
                return chains.map { ":\($0) - [0:0]" } + unlink + chains.map { "-X \($0)" }
            }
            nat = parts.contains(.nat) ? removal([.nat]) : []
            filter = removal(filterParts)
        } else {
            var rules: [IptablesPart: [String]] = [:]
            var isolation: [String] = []
            var forward: [String] = []
            if family == .ipv6 { rules[.nat, default: []].append("-A \(c.ports) -d ::1/128 -j RETURN") }
            for n in networks {
                let br = n.bridge
                for addr in ["-s", "-d"] where family == .ipv4 {
                    rules[.input, default: []].append(
                        "-A \(c.input) \(addr) 127.0.0.0/8 -i \(br) -m conntrack ! --ctstate DNAT -j DROP")
                }
                if let resolver = n.dnsResolver {
                    for proto in ["udp", "tcp"] {
                        rules[.nat, default: []].append(
                            "-A \(c.ports) -i \(br) -d \(n.gateway)/32 -p \(proto) -m \(proto) --dport 53 -j DNAT --to-destination \(resolver):53"
                        )
                    }
                }
                for p in n.ports {
                    let dst = p.hostIP.isEmpty ? "" : "-d \(p.hostIP)\(family.hostMask) "
                    rules[.nat, default: []].append(
                        "-A \(c.ports) \(dst)-p \(p.proto) -m \(p.proto) --dport \(p.hostPort) -j DNAT --to-destination \(family.target(p.containerIP, p.containerPort))"
                    )
                }
                if !n.interContainer { isolation.append("-A \(c.forward) -i \(br) -o \(br) -j DROP") }
                if n.isInternal {
                    forward.append("-A \(c.forward) -i \(br) ! -o \(br) -j DROP")
                } else {
                    if n.masquerade {
                        rules[.nat, default: []].append("-A \(c.post) -s \(n.subnet) ! -o \(br) -j MASQUERADE")
                    }
                    // iptables has one -o per rule: traffic staying on the bridge (seen here with
                    // br_netfilter) is let through first, then any other Skiff bridge is dropped.
                    if n.interContainer { isolation.append("-A \(c.forward) -i \(br) -o \(br) -j ACCEPT") }
                    isolation.append(
                        "-A \(c.forward) -i \(br) -o \(FirewallPlan.bridgePrefix)+ -m conntrack ! --ctstate DNAT -j DROP"
                    )
                }
                forward.append("-A \(c.forward) -i \(br) -j ACCEPT")
                rules[.nat, default: []].append("-A \(c.post) -s \(family.loopback) -o \(br) -j MASQUERADE")
                rules[.nat, default: []].append(
                    "-A \(c.post) -s \(n.subnet) -o \(br) -m conntrack --ctstate DNAT -j MASQUERADE")
                forward.append("-A \(c.forward) -o \(br) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
                forward.append("-A \(c.forward) -o \(br) -m conntrack --ctstate DNAT -j ACCEPT")
            }
            let guardRule = "-A \(c.forward) ! -i \(Self.bridgePrefix)+ ! -o \(Self.bridgePrefix)+ -j DROP"
            rules[.forward] = (guardsForeignForwarding ? [guardRule] : []) + isolation + forward
            for j in c.jumps where !has(j.chain, j.rule) {
                rules[j.part, default: []].append("-I \(j.chain) 1 \(j.rule)")
            }
            func declared(_ parts: [IptablesPart]) -> [String] {
                parts.flatMap(c.chains).map { ":\($0) - [0:0]" } + parts.flatMap { rules[$0] ?? [] }
            }
            nat = parts.contains(.nat) ? declared([.nat]) : []
            filter = filterParts.isEmpty ? [] : declared(filterParts)
        }
        var text = ""
        if !nat.isEmpty { text += "*nat\n" + nat.joined(separator: "\n") + "\nCOMMIT\n" }
        if !filter.isEmpty { text += "*filter\n" + filter.joined(separator: "\n") + "\nCOMMIT\n" }
        return text
    }
}
