import Testing

@testable import SkiffKit

/// The IPv6 plan of a root's networks with IPv6, as text in both renderings: the same isolation between
/// bridges, internal drop, NAT66 and published ports as the IPv4 plan, in `table ip6` and for
/// ip6tables-restore; no loopback guard and no DNS forward (the kernel never routes ::1 off the host).
@Suite("Firewall rules for IPv6 (nftables and ip6tables renderings)")
struct FirewallPlanIPv6Tests {
    static let web = FirewallPlan.Network(
        bridge: "skiffab12cd0", subnet: "fd12:3456:789a:1::/64", gateway: "fd12:3456:789a:1::1", isInternal: false,
        dnsResolver: nil,
        ports: [
            .init(hostIP: "", proto: "tcp", hostPort: 8080, containerIP: "fd12:3456:789a:1::2", containerPort: 80),
            .init(
                hostIP: "fd00::2", proto: "udp", hostPort: 5353, containerIP: "fd12:3456:789a:1::2", containerPort: 53),
        ])
    static let internalNet = FirewallPlan.Network(
        bridge: "skiffab12cd1", subnet: "fd12:3456:789a:2::/64", gateway: "fd12:3456:789a:2::1", isInternal: true,
        dnsResolver: nil, ports: [])

    @Test func nftablesRendersAnIp6TableWithTheSameDefences() {
        let script = FirewallPlan(networks: [Self.web, Self.internalNet], family: .ipv6).nftables(table: "skiff_ab12cd")
        #expect(script.hasPrefix("table ip6 skiff_ab12cd\ndelete table ip6 skiff_ab12cd\ntable ip6 skiff_ab12cd {\n"))
        #expect(script.contains("    tcp dport 8080 dnat to [fd12:3456:789a:1::2]:80\n"))
        #expect(script.contains("    ip6 daddr fd00::2 udp dport 5353 dnat to [fd12:3456:789a:1::2]:53\n"))
        #expect(script.contains("ip6 saddr fd12:3456:789a:1::/64 oifname != \"skiffab12cd0\" masquerade"))
        #expect(!script.contains("ip6 saddr fd12:3456:789a:2::/64 oifname != \"skiffab12cd1\" masquerade"))
        // Isolation: nothing forwarded from one Skiff bridge to another unless DNATed; internal: no way out.
        #expect(
            script.contains(
                "iifname \"skiffab12cd0\" oifname != \"skiffab12cd0\" oifname \"skiff*\" ct status & dnat == 0 drop"))
        #expect(script.contains("iifname \"skiffab12cd1\" oifname != \"skiffab12cd1\" drop"))
        #expect(!script.contains("127.0.0.0/8") && !script.contains(" ip "), "no IPv4 match in the ip6 table")
        #expect(!script.contains("dport 53 dnat to 127"), "no DNS forward")
        // ::1 is left to the relay (LoopbackProxy6): DNATed, its replies would be dropped by the kernel.
        #expect(script.contains("  chain ports {\n    ip6 daddr ::1 return\n"))
        #expect(
            FirewallPlan(networks: [], family: .ipv6).nftables(table: "skiff")
                == "table ip6 skiff\ndelete table ip6 skiff\n")
    }

    @Test func ip6tablesRenderingHasTheSameChains() {
        let chains = FirewallPlan.IptablesChains(prefix: "SKIFF-ab12cd")
        let text = FirewallPlan(networks: [Self.web, Self.internalNet], family: .ipv6).iptablesRestore(
            chains: chains, present: "")
        #expect(
            text.contains(
                "-A SKIFF-ab12cd-PORTS -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd12:3456:789a:1::2]:80"))
        #expect(
            text.contains(
                "-A SKIFF-ab12cd-PORTS -d fd00::2/128 -p udp -m udp --dport 5353 -j DNAT --to-destination [fd12:3456:789a:1::2]:53"
            ))
        #expect(text.contains("-A SKIFF-ab12cd-POST -s fd12:3456:789a:1::/64 ! -o skiffab12cd0 -j MASQUERADE"))
        #expect(text.contains("-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiff+ -m conntrack ! --ctstate DNAT -j DROP"))
        #expect(text.contains("-A SKIFF-ab12cd-FWD -i skiffab12cd1 ! -o skiffab12cd1 -j DROP"))
        #expect(!text.contains("127.0.0.0/8"))
        #expect(text.contains(":SKIFF-ab12cd-POST - [0:0]\n-A SKIFF-ab12cd-PORTS -d ::1/128 -j RETURN\n"))
        // With no network, the jumps and chains that ip6tables-save shows are taken out.
        let present = """
            *filter
            :SKIFF-ab12cd-FWD - [0:0]
            -A FORWARD -j SKIFF-ab12cd-FWD
            COMMIT
            """
        let removal = FirewallPlan(networks: [], family: .ipv6).iptablesRestore(chains: chains, present: present)
        #expect(removal.contains("-D FORWARD -j SKIFF-ab12cd-FWD") && removal.contains("-X SKIFF-ab12cd-FWD"))
    }
}
