import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A detached start makes the container's network (veth pair, address, routes, rules, /etc/hosts) while
/// the init sets itself up (SkiffKit's StartOverlap). The container's process must still find all of it
/// ready at its first instruction, as when the network was made first.
@Suite(
    "The network made beside the init's set-up",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkBesideInitTests {
    typealias Root = CLIRoot

    /// Eight starts, each looking first thing at eth0's address, the default route and /etc/hosts.
    @Test func theProcessFindsItsNetworkReadyAtItsFirstInstruction() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let look = "ip -4 -o addr show eth0; ip route show default; grep -c \"$(hostname)\" /etc/hosts; exec sleep 60"
        for i in 0..<8 {
            let run = root.skiff("run", "-d", "--name", "look\(i)", "busybox", "sh", "-c", look)
            #expect(run.status == 0, "\(run.err)")
        }
        for i in 0..<8 {
            let name = "look\(i)"
            #expect(root.eventually { root.skiff("logs", name).out.split(separator: "\n").count >= 3 })
            let ip = root.inspect(name, "{{.NetworkSettings.IPAddress}}")
            let gateway = root.inspect(name, "{{.NetworkSettings.Gateway}}")
            let logs = root.skiff("logs", name)
            #expect(!ip.isEmpty && logs.out.contains("inet \(ip)/"), "\(name): \(logs.out) \(logs.err)")
            #expect(!gateway.isEmpty && logs.out.contains("default via \(gateway) dev eth0"), "\(name): \(logs.out)")
            #expect(logs.out.hasSuffix("\n1\n"), "\(name): its /etc/hosts does not name it: \(logs.out)")
            #expect(logs.err.isEmpty, "\(name): \(logs.err)")
        }
    }

    /// A sysctl of eth0 is written by the init during its set-up, so such a start makes its network
    /// first: the value is on the interface when the process looks.
    @Test func aSysctlOfEth0IsOnTheInterface() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        let run = root.skiff(
            "run", "-d", "--name", "rp", "--sysctl", "net.ipv4.conf.eth0.rp_filter=2", "busybox",
            "cat", "/proc/sys/net/ipv4/conf/eth0/rp_filter")
        #expect(run.status == 0, "\(run.err)")
        #expect(root.eventually { root.inspect("rp", "{{.State.Status}}") == "exited" })
        #expect(root.skiff("logs", "rp").out == "2\n", "\(root.skiff("logs", "rp").err)")
    }
}
