import SkiffRuntime
import Testing

@testable import SkiffKit

/// Container defaults Scripts/parity found different from Docker 20.10's, as plans: HOME from the
/// image's passwd, the primary group among the supplementary ones, Docker's /etc/hosts lines, a
/// `--dns-search` line before the servers, read-only /etc files under `--read-only`, and the host's
/// devices under `--privileged`.
@Suite("Docker parity: HOME, groups, /etc/hosts, resolv.conf, read-only /etc files")
struct DockerParityPlanTests {
    static let passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
    static let group = "root:x:0:\nwheel:x:10:nobody\nnogroup:x:65534:\n"

    @Test func homeComesFromPasswdUnlessTheEnvironmentSetsIt() throws {
        let root = try UserResolver.resolve(nil, passwd: Self.passwd, group: Self.group, image: "img")
        #expect(DockerDefaults.withHome(["PATH=/bin"], home: root.home) == ["PATH=/bin", "HOME=/root"])
        let unknown = try UserResolver.resolve("1000", passwd: Self.passwd, group: Self.group, image: "img")
        #expect(DockerDefaults.withHome(["PATH=/bin"], home: unknown.home) == ["PATH=/bin", "HOME=/"])
        #expect(DockerDefaults.withHome(["HOME=/srv", "A=b"], home: "/root") == ["HOME=/srv", "A=b"])
        // An empty HOME is no HOME (runc replaces it).
        #expect(DockerDefaults.withHome(["HOME=", "A=b"], home: "/root") == ["A=b", "HOME=/root"])
    }

    @Test func supplementaryGroupsStartWithThePrimaryGroup() throws {
        #expect(try UserResolver.resolve(nil, passwd: Self.passwd, group: Self.group, image: "i").additionalGids == [0])
        #expect(
            try UserResolver.resolve("1000", passwd: Self.passwd, group: Self.group, image: "i").additionalGids == [0])
        #expect(
            try UserResolver.resolve("1000:1000", passwd: Self.passwd, group: Self.group, image: "i").additionalGids
                == [1000])
        #expect(
            try UserResolver.resolve("nobody", passwd: Self.passwd, group: Self.group, image: "i").additionalGids
                == [65534, 10])
    }

    @Test func hostsFileHasDockersLinesAndTheShortName() {
        #expect(
            EtcHostsDefaults.header
                == "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
        #expect(EtcHostsDefaults.selfNames("probe.example.com") == ["probe.example.com", "probe"])
        #expect(EtcHostsDefaults.selfNames("0123456789ab") == ["0123456789ab"])
        #expect(EtcHostsDefaults.selfNames(".odd") == [".odd"])
    }

    /// Docker writes the `--add-host` lines after the fixed ones and before the container's own line;
    /// the embedded DNS server still finds them there (and in a file an older Skiff wrote, at its end)
    /// to leave them out of the network's names.
    @Test func addHostLinesGoBeforeTheContainersLine() {
        var o = ContainerNameOptions()
        o.extraHosts = ["db.local:10.1.2.3", "gw:host-gateway"]
        let lines = o.hostsLines(gateway: "10.89.0.1")
        #expect(lines == "10.1.2.3\tdb.local\n10.89.0.1\tgw\n")
        let own = "10.89.0.2\tabc\n10.89.1.3\tpeer\n"
        let file = EtcHostsDefaults.withExtraHosts(lines, in: EtcHostsDefaults.header + own)
        #expect(file == EtcHostsDefaults.header + lines + own)
        #expect(EtcHostsDefaults.withExtraHosts("", in: EtcHostsDefaults.header + own) == EtcHostsDefaults.header + own)
        // The host's /etc/hosts (--network host) keeps its lines first.
        #expect(EtcHostsDefaults.withExtraHosts(lines, in: "127.0.0.1 host\n") == "127.0.0.1 host\n" + lines)

        #expect(EmbeddedDNS.networkHosts(hostsText: file, extraHosts: lines) == EtcHostsDefaults.header + own)
        #expect(
            EmbeddedDNS.records(hostsText: EmbeddedDNS.networkHosts(hostsText: file, extraHosts: lines)).map(\.address)
                == ["10.89.0.2", "10.89.1.3"])
        #expect(
            EmbeddedDNS.networkHosts(hostsText: EtcHostsDefaults.header + own + lines, extraHosts: lines)
                == EtcHostsDefaults.header + own)
        // A name given both ways stays the network's when the file has it on the container's side too.
        let same = "10.1.2.3\tdb.local\n"
        let both = EtcHostsDefaults.withExtraHosts(same, in: EtcHostsDefaults.header + same)
        #expect(EmbeddedDNS.networkHosts(hostsText: both, extraHosts: same) == EtcHostsDefaults.header + same)
    }

    @Test func dnsSearchGoesBeforeTheServersOnTheDefaultBridge() {
        var o = ContainerNameOptions()
        o.dns = ["10.9.9.9"]
        o.dnsSearch = ["example.org"]
        o.dnsOptions = ["ndots:2"]
        #expect(
            o.resolvConf(base: "nameserver 10.255.255.53\n")
                == "search example.org\nnameserver 10.9.9.9\noptions ndots:2\n")
    }

    @Test func noNetworkHostsFileHasNoLineForTheContainer() {
        #expect(EtcHostsDefaults.whenMade(hostname: "me", network: .none) == EtcHostsDefaults.header)
        for mode: RunOptions.NetworkMode in [.bridge, .named("n")] {
            #expect(
                EtcHostsDefaults.whenMade(hostname: "a.b", network: mode) == EtcHostsDefaults.header
                    + "127.0.1.1\ta.b a\n")
        }
    }

    /// Docker 20.10 (moby/libnetwork osl): IPv6 off in every namespace it makes, back on only for an
    /// interface with an IPv6 address and for lo while one has a network's; the user's sysctls last.
    @Test func ipv6IsOffInTheContainersNamespaceButWhereAnInterfaceHasIt() throws {
        let none = try ContainerSysctls.resolve([:], network: .none, kernelHasIPv6: true)
        #expect(none["net.ipv6.conf.all.disable_ipv6"] == "1")
        let given = try ContainerSysctls.resolve(
            ["net.ipv6.conf.all.disable_ipv6": "0"], network: .none, kernelHasIPv6: true)
        #expect(given["net.ipv6.conf.all.disable_ipv6"] == "0")
        #expect(
            try ContainerSysctls.resolve([:], network: .none, kernelHasIPv6: false)["net.ipv6.conf.all.disable_ipv6"]
                == nil)
        // Skiff's networks make their namespace themselves (NamespaceIPv6.whenMade there); host and
        // container: are another's namespace.
        for mode: RunOptions.NetworkMode in [.bridge, .named("n"), .host, .container("c")] {
            #expect(
                try ContainerSysctls.resolve([:], network: mode, kernelHasIPv6: true)["net.ipv6.conf.all.disable_ipv6"]
                    == nil)
        }
        #expect(NamespaceIPv6.whenMade.map { "\($0.path)=\($0.value)" } == ["net/ipv6/conf/all/disable_ipv6=1"])
        func text(_ w: [(path: String, value: String)]) -> [String] { w.map { "\($0.path)=\($0.value)" } }
        #expect(text(NamespaceIPv6.forInterface("eth0", network: false, linkLocal: false)).isEmpty)
        #expect(
            text(NamespaceIPv6.forInterface("eth1", network: true, linkLocal: false))
                == ["net/ipv6/conf/eth1/disable_ipv6=0", "net/ipv6/conf/lo/disable_ipv6=0"])
        #expect(
            text(NamespaceIPv6.forInterface("eth0", network: false, linkLocal: true)) == [
                "net/ipv6/conf/eth0/disable_ipv6=0"
            ])
        #expect(text([NamespaceIPv6.loopback(on: false)]) == ["net/ipv6/conf/lo/disable_ipv6=1"])
    }

    /// Docker's container.NetworkMounts order; runc then binds the read-only paths before the masks.
    @Test func etcFilesMountInDockersOrder() {
        let mounts = Engine.etcMounts(dir: "/c", readOnly: true)
        #expect(mounts.map(\.destination) == ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"])
        #expect(mounts.map(\.source) == ["/c/resolv.conf", "/c/hostname", "/c/hosts"])
        #expect(mounts.allSatisfy { $0.type == "bind" && $0.options == Engine.etcFileOptions(readOnly: true) })
    }

    @Test func etcFilesAreReadOnlyWithTheRootFilesystem() {
        #expect(Engine.etcFileOptions(readOnly: true).contains("ro"))
        #expect(!Engine.etcFileOptions(readOnly: false).contains("ro"))
    }

    @Test func privilegedGetsTheHostsDevicesAsRuncWalksThem() {
        let node = { (major: Int64, minor: Int64) in
            HostDeviceEntry.device(HostDeviceNode(kind: .char, major: major, minor: minor, mode: 0o600, uid: 0, gid: 0))
        }
        let host: [String: HostDeviceEntry] = [
            "/dev": .directory(["console", "kmsg", "net", "pts", "shm", "ptmx", "fd", "mqueue", "stdin", "sda"]),
            "/dev/console": node(5, 1), "/dev/kmsg": node(1, 11), "/dev/ptmx": node(5, 2),
            "/dev/net": .directory(["tun"]), "/dev/net/tun": node(10, 200),
            "/dev/pts": .directory(["0"]), "/dev/pts/0": node(136, 0), "/dev/shm": .directory([]),
            "/dev/fd": .directory(["0"]), "/dev/mqueue": .directory([]), "/dev/stdin": .other,
            "/dev/sda": .device(HostDeviceNode(kind: .block, major: 8, minor: 0, mode: 0o660, uid: 0, gid: 6)),
        ]
        let plan = DevicePlan.privileged(lookup: { host[$0] ?? .missing })
        #expect(plan.devices.map(\.path) == ["/dev/kmsg", "/dev/net/tun", "/dev/sda"])
        #expect(plan.devices.last?.type == "b" && plan.devices.last?.gid == 6)
        #expect(plan.rules.isEmpty)
    }
}
