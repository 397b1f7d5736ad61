import Foundation
import SkiffKit
import Testing

/// `rm -f A B C…` removes the containers side by side; what it reports is what one `rm` after another
/// would: each container gone (its cgroups, network lease and files), a name given twice answered
/// "No such container" the second time, an unknown name named, exit status 1 if any failed.
@Suite(
    "rm -f of several containers",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct RemoveManyTests {
    @Test func removesEveryOneAndAnswersRepeatsAndUnknownsInOrder() throws {
        let root = try CLIRoot(prefix: "skiff-rm-many-test-")
        defer { root.cleanUp() }
        var ids: [String] = []
        for n in 0..<6 {
            let r = root.skiff("run", "-d", "--name", "many\(n)", "busybox", "sleep", "1000")
            #expect(r.status == 0, "\(r.err)")
            ids.append(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let stopped = root.skiff("create", "--name", "idle", "busybox", "true")
        #expect(stopped.status == 0, "\(stopped.err)")

        let names = (0..<6).map { "many\($0)" }
        let rm = root.skiff(["rm", "-f"] + names + ["many2", "idle", "nosuch"])
        #expect(rm.status == 1, "\(rm.out)\(rm.err)")
        #expect(rm.out == (names + ["idle"]).map { $0 + "\n" }.joined(), "\(rm.out)")
        #expect(
            rm.err == "Error: No such container: many2\nError: No such container: nosuch\n", "\(rm.err)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
        for id in ids {
            #expect(!FileManager.default.fileExists(atPath: root.engine.containers.directory(of: id)))
            #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/skiff/\(id)"))
        }
    }
}
