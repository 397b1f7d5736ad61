import Foundation
import SkiffKit
import Testing

/// The per-network endpoint settings (interface name, link-local addresses, the bridge driver's
/// endpoint options), Docker's long `--network` form, and IPAM aux addresses: checked as Docker checks
/// them, errors naming the flag or key, and mapped to what the container asks for.
@Suite("network endpoints: interface names, link-local addresses, driver options, aux addresses")
struct EndpointOptionsTests {
    static func error(_ compose: String) -> String {
        do {
            _ = try ComposeResourceMappingTests.load(compose)
            return "(loaded)"
        } catch { return error.description }
    }

    @Test func interfaceNamesFollowTheKernelsRule() {
        for good in ["wan0", "eth9", "a", "n3", "br-lan.10", String(repeating: "x", count: 15)] {
            #expect(EndpointOptions.interfaceNameProblem(good) == nil, "\(good)")
        }
        for (bad, why) in [
            ("", "cannot be empty"), (String(repeating: "x", count: 16), "at most 15"), (".", "cannot name"),
            ("..", "cannot name"), ("a/b", "not a valid interface name"), ("a b", "not a valid interface name"),
            ("eth0:1", "not a valid interface name"), ("tab\t", "not a valid interface name"), ("lo", "loopback"),
        ] {
            #expect(EndpointOptions.interfaceNameProblem(bad)?.contains(why) == true, "\(bad)")
        }
    }

    @Test func defaultNamesAreEthNAndStayClearOfNamesAskedFor() throws {
        func names(_ r: [String?], taken: Set<String> = [], first: Int = 0) -> [String]? {
            try? EndpointOptions.interfaceNames(r, taken: taken, first: first).get()
        }
        #expect(names([nil, nil]) == ["eth0", "eth1"])
        #expect(names(["wan", nil]) == ["wan", "eth1"])
        #expect(names([nil, "eth0"]) == ["eth1", "eth0"])
        #expect(names(["eth1", nil, nil]) == ["eth1", "eth2", "eth3"])
        #expect(names([nil], taken: ["eth0", "eth1"], first: 2) == ["eth2"])
        #expect(names([nil], taken: ["eth0", "eth2"], first: 1) == ["eth1"])
        #expect(names(["x", "x"]) == nil)
        #expect(names(["eth0"], taken: ["eth0"], first: 1) == nil)
        if case .failure(let e) = EndpointOptions.interfaceNames(["lan", "lan"]) {
            #expect(e.reason.contains("\"lan\" is used twice"))
        } else {
            Issue.record("a name given twice was taken")
        }
    }

    @Test func linkLocalAddressesOnly() throws {
        #expect(try EndpointOptions.linkLocal("169.254.10.10").get() == "169.254.10.10")
        #expect(try EndpointOptions.linkLocal("FE80::0:10").get() == "fe80::10")
        #expect(try EndpointOptions.linkLocal("febf::1").get() == "febf::1")
        for bad in ["10.0.0.1", "169.253.1.1", "fec0::1", "fd00::1", "::1", "nope", "169.254.1"] {
            #expect(throws: EndpointOptions.Invalid.self, "\(bad)") { try EndpointOptions.linkLocal(bad).get() }
        }
    }

    @Test func driverOptionsAreTheBridgeDriversEndpointOptions() {
        var e = EndpointOptions()
        #expect(
            e.apply(
                driverOption: EndpointOptions.sysctlsOption,
                value: "net.ipv4.conf.IFNAME.log_martians=1, net.ipv6.conf.ifname.accept_ra=2") == nil)
        #expect(e.sysctls == ["net.ipv4.conf.IFNAME.log_martians=1", "net.ipv6.conf.ifname.accept_ra=2"])
        #expect(e.apply(driverOption: EndpointOptions.interfaceNameOption, value: "lan0") == nil)
        #expect(e.interfaceName == "lan0")
        #expect(e.apply(driverOption: EndpointOptions.interfaceNameOption, value: "lan1")?.contains("keep one") == true)
        // Docker's bridge driver ignores endpoint options it does not know.
        #expect(e.apply(driverOption: "com.example.other", value: "x") == nil)
        #expect(!e.disablesIPv6)
        #expect(
            e.apply(driverOption: EndpointOptions.sysctlsOption, value: "net.ipv6.conf.IFNAME.disable_ipv6=1") == nil)
        #expect(e.disablesIPv6)
        for bad in [
            "net.ipv4.conf.eth0.forwarding=1", "kernel.core_pattern=x", "net.core.IFNAME.x=1",
            "net.ipv4.conf.IFNAME.forwarding", "net.ipv4.conf.IFNAME",
        ] {
            #expect(
                EndpointOptions.sysctlProblem(bad)?.contains("represent 'net.X.Y.ethN.Z=V' as 'net.X.Y.IFNAME.Z=V'")
                    == true, "\(bad)")
        }
        // The key becomes a path under /proc/sys: no way out of net/X/Y/<interface>/.
        for bad in ["net.ipv4.conf.IFNAME.../../kernel/x=1", "net.ipv4.conf.IFNAME.a..b=1", "net.ipv4..IFNAME.x=1"] {
            #expect(EndpointOptions.sysctlProblem(bad) != nil, "\(bad)")
        }
    }

    @Test func longNetworkFormIsDockersFields() throws {
        let f = try NetworkAttachmentFlag(
            parsing:
                "name=front,alias=web,alias=www,ip=10.1.2.3,ip6=fd00::3,mac-address=02:42:0a:01:02:03,link-local-ip=169.254.3.3,\"driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=1,net.ipv4.conf.IFNAME.forwarding=0\",driver-opt=com.docker.network.endpoint.ifname=LAN0,gw-priority=-1"
        )
        #expect(f.name == "front" && f.aliases == ["web", "www"] && f.ip == "10.1.2.3" && f.ip6 == "fd00::3")
        var o = RunOptions()
        try f.apply(to: &o)
        #expect(o.ip == "10.1.2.3" && o.ip6 == "fd00::3" && o.macAddress == "02:42:0a:01:02:03")
        #expect(o.networkAliases == ["web", "www"])
        #expect(o.endpoint.linkLocalIPs == ["169.254.3.3"])
        // Docker's CLI lowercases driver-opt fields: the interface is lan0, IFNAME arrives as ifname.
        #expect(o.endpoint.interfaceName == "lan0")
        #expect(o.endpoint.sysctls == ["net.ipv4.conf.ifname.log_martians=1", "net.ipv4.conf.ifname.forwarding=0"])
        #expect(NetworkAttachmentFlag.isLongForm("name=x") && !NetworkAttachmentFlag.isLongForm("front"))

        for (text, why) in [
            ("alias=x", "network name is missing"), ("name=x,colour=red", "invalid field key colour"),
            ("name=x,justtext", "must be a key=value pair"), ("name=x,gw-priority=high", "invalid gw-priority"),
            ("\"name=x", "never closed"),
        ] {
            #expect(throws: KitError.self, "\(text)") { try NetworkAttachmentFlag(parsing: text) }
            do { _ = try NetworkAttachmentFlag(parsing: text) } catch {
                #expect("\(error)".contains(why), "\(text): \(error)")
            }
        }
        var withIP = RunOptions()
        withIP.ip = "10.1.2.4"
        let conflict = try NetworkAttachmentFlag(parsing: "name=x,ip=10.1.2.3")
        #expect(throws: KitError.self) { try conflict.apply(to: &withIP) }
        var plain = RunOptions()
        let notLinkLocal = try NetworkAttachmentFlag(parsing: "name=x,link-local-ip=10.9.9.9")
        do {
            try notLinkLocal.apply(to: &plain)
            Issue.record("a link-local-ip outside 169.254/16 was taken")
        } catch { #expect("\(error)".contains("link-local-ip=10.9.9.9: 10.9.9.9 is not a link-local address")) }
        let badSysctl = try NetworkAttachmentFlag(
            parsing: "name=x,driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.eth0.forwarding=1")
        #expect(throws: KitError.self) { try badSysctl.apply(to: &plain) }
    }

    @Test func repeatedNetworkFlagsAreCheckedTogether() throws {
        let all = try NetworkAttachmentFlag.parseAll(["front", "name=back,alias=b,ip=10.0.0.9"])
        #expect(all.map(\.name) == ["front", "back"])
        #expect(all[1].aliases == ["b"] && all[1].ip == "10.0.0.9")
        #expect(try NetworkAttachmentFlag.parseAll([]).isEmpty)
        #expect(try NetworkAttachmentFlag.parseAll(["none"]).map(\.name) == ["none"])
        for (values, why) in [
            (["front", "front"], "network \"front\" is specified multiple times"),
            (["front", "name=front,alias=x"], "network \"front\" is specified multiple times"),
            (["bridge", "front"], "cannot attach both user-defined and non-user-defined network-modes"),
            (["front", "none"], "cannot attach both user-defined and non-user-defined network-modes"),
            (["front", "container:db"], "cannot attach both user-defined and non-user-defined network-modes"),
        ] {
            do {
                _ = try NetworkAttachmentFlag.parseAll(values)
                Issue.record("\(values) were taken")
            } catch { #expect("\(error)".contains(why), "\(values): \(error)") }
        }
    }

    @Test func composeEndpointKeysGoToTheirNetworks() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              web:
                image: busybox
                networks:
                  front:
                    interface_name: wan0
                    link_local_ips: [169.254.8.8, "fe80::8"]
                    driver_opts:
                      com.docker.network.endpoint.sysctls: net.ipv4.conf.IFNAME.log_martians=1
                      com.example.ignored: "yes"
                  back:
                    driver_opts:
                      com.docker.network.endpoint.ifname: lan0
            networks:
              front:
                ipam:
                  config:
                    - subnet: 10.77.0.0/24
                      aux_addresses: {router: 10.77.0.2, printer: 10.77.0.3}
              back:
                enable_ipv6: true
                ipam:
                  config:
                    - subnet: fd00:77::/64
                      aux_addresses: {hub: "fd00:77::2"}
            """)
        let wiring = ComposeWiring(project: project)
        let web = try #require(project.service("web"))
        let options = try wiring.runOptions(web, name: "x-web-1", number: 1, configHash: "H")
        #expect(options.endpoint.interfaceName == "wan0")
        #expect(options.endpoint.linkLocalIPs == ["169.254.8.8", "fe80::8"])
        #expect(options.endpoint.sysctls == ["net.ipv4.conf.IFNAME.log_martians=1"])
        #expect(wiring.extraNetworks(web).map(\.endpoint.interfaceName) == ["lan0"])
        #expect(project.network("front")?.auxAddresses == ["router": "10.77.0.2", "printer": "10.77.0.3"])
        #expect(project.network("back")?.auxAddresses == ["hub": "fd00:77::2"])
        let yaml = project.yaml()
        for piece in ["interface_name", "wan0", "link_local_ips", "169.254.8.8", "aux_addresses", "router", "hub"] {
            #expect(yaml.contains(piece), "\(piece) missing from:\n\(yaml)")
        }

        let net = "networks:\n  front:\n    ipam:\n      config:\n        - subnet: 10.77.0.0/24\n"
        let cases: [(String, String)] = [
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        interface_name: a/b\n"
                    + net,
                "services.web.networks.front.interface_name: \"a/b\" is not a valid interface name"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        interface_name: averyveryverylongname\n"
                    + net, "at most 15"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        link_local_ips: [10.1.1.1]\n"
                    + net, "services.web.networks.front.link_local_ips[0]: 10.1.1.1 is not a link-local address"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        driver_opts:\n          com.docker.network.endpoint.sysctls: net.ipv4.conf.eth0.forwarding=1\n"
                    + net,
                "services.web.networks.front.driver_opts.com.docker.network.endpoint.sysctls: unrecognised network interface sysctl"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        interface_name: x0\n        driver_opts:\n          com.docker.network.endpoint.ifname: y0\n"
                    + net, "keep one"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        interface_name: x0\n      back:\n        interface_name: x0\n"
                    + net + "  back: {}\n", "services.web.networks: the interface name \"x0\" is used twice"
            ),
            (
                "services:\n  web:\n    image: busybox\n" + net + "          aux_addresses: {r: 10.78.0.2}\n",
                "networks.front.ipam.config[0].aux_addresses.r: 10.78.0.2 is not in the subnet 10.77.0.0/24"
            ),
            (
                "services:\n  web:\n    image: busybox\n" + net + "          aux_addresses: {r: nope}\n",
                "aux_addresses.r: not an IPv4 address"
            ),
            (
                "services:\n  web:\n    image: busybox\n    networks:\n      front:\n        ipv4_address: 10.77.0.2\n"
                    + net + "          aux_addresses: {r: 10.77.0.2}\n",
                "services.web.networks.front.ipv4_address: 10.77.0.2 is reserved as aux address r of network front"
            ),
        ]
        for (yaml, message) in cases {
            let e = Self.error(yaml)
            #expect(e.contains(message), "\(message)\ngot: \(e)")
        }
    }
}
