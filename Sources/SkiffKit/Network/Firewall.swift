/// What the host's packet filter must do for one state root's networks, and its two renderings:
/// an nftables table (`skiff`/`skiff_<tag>`, written whole with one `nft -f`) and, where nftables is
/// missing, iptables chains (`SKIFF-…`, written with one `iptables-restore --noflush`, jumped to from
/// the built-in chains). Pure: no I/O here, so both renderings are unit-tested as text.
struct FirewallPlan: Equatable {
    struct Network: Equatable {
        var bridge: String
        var subnet: String
        var gateway: String
        var isInternal: Bool
        /// A loopback resolver of the host to forward the gateway's port 53 to (Docker's way).
        var dnsResolver: String?
        var ports: [Port]
    }

    struct Port: Equatable {
        var hostIP: String
        var proto: String
        var hostPort: UInt16
        var containerIP: String
        var containerPort: UInt16
    }

    var networks: [Network]

    // MARK: nftables

    /// One script that replaces the table atomically (deletes it when no network is up).
    func nftables(table: String) -> String {
        var script = "table ip \(table)\ndelete table ip \(table)\n"
        guard !networks.isEmpty else { return script }
        var ports: [String] = []
        var post: [String] = []
        var forward: [String] = []
        for n in networks {
            let br = "\"\(n.bridge)\""
            if let resolver = n.dnsResolver {
                for proto in ["udp", "tcp"] {
                    ports.append("iifname \(br) ip daddr \(n.gateway) \(proto) dport 53 dnat to \(resolver):53")
                }
            }
            for p in n.ports {
                let dst = p.hostIP.isEmpty ? "" : "ip daddr \(p.hostIP) "
                ports.append("\(dst)\(p.proto) dport \(p.hostPort) dnat to \(p.containerIP):\(p.containerPort)")
            }
            if n.isInternal {
                forward.append("iifname \(br) oifname != \(br) drop")
            } else {
                post.append("ip saddr \(n.subnet) oifname != \(br) masquerade")
            }
            forward.append("iifname \(br) accept")
            post.append("oifname \(br) ip saddr 127.0.0.0/8 masquerade")
            post.append("oifname \(br) ip saddr \(n.subnet) ct status dnat masquerade")
            forward.append("oifname \(br) ct state established,related accept")
            forward.append("oifname \(br) ct status dnat accept")
        }
        func chain(_ name: String, _ head: String, _ rules: [String]) -> String {
            "  chain \(name) {\n" + (head.isEmpty ? "" : "    \(head)\n") + rules.map { "    \($0)\n" }.joined() + "  }\n"
        }
        script += "table ip \(table) {\n"
        script += chain("ports", "", ports)
        script += chain("prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["fib daddr type local jump ports"])
        script += chain("output", "type nat hook output priority -100; policy accept;", ["fib daddr type local jump ports"])
        script += chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", post)
        script += chain("forward", "type filter hook forward priority filter; policy accept;", forward)
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

    /// Whether `present` (`iptables-save -t filter`) already holds the filter part of this plan exactly:
    /// the `-FWD` chain's rules and the jump, or, with no network up, neither. Then nothing is written.
    func iptablesForwardInPlace(chains c: IptablesChains, present: String) -> Bool {
        let lines = present.split(separator: "\n").map(String.init)
        let jump = "-A FORWARD -j \(c.forward)"
        guard !networks.isEmpty else { return !lines.contains(jump) && !lines.contains { $0.hasPrefix(":\(c.forward) ") } }
        let rule = "-A \(c.forward) "
        let wanted = iptablesRestore(chains: c, present: "", tables: ["filter"]).split(separator: "\n").map(String.init)
        return lines.contains(jump) && wanted.filter { $0.hasPrefix(rule) } == lines.filter { $0.hasPrefix(rule) }
    }

    /// The root's iptables chains: `<prefix>-PORTS` (DNAT, from PREROUTING and OUTPUT for local
    /// destinations), `<prefix>-POST` (masquerades, from POSTROUTING), `<prefix>-FWD` (from FORWARD).
    struct IptablesChains {
        let prefix: String
        var ports: String { prefix + "-PORTS" }
        var post: String { prefix + "-POST" }
        var forward: String { prefix + "-FWD" }

        /// (table, built-in chain, the jump's rule spec) — what links the root's chains in.
        var jumps: [(table: String, chain: String, rule: String)] {
            [("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j \(ports)"),
             ("nat", "OUTPUT", "-m addrtype --dst-type LOCAL -j \(ports)"),
             ("nat", "POSTROUTING", "-j \(post)"),
             ("filter", "FORWARD", "-j \(forward)")]
        }
    }

    /// Input for `iptables-restore --noflush`: the root's chains declared (which empties them) and
    /// filled, and the jumps that `present` (from `iptables-save`) lacks inserted. With no network up,
    /// the jumps in `present` are deleted and the chains removed. `tables` limits it to "nat" or
    /// "filter" (the nftables backend uses only the filter part: see `opensIptablesForward`).
    func iptablesRestore(chains c: IptablesChains, present: String, tables: Set<String> = ["nat", "filter"]) -> String {
        let have = Set(present.split(separator: "\n").map(String.init))
        func has(_ chain: String, _ rule: String) -> Bool { have.contains("-A \(chain) \(rule)") }
        var nat: [String] = []
        var filter: [String] = []
        if networks.isEmpty {
            for j in c.jumps where has(j.chain, j.rule) {
                (j.table == "nat" ? { nat.append($0) } : { filter.append($0) })("-D \(j.chain) \(j.rule)")
            }
            let natChains = [c.ports, c.post].filter { present.contains(":\($0) ") }
            let filterChains = [c.forward].filter { present.contains(":\($0) ") }
            nat = natChains.map { ":\($0) - [0:0]" } + nat + natChains.map { "-X \($0)" }
            filter = filterChains.map { ":\($0) - [0:0]" } + filter + filterChains.map { "-X \($0)" }
        } else {
            nat = [":\(c.ports) - [0:0]", ":\(c.post) - [0:0]"]
            filter = [":\(c.forward) - [0:0]"]
            for n in networks {
                let br = n.bridge
                if let resolver = n.dnsResolver {
                    for proto in ["udp", "tcp"] {
                        nat.append("-A \(c.ports) -i \(br) -d \(n.gateway)/32 -p \(proto) -m \(proto) --dport 53 -j DNAT --to-destination \(resolver):53")
                    }
                }
                for p in n.ports {
                    let dst = p.hostIP.isEmpty ? "" : "-d \(p.hostIP)/32 "
                    nat.append("-A \(c.ports) \(dst)-p \(p.proto) -m \(p.proto) --dport \(p.hostPort) -j DNAT --to-destination \(p.containerIP):\(p.containerPort)")
                }
                if n.isInternal {
                    filter.append("-A \(c.forward) -i \(br) ! -o \(br) -j DROP")
                } else {
                    nat.append("-A \(c.post) -s \(n.subnet) ! -o \(br) -j MASQUERADE")
                }
                filter.append("-A \(c.forward) -i \(br) -j ACCEPT")
                nat.append("-A \(c.post) -s 127.0.0.0/8 -o \(br) -j MASQUERADE")
                nat.append("-A \(c.post) -s \(n.subnet) -o \(br) -m conntrack --ctstate DNAT -j MASQUERADE")
                filter.append("-A \(c.forward) -o \(br) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
                filter.append("-A \(c.forward) -o \(br) -m conntrack --ctstate DNAT -j ACCEPT")
            }
            for j in c.jumps where !has(j.chain, j.rule) {
                (j.table == "nat" ? { nat.append($0) } : { filter.append($0) })("-I \(j.chain) 1 \(j.rule)")
            }
        }
        if !tables.contains("nat") { nat = [] }
        if !tables.contains("filter") { filter = [] }
        var text = ""
        if !nat.isEmpty { text += "*nat\n" + nat.joined(separator: "\n") + "\nCOMMIT\n" }
        if !filter.isEmpty { text += "*filter\n" + filter.joined(separator: "\n") + "\nCOMMIT\n" }
        return text
    }
}
