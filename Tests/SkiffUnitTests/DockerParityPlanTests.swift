import SkiffRuntime
import Testing

@testable import SkiffKit

/// Container defaults Scripts/parity found different from Docker 20.10's, as plans: HOME from the
/// image's passwd, the primary group among the supplementary ones, Docker's /etc/hosts lines, a
/// `--dns-search` line before the servers, and read-only /etc files under `--read-only`.
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

    @Test func dnsSearchGoesBeforeTheServersOnTheDefaultBridge() {
        var o = ContainerNameOptions()
        o.dns = ["10.9.9.9"]
        o.dnsSearch = ["example.org"]
        o.dnsOptions = ["ndots:2"]
        #expect(
            o.resolvConf(base: "nameserver 10.255.255.53\n")
                == "search example.org\nnameserver 10.9.9.9\noptions ndots:2\n")
    }

    @Test func etcFilesAreReadOnlyWithTheRootFilesystem() {
        #expect(Engine.etcFileOptions(readOnly: true).contains("ro"))
        #expect(!Engine.etcFileOptions(readOnly: false).contains("ro"))
    }
}
