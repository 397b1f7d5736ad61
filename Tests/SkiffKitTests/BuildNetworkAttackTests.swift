import Foundation
import SkiffKit
import Testing

/// A build's RUN steps are containers on the default bridge, as Docker's are: a hostile Dockerfile's
/// plain RUN cannot reach a service the host keeps on its loopback (a local registry, a database without
/// a password), which a step on the host's network could. Only a build granted network.host can.
@Suite(
    "build steps' network", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct BuildNetworkAttackTests {
    @Test func aPlainRunCannotReachTheHostsLoopback() throws {
        let root = try CLIRoot(prefix: "skiff-bnet-test-")
        defer { root.cleanUp() }
        let listener = NetworkAttackTests.LoopbackSocket(listening: true)
        // The listener never answers: a connection that is made hangs until `timeout` ends it, one that
        // finds nothing listening is refused at once.
        let probe =
            "if timeout 3 nc 127.0.0.1 \(listener.port) </dev/null 2>&1 | grep -q refused; then echo UNREACHABLE;"
            + " else echo REACHED; fi; ls /sys/class/net"
        try BuildContextsTests.write(root, ["ctx/Dockerfile": "FROM busybox\nRUN \(probe)\n"])
        let plain = BuildContextsTests.build(root, ["--no-cache", "-t", "bnet"])
        #expect(plain.status == 0, "\(plain.err)")
        #expect(plain.out.contains("UNREACHABLE") && !plain.out.contains("REACHED\n"), "\(plain.out)")
        #expect(plain.out.contains("eth0"), "the step has its own interface on the bridge: \(plain.out)")

        // The control: with the host's network granted, the same step reaches the listener.
        let host = BuildContextsTests.build(root, ["--no-cache", "--network", "host", "-t", "bnet"])
        #expect(host.status == 0, "\(host.err)")
        #expect(host.out.contains("REACHED\n"), "\(host.out)")
        _ = root.skiff(["rmi", "bnet"])
    }
}
