import SkiffKit
import Testing

/// When a detached start makes its network beside the init's set-up (SkiffKit's StartOverlap).
@Suite("Start overlap: the network made beside the init's set-up")
struct StartOverlapPolicyTests {
    static let dockerDefaults = [
        "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647",
    ]

    @Test func aPlainStartOverlaps() {
        #expect(StartOverlap.networkBesideInit(explaining: false, sysctls: [:]))
        #expect(StartOverlap.networkBesideInit(explaining: false, sysctls: Self.dockerDefaults))
        #expect(StartOverlap.networkBesideInit(explaining: false, sysctls: ["kernel.msgmax": "8192"]))
        #expect(StartOverlap.networkBesideInit(explaining: false, sysctls: ["net.core.somaxconn": "1024"]))
    }

    /// `--explain` tells the steps in the order they happen, one after the other.
    @Test func anExplainedStartDoesNotOverlap() {
        #expect(!StartOverlap.networkBesideInit(explaining: true, sysctls: [:]))
    }

    /// The init writes the spec's sysctls during its set-up: eth0 must exist by then, and a `default`
    /// must be written before eth0 is made, to be inherited.
    @Test(arguments: [
        "net.ipv4.conf.eth0.rp_filter", "net/ipv4/conf/eth0/rp_filter", "net.ipv6.conf.default.disable_ipv6",
        "net.ipv6.conf.all.forwarding", "net.ipv4.neigh.eth0.gc_stale_time",
        "net.ipv6.neigh.default.base_reachable_time_ms",
    ])
    func aSysctlOfTheInterfacesDoesNotOverlap(key: String) {
        #expect(
            !StartOverlap.networkBesideInit(explaining: false, sysctls: Self.dockerDefaults.merging([key: "1"]) { $1 }))
    }
}
