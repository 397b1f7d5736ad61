import Foundation
import SkiffKit
import Testing

/// `com.docker.network.bridge.enable_icc=false` attacked: a container on such a network tries to reach
/// another one on it (by address, past DNS) and fails, while on an ordinary network the same attempt
/// succeeds; the isolated container still reaches a server outside, and its published port still
/// answers the host. Both firewall backends.
@Suite(
    "Bridge driver options (enable_icc, enable_ip_masquerade)", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkBridgeOptionTests {
    static let get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3"

    @Test(arguments: ["nftables", "iptables"])
    func iccFalseKeepsContainersApart(firewall: String) throws {
        let root = try NetworkTests.makeRoot(firewall: firewall)
        defer { NetworkTests.cleanUp(root) }
        var r = root.skiff("network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "quiet")
        try #require(r.status == 0, "\(r.err)")
        #expect(root.skiff("network", "create", "open").status == 0)
        let port = NetworkTests.freePort()
        r = root.skiff(
            [
                "run", "-d", "--name", "q1", "-h", "q1host", "--network", "quiet", "-p", "127.0.0.1:\(port):80",
                "busybox",
            ]
                + NetworkTests.httpd)
        try #require(r.status == 0, "\(r.err)")
        r = root.skiff(
            ["run", "-d", "--name", "o1", "-h", "o1host", "--network", "open", "busybox"] + NetworkTests.httpd)
        try #require(r.status == 0, "\(r.err)")
        // The published port answers the host.
        #expect(root.eventually(30) { NetworkTests.curl("http://127.0.0.1:\(port)/").contains("hello-q1host") })
        // On the open network a neighbour reaches it (the control).
        let o1 = try #require(root.engine.networks.leases("open").first).ip!.description
        r = root.skiff("run", "--rm", "--network", "open", "busybox", "sh", "-c", "\(Self.get) \(o1) 80")
        #expect(r.out.contains("hello-o1host"), "open network: \(r.out) \(r.err)")
        // On the quiet network it does not, by address or by name.
        let q1 = try #require(root.engine.networks.leases("quiet").first).ip!.description
        r = root.skiff(
            "run", "--rm", "--network", "quiet", "busybox", "sh", "-c", "\(Self.get) \(q1) 80; \(Self.get) q1 80")
        #expect(!r.out.contains("hello-q1host"), "icc=false let a neighbour in: \(r.out)")
        // …while the outside is reachable from it.
        let outside = try OutsideServer(directory: root.path, greeting: "hello-quiet-outside")
        defer { outside.stop() }
        var out = ""
        #expect(
            root.eventually(30) {
                out =
                    root.skiff(
                        "run", "--rm", "--network", "quiet", "busybox", "sh", "-c",
                        "\(Self.get) \(outside.address) 8080"
                    ).out
                return out.contains("hello-quiet-outside")
            }, "outbound from the quiet network: \(out)")
        // Both layers: the port is isolated on the bridge, and the firewall drops same-bridge traffic.
        let quiet = try #require(root.engine.networks.load("quiet"))
        let links = NetworkTests.sh("/usr/sbin/bridge", "-d", "link", "show", "master", quiet.bridge).out
        #expect(links.contains("isolated on"), "\(links)")
        if firewall == "nftables" {
            let table = NetworkTests.sh("/usr/sbin/nft", "list", "table", "ip", root.engine.networks.tableName).out
            #expect(table.contains("iifname \"\(quiet.bridge)\" oifname \"\(quiet.bridge)\" drop"), "\(table)")
        } else {
            let rules = NetworkTests.sh("/usr/sbin/iptables-save", "-t", "filter").out
            #expect(rules.contains("-i \(quiet.bridge) -o \(quiet.bridge) -j DROP"), "\(rules)")
        }
    }

    @Test func optionsAreRecordedAndBadValuesRefused() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        var r = root.skiff("network", "create", "-o", "com.docker.network.bridge.enable_ip_masquerade=false", "nomasq")
        try #require(r.status == 0, "\(r.err)")
        #expect(root.engine.networks.load("nomasq")?.bridgeOptions?.masquerade == false)
        r = root.skiff("network", "create", "-o", "com.docker.network.bridge.enable_icc=maybe", "bad")
        #expect(r.status != 0 && r.err.contains("enable_icc"), "\(r.err)")
        #expect(root.engine.networks.load("bad") == nil)
    }
}
