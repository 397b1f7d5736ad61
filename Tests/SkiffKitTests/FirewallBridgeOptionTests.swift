import Testing

@testable import SkiffKit

/// enable_icc=false and enable_ip_masquerade=false in both renderings (the kernel side is in
/// NetworkBridgeOptionTests).
@Suite("Firewall rules for enable_icc and enable_ip_masquerade")
struct FirewallBridgeOptionTests {
    static func net(icc: Bool = true, masquerade: Bool = true) -> FirewallPlan.Network {
        FirewallPlan.Network(
            bridge: "skiffab12cd0", subnet: "10.89.0.0/24", gateway: "10.89.0.1", isInternal: false,
            dnsResolver: nil, ports: [], interContainer: icc, masquerade: masquerade)
    }
    static let chains = FirewallPlan.IptablesChains(prefix: "SKIFF-ab12cd")

    @Test func iccFalseDropsBridgeToSameBridgeBeforeAnyAccept() throws {
        let nft = FirewallPlan(networks: [Self.net(icc: false)]).nftables(table: "skiff_t")
        let drop = try #require(nft.range(of: "iifname \"skiffab12cd0\" oifname \"skiffab12cd0\" drop"))
        let accept = try #require(nft.range(of: "iifname \"skiffab12cd0\" accept"))
        #expect(drop.lowerBound < accept.lowerBound)
        #expect(
            !FirewallPlan(networks: [Self.net()]).nftables(table: "skiff_t").contains("oifname \"skiffab12cd0\" drop"))

        let ipt = FirewallPlan(networks: [Self.net(icc: false)]).iptablesRestore(chains: Self.chains, present: "")
        let iDrop = try #require(ipt.range(of: "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiffab12cd0 -j DROP"))
        let iAccept = try #require(ipt.range(of: "-A SKIFF-ab12cd-FWD -i skiffab12cd0 -j ACCEPT"))
        #expect(iDrop.lowerBound < iAccept.lowerBound)
        #expect(!ipt.contains("-i skiffab12cd0 -o skiffab12cd0 -j ACCEPT"))
        // Published ports and the outside still work: the DNAT and masquerade rules stay.
        #expect(ipt.contains("-A SKIFF-ab12cd-POST -s 10.89.0.0/24 ! -o skiffab12cd0 -j MASQUERADE"))
    }

    @Test func masqueradeFalseDropsOnlyTheOutboundNAT() {
        let nft = FirewallPlan(networks: [Self.net(masquerade: false)]).nftables(table: "skiff_t")
        #expect(!nft.contains("ip saddr 10.89.0.0/24 oifname != \"skiffab12cd0\" masquerade"))
        #expect(nft.contains("oifname \"skiffab12cd0\" ip saddr 10.89.0.0/24 ct status dnat masquerade"))
        let ipt = FirewallPlan(networks: [Self.net(masquerade: false)]).iptablesRestore(
            chains: Self.chains, present: "")
        #expect(!ipt.contains("! -o skiffab12cd0 -j MASQUERADE"))
        #expect(ipt.contains("-A SKIFF-ab12cd-FWD -i skiffab12cd0 -o skiffab12cd0 -j ACCEPT"))
    }

    @Test func optionsParseAsDockerReadsThem() throws {
        var o = NetworkBridgeOptions()
        #expect(try o.set("com.docker.network.bridge.enable_icc", "0"))
        #expect(try o.set("com.docker.network.bridge.enable_ip_masquerade", "False"))
        #expect(!o.interContainer && !o.masquerade)
        #expect(try o.set("com.docker.network.bridge.enable_icc", "true"))
        #expect(o.interContainer)
        #expect(throws: KitError.self) { try o.set("com.docker.network.bridge.enable_icc", "nope") }
        // The default value is the same options as none given (so a network's record is unchanged).
        var d = NetworkBridgeOptions()
        _ = try d.set("com.docker.network.bridge.enable_icc", "true")
        #expect(d == NetworkBridgeOptions())
    }
}
