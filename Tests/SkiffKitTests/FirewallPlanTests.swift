import Testing

@testable import SkiffKit

/// The two renderings of a root's packet-filter rules, as text (the kernel side is in NetworkTests).
@Suite("Firewall rules (nftables and iptables renderings)")
struct FirewallPlanTests {
    static let web = FirewallPlan.Network(
        bridge: "skiffab12cd0", subnet: "10.89.0.0/24", gateway: "10.89.0.1", isInternal: false,
        dnsResolver: "127.0.0.53",
        ports: [
            .init(hostIP: "127.0.0.1", proto: "tcp", hostPort: 8000, containerIP: "10.89.0.2", containerPort: 80),
            .init(hostIP: "", proto: "udp", hostPort: 5353, containerIP: "10.89.0.2", containerPort: 53),
        ])
    static let internalNet = FirewallPlan.Network(
        bridge: "skiffab12cd1", subnet: "10.89.1.0/24", gateway: "10.89.1.1", isInternal: true, dnsResolver: nil,
        ports: [])
    static let chains = FirewallPlan.IptablesChains(prefix: "SKIFF-ab12cd")

    @Test func nftablesTableReplacesItselfAtomically() {
        let script = FirewallPlan(networks: [Self.web, Self.internalNet]).nftables(table: "skiff_ab12cd")
        #expect(script.hasPrefix("table ip skiff_ab12cd\ndelete table ip skiff_ab12cd\ntable ip skiff_ab12cd {\n"))
        #expect(script.contains("ip daddr 127.0.0.1 tcp dport 8000 dnat to 10.89.0.2:80"))
        #expect(script.contains("    udp dport 5353 dnat to 10.89.0.2:53"))
        #expect(script.contains("iifname \"skiffab12cd0\" ip daddr 10.89.0.1 udp dport 53 dnat to 127.0.0.53:53"))
        #expect(script.contains("ip saddr 10.89.0.0/24 oifname != \"skiffab12cd0\" masquerade"))
        // An internal network is not masqueraded and may not forward out.
        #expect(!script.contains("ip saddr 10.89.1.0/24 oifname != \"skiffab12cd1\" masquerade"))
        #expect(script.contains("iifname \"skiffab12cd1\" oifname != \"skiffab12cd1\" drop"))
        #expect(FirewallPlan(networks: []).nftables(table: "skiff") == "table ip skiff\ndelete table ip skiff\n")
    }

    /// CVE-2020-8558: route_localnet on the bridges lets a container address the host's 127.0.0.0/8
    /// (and send from it); at input, what comes off a bridge to or from loopback is dropped unless it
    /// was DNATed (a port published on 127.0.0.1, the DNS forward). `ct status & dnat == 0`, not
    /// `ct status != dnat`: the latter compares the whole status word, so it would match nearly always.
    @Test func nftablesDropsLoopbackTrafficFromBridgesUnlessDNATed() {
        let script = FirewallPlan(networks: [Self.web, Self.internalNet]).nftables(table: "skiff_ab12cd")
        let input = """
              chain input {
                type filter hook input priority filter; policy accept;
                iifname "skiffab12cd0" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop
                iifname "skiffab12cd0" ip saddr 127.0.0.0/8 ct status & dnat == 0 drop
                iifname "skiffab12cd1" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop
                iifname "skiffab12cd1" ip saddr 127.0.0.0/8 ct status & dnat == 0 drop
              }

            """
        #expect(script.contains(input), "\(script)")
        #expect(!script.contains("!= dnat"))
    }

    /// Docker's DOCKER-ISOLATION: forwarded from one Skiff bridge to any other (every root's bridges
    /// start with `skiff`), dropped unless DNATed by a published port; before the bridge's accept.
    @Test func nftablesIsolatesBridgesBeforeAcceptingTheirTraffic() throws {
        let script = FirewallPlan(networks: [Self.web, Self.internalNet]).nftables(table: "skiff_ab12cd")
        let drop = "iifname \"skiffab12cd0\" oifname != \"skiffab12cd0\" oifname \"skiff*\" ct status & dnat == 0 drop"
        let forward = try #require(script.range(of: "  chain forward {\n"))
        let rules = script[forward.upperBound...].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(rules.dropFirst().first == drop, "\(script)")
        let accept = try #require(rules.firstIndex(of: "iifname \"skiffab12cd0\" accept"))
        #expect(rules.firstIndex(of: drop)! < accept)
        // The internal network already drops everything leaving it.
        #expect(!script.contains("iifname \"skiffab12cd1\" oifname != \"skiffab12cd1\" oifname"))
    }

    @Test func iptablesGuardsLoopbackAndIsolatesBridges() {
        let text = FirewallPlan(networks: [Self.web, Self.internalNet]).iptablesRestore(
            chains: Self.chains, present: "")
        #expect(
            text.contains(
                "*filter\n:SKIFF-ab12cd-FWD - [0:0]\n:SKIFF-ab12cd-IN - [0:0]\n"
                    + "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiffab12cd0 -j ACCEPT\n"
                    + "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiff+ -m conntrack ! --ctstate DNAT -j DROP\n"
                    + "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -j ACCEPT\n"), "\(text)")
        #expect(text.contains("-A SKIFF-ab12cd-FWD -i skiffab12cd1 ! -o skiffab12cd1 -j DROP\n"))
        for br in ["skiffab12cd0", "skiffab12cd1"] {
            #expect(text.contains("-A SKIFF-ab12cd-IN -s 127.0.0.0/8 -i \(br) -m conntrack ! --ctstate DNAT -j DROP\n"))
            #expect(text.contains("-A SKIFF-ab12cd-IN -d 127.0.0.0/8 -i \(br) -m conntrack ! --ctstate DNAT -j DROP\n"))
        }
        #expect(text.contains("-I INPUT 1 -j SKIFF-ab12cd-IN\n"))
        #expect(
            !FirewallPlan(networks: [Self.web]).iptablesRestore(
                chains: Self.chains, present: "-A INPUT -j SKIFF-ab12cd-IN"
            )
            .contains("-I INPUT"))
        // Taken out with the rest.
        let present =
            ":SKIFF-ab12cd-FWD - [0:0]\n:SKIFF-ab12cd-IN - [0:0]\n-A FORWARD -j SKIFF-ab12cd-FWD\n-A INPUT -j SKIFF-ab12cd-IN\n"
        #expect(
            FirewallPlan(networks: []).iptablesRestore(chains: Self.chains, present: present) == """
                *filter
                :SKIFF-ab12cd-FWD - [0:0]
                :SKIFF-ab12cd-IN - [0:0]
                -D FORWARD -j SKIFF-ab12cd-FWD
                -D INPUT -j SKIFF-ab12cd-IN
                -X SKIFF-ab12cd-FWD
                -X SKIFF-ab12cd-IN
                COMMIT

                """)
    }

    @Test func iptablesChainsAreFilledAndLinkedOnce() {
        let plan = FirewallPlan(networks: [Self.web])
        let first = plan.iptablesRestore(chains: Self.chains, present: "")
        #expect(first.hasPrefix("*nat\n:SKIFF-ab12cd-PORTS - [0:0]\n:SKIFF-ab12cd-POST - [0:0]\n"))
        #expect(
            first.contains(
                "-A SKIFF-ab12cd-PORTS -d 127.0.0.1/32 -p tcp -m tcp --dport 8000 -j DNAT --to-destination 10.89.0.2:80"
            ))
        #expect(
            first.contains("-A SKIFF-ab12cd-PORTS -p udp -m udp --dport 5353 -j DNAT --to-destination 10.89.0.2:53"))
        #expect(first.contains("-I PREROUTING 1 -m addrtype --dst-type LOCAL -j SKIFF-ab12cd-PORTS"))
        #expect(first.contains("*filter\n:SKIFF-ab12cd-FWD - [0:0]\n"))
        #expect(first.contains("-I FORWARD 1 -j SKIFF-ab12cd-FWD"))
        #expect(first.contains("-I INPUT 1 -j SKIFF-ab12cd-IN"))
        #expect(first.hasSuffix("COMMIT\n"))
        // Jumps already there (as iptables-save prints them) are not added twice.
        let present = [
            "-A PREROUTING -m addrtype --dst-type LOCAL -j SKIFF-ab12cd-PORTS",
            "-A OUTPUT -m addrtype --dst-type LOCAL -j SKIFF-ab12cd-PORTS",
            "-A POSTROUTING -j SKIFF-ab12cd-POST", "-A FORWARD -j SKIFF-ab12cd-FWD",
            "-A INPUT -j SKIFF-ab12cd-IN",
        ].joined(separator: "\n")
        #expect(!plan.iptablesRestore(chains: Self.chains, present: present).contains("-I "))
    }

    @Test func iptablesRemovalUnlinksThenDeletesOnlyWhatIsThere() {
        let present =
            ":SKIFF-ab12cd-PORTS - [0:0]\n:SKIFF-ab12cd-POST - [0:0]\n:SKIFF-ab12cd-FWD - [0:0]\n"
            + "-A PREROUTING -m addrtype --dst-type LOCAL -j SKIFF-ab12cd-PORTS\n-A FORWARD -j SKIFF-ab12cd-FWD\n"
        let text = FirewallPlan(networks: []).iptablesRestore(chains: Self.chains, present: present)
        #expect(
            text == """
                *nat
                :SKIFF-ab12cd-PORTS - [0:0]
                :SKIFF-ab12cd-POST - [0:0]
                -D PREROUTING -m addrtype --dst-type LOCAL -j SKIFF-ab12cd-PORTS
                -X SKIFF-ab12cd-PORTS
                -X SKIFF-ab12cd-POST
                COMMIT
                *filter
                :SKIFF-ab12cd-FWD - [0:0]
                -D FORWARD -j SKIFF-ab12cd-FWD
                -X SKIFF-ab12cd-FWD
                COMMIT

                """)
        // Nothing of this root there: nothing to do.
        #expect(FirewallPlan(networks: []).iptablesRestore(chains: Self.chains, present: "").isEmpty)
    }

    /// The nftables backend's opening of iptables' FORWARD (where its policy is DROP): the forward
    /// part alone (the isolation drops first), and taken out again without touching nat or input.
    @Test func forwardOpeningIsTheFilterPartOnly() {
        let save = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
        #expect(FirewallPlan.iptablesForwardDrops(present: save))
        #expect(
            !FirewallPlan.iptablesForwardDrops(
                present: save.replacingOccurrences(of: "FORWARD DROP", with: "FORWARD ACCEPT")))
        let open = FirewallPlan(networks: [Self.web]).iptablesRestore(
            chains: Self.chains, present: save, parts: [.forward])
        #expect(
            open.hasPrefix(
                "*filter\n:SKIFF-ab12cd-FWD - [0:0]\n-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiffab12cd0 -j ACCEPT\n"
                    + "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiff+ -m conntrack ! --ctstate DNAT -j DROP\n-A SKIFF-ab12cd-FWD -i skiffab12cd0 -j ACCEPT\n"
            ))
        #expect(open.contains("-I FORWARD 1 -j SKIFF-ab12cd-FWD"))
        #expect(!open.contains("*nat") && !open.contains("PORTS") && !open.contains("-IN"))
        #expect(!FirewallPlan(networks: [Self.web]).iptablesForwardInPlace(chains: Self.chains, present: save))
        #expect(FirewallPlan(networks: []).iptablesForwardInPlace(chains: Self.chains, present: save))
        // What iptables-save prints after that input was applied is in place: nothing to write again.
        let applied =
            save + open.split(separator: "\n").filter { $0.hasPrefix("-A ") }.joined(separator: "\n")
            + "\n-A FORWARD -j SKIFF-ab12cd-FWD\n"
        #expect(FirewallPlan(networks: [Self.web]).iptablesForwardInPlace(chains: Self.chains, present: applied))
        #expect(
            !FirewallPlan(networks: [Self.web, Self.internalNet]).iptablesForwardInPlace(
                chains: Self.chains, present: applied))
        let linked = save + ":SKIFF-ab12cd-FWD - [0:0]\n-A FORWARD -j SKIFF-ab12cd-FWD\n"
        let close = FirewallPlan(networks: []).iptablesRestore(chains: Self.chains, present: linked, parts: [.forward])
        #expect(
            close == "*filter\n:SKIFF-ab12cd-FWD - [0:0]\n-D FORWARD -j SKIFF-ab12cd-FWD\n-X SKIFF-ab12cd-FWD\nCOMMIT\n"
        )
    }
}
