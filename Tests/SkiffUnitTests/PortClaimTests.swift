import Foundation
import SkiffRuntime
import Testing

@testable import SkiffKit

/// Host port claims in a host directory of the test's own: a claim that cannot be written is an error
/// naming the port (the container must not start with an unclaimed port), and undoes earlier claims.
@Suite("Port claims")
struct PortClaimTests {
    @Test func aClaimThatCannotBeWrittenIsAnError() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-unit-ports-")
        defer { FileIO.removeTree(dir) }
        let store = NetworkStore(stateRoot: dir + "/state", hostDirectory: dir + "/host")
        let lock = try store.hostLock()
        defer { lock.unlock() }
        guard let first = HostNetwork.probePort(ip: "127.0.0.1", port: 0, proto: "tcp"),
            let blocked = HostNetwork.probePort(ip: "127.0.0.1", port: 0, proto: "tcp"), first != blocked
        else {
            Issue.record("no free ports to test with")
            return
        }
        let ok = PortMapping(hostIP: "127.0.0.1", hostPort: first, containerPort: 80)
        let bad = PortMapping(hostIP: "127.0.0.1", hostPort: blocked, containerPort: 81)
        // A directory where the claim file goes: the rename onto it fails.
        try FileIO.makeDirectories(store.portClaimPath(bad) + "/x")

        #expect { try store.claimPorts([ok, bad], id: "c1") } throws: { error in
            guard case KitError.network(let message) = error else { return false }
            return message.hasPrefix("cannot claim host port \(blocked)/tcp for the container:")
        }
        #expect(!FileIO.exists(store.portClaimPath(ok)), "the earlier claim was not undone")
        #expect(try store.claimPorts([ok], id: "c1") == [ok])
        #expect(store.claimOwner(ok) == nil, "a claim whose container has no namespace is stale")
    }
}
