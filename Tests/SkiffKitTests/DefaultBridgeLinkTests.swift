import Foundation
import Testing

/// `--link` on the default bridge when the linked container comes back at another address: the linking
/// container's /etc/hosts follows it, also in a root from before `networks/.links` was kept (a start on
/// the default bridge skips every other container's file when no container of the root links).
@Suite(.serialized) struct DefaultBridgeLinkTests {
    @Test(arguments: [false, true])
    func theLinkFollowsTheLinkedContainersNewAddress(rootFromBeforeTheMarker: Bool) throws {
        let root = try CLIRoot(prefix: "skiff-dbl-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "dbl-db", "busybox", "sleep", "300").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "dbl-app", "--link", "dbl-db:store", "busybox", "sleep", "300").status
                == 0)
        let first = root.inspect("dbl-db", "{{.NetworkSettings.IPAddress}}")
        #expect(root.skiff("stop", "-t", "0", "dbl-db").status == 0)
        #expect(root.skiff("run", "-d", "--name", "dbl-filler", "busybox", "sleep", "300").status == 0)
        if rootFromBeforeTheMarker {
            for marker in [".links", ".links-looked-through"] { unlink(root.path + "/networks/" + marker) }
        }
        #expect(root.skiff("start", "dbl-db").status == 0)
        let moved = root.inspect("dbl-db", "{{.NetworkSettings.IPAddress}}")
        #expect(moved != first && !moved.isEmpty)
        let hosts = root.skiff("exec", "dbl-app", "grep", "store", "/etc/hosts")
        #expect(hosts.status == 0 && hosts.out.hasPrefix(moved + "\t"), "\(hosts)")
        // The root now records that one of its containers links.
        #expect(FileManager.default.fileExists(atPath: root.path + "/networks/.links"))
    }
}
