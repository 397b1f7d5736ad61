import Testing

@testable import SkiffKit

/// A container's resolv.conf on a user-defined network (the embedded DNS server's, as Docker's
/// `TransformForIntNS` writes it) and on the default bridge (the host's servers), with and without
/// `--dns`, `--dns-search` and `--dns-option`; and the servers the embedded server forwards to.
@Suite("Embedded DNS: resolv.conf on user networks and the default bridge")
struct EmbeddedResolvConfTests {
    @Test func userNetworkNamesOnlyTheEmbeddedServerAndListsTheHostsServers() {
        let host = "nameserver 10.255.255.53\nnameserver 192.0.2.2\n"
        #expect(
            HostNetworkProbe.embeddedResolv(host)
                == "nameserver 127.0.0.11\noptions ndots:0\n\n# ExtServers: [10.255.255.53 192.0.2.2]\n")
        #expect(HostNetworkProbe.embeddedUpstreams(host) == ["10.255.255.53", "192.0.2.2"])
    }

    @Test func aLoopbackStubIsForwardedToFromTheHost() {
        // systemd-resolved's stub: the container cannot reach it, the server (in the host's namespace) can.
        let host = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch home.arpa\n"
        #expect(
            HostNetworkProbe.embeddedResolv(host)
                == "nameserver 127.0.0.11\nsearch home.arpa\noptions edns0 trust-ad ndots:0\n\n# ExtServers: [host(127.0.0.53)]\n"
        )
        #expect(HostNetworkProbe.embeddedUpstreams(host) == ["127.0.0.53"])
    }

    @Test func theHostsNdotsIsKeptAndAnInvalidOneReplaced() {
        #expect(HostNetworkProbe.embeddedResolv("options ndots:3 rotate\n").contains("options ndots:3 rotate\n"))
        #expect(HostNetworkProbe.embeddedResolv("options ndots:x rotate\n").contains("options rotate ndots:0\n"))
        // `domain` is the old spelling of `search`; unknown lines are kept, comments are not.
        let text = HostNetworkProbe.embeddedResolv("# made by dhcp\ndomain lan\nsortlist 10.0.0.0\n")
        #expect(text == "nameserver 127.0.0.11\nsearch lan\noptions ndots:0\nsortlist 10.0.0.0\n\n# ExtServers: []\n")
    }

    @Test func dnsFlagsOnAUserNetworkKeepTheEmbeddedServer() {
        let base = HostNetworkProbe.embeddedResolv("nameserver 10.255.255.53\nsearch corp.example\n")
        var o = ContainerNameOptions()
        o.dns = ["192.0.2.53", "127.0.0.1"]
        o.dnsSearch = ["a.test", "b.test"]
        o.dnsOptions = ["edns0", "timeout:2"]
        // Docker: the --dns servers are the server's upstreams (never `host(…)`: the override's own).
        #expect(
            o.resolvConf(base: base)
                == "nameserver 127.0.0.11\nsearch a.test b.test\noptions edns0 timeout:2 ndots:0\n\n# ExtServers: [192.0.2.53 127.0.0.1]\n"
        )
        var ndots = ContainerNameOptions()
        ndots.dnsOptions = ["ndots:2"]
        #expect(ndots.resolvConf(base: base).contains("\noptions ndots:2\n"))
        // A search domain where the host had none goes before the options, as Docker writes it.
        var search = ContainerNameOptions()
        search.dnsSearch = ["x.test"]
        #expect(
            search.resolvConf(base: HostNetworkProbe.embeddedResolv("nameserver 10.0.0.1\n"))
                == "nameserver 127.0.0.11\nsearch x.test\noptions ndots:0\n\n# ExtServers: [10.0.0.1]\n")
    }

    @Test func theDefaultBridgeKeepsTheHostsServers() {
        let host = "nameserver 10.255.255.53\nsearch corp.example\n"
        let r = HostNetworkProbe.resolv(host, gateway: IPv4Address("172.17.0.1"))
        #expect(r.text == "search corp.example\nnameserver 10.255.255.53\n" && r.resolver == nil)
        #expect(!HostNetworkProbe.namesEmbeddedServer(r.text))
        var o = ContainerNameOptions()
        o.dns = ["192.0.2.53"]
        o.dnsOptions = ["edns0"]
        #expect(o.resolvConf(base: r.text) == "search corp.example\nnameserver 192.0.2.53\noptions edns0\n")
    }

    @Test func onlyAnEmbeddedServerLineCounts() {
        #expect(HostNetworkProbe.namesEmbeddedServer("nameserver\t127.0.0.11\n"))
        #expect(!HostNetworkProbe.namesEmbeddedServer("# nameserver 127.0.0.11\nnameserver 127.0.0.111\n"))
    }

    @Test func addHostLinesAreNotTheNetworksNames() {
        let hosts = "127.0.0.1\tlocalhost\n10.89.1.2\tweb\n10.7.7.7\tdb.local\n"
        let network = EmbeddedDNS.networkHosts(hostsText: hosts, extraHosts: "10.7.7.7\tdb.local\n")
        #expect(network == "127.0.0.1\tlocalhost\n10.89.1.2\tweb\n")
        #expect(EmbeddedDNS.records(hostsText: network).map(\.address) == ["10.89.1.2"])
        // A file the container rewrote (no longer ending in the lines) is taken as it is.
        #expect(
            EmbeddedDNS.networkHosts(hostsText: "10.0.0.9\tx\n", extraHosts: "10.7.7.7\tdb.local\n") == "10.0.0.9\tx\n")
        #expect(EmbeddedDNS.networkHosts(hostsText: hosts, extraHosts: nil) == hosts)
    }

    @Test func aFailingOrNonAuthoritativeUpstreamPassesTheQueryOn() {
        func reply(rcode: UInt8, authoritative: Bool) -> [UInt8] {
            [0x12, 0x34, 0x80 | (authoritative ? 0x04 : 0), 0x80 | rcode, 0, 1, 0, 0, 0, 0, 0, 0]
        }
        #expect(EmbeddedDNS.endsForwarding(reply(rcode: 0, authoritative: false)), "NOERROR")
        #expect(EmbeddedDNS.endsForwarding(reply(rcode: 3, authoritative: true)), "authoritative NXDOMAIN")
        #expect(!EmbeddedDNS.endsForwarding(reply(rcode: 3, authoritative: false)), "NXDOMAIN without authority")
        #expect(!EmbeddedDNS.endsForwarding(reply(rcode: 2, authoritative: false)), "SERVFAIL")
        #expect(!EmbeddedDNS.endsForwarding(reply(rcode: 5, authoritative: false)), "REFUSED")
        #expect(!EmbeddedDNS.endsForwarding([0x12]), "not a reply")
    }
}
