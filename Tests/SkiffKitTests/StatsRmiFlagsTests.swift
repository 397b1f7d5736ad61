import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `stats --no-trunc` and `rmi --no-prune`, as Docker's, driven through the built CLI.
@Suite(
    "stats --no-trunc, rmi --no-prune",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct StatsRmiFlagsTests {
    @Test func statsNoTruncShowsFullIDs() throws {
        let root = try CLIRoot(prefix: "skiff-stats-notrunc-")
        defer { root.cleanUp() }
        let run = root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000")
        #expect(run.status == 0, "\(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        let full = root.skiff("stats", "--no-stream", "--no-trunc", "--format", "{{.ID}} {{.Container}} {{.Name}}")
        #expect(full.out == "\(id) \(id) box\n", "\(full)")
        let short = root.skiff("stats", "--no-stream", "--format", "{{.ID}} {{.Name}}")
        #expect(short.out == "\(id.prefix(12)) box\n", "\(short)")
        let table = root.skiff("stats", "--no-stream", "--no-trunc").out.split(separator: "\n")
        #expect(table.count == 2 && table[1].hasPrefix(id + " "), "\(table)")
    }

    /// Docker's rmi deletes the untagged parents of the image it deletes (here: the chain `commit`
    /// makes) when nothing else uses them; --no-prune keeps them. A tagged parent always stays.
    @Test func rmiPrunesUntaggedParentsUnlessNoPrune() throws {
        let root = try CLIRoot(prefix: "skiff-rmi-noprune-")
        defer { root.cleanUp() }
        func commit(_ from: String, _ name: String?) -> String {
            let run = root.skiff("run", "--name", "c", from, "sh", "-c", "date > /stamp-$$")
            #expect(run.status == 0, "\(run.err)")
            let made = root.skiff(["commit", "c"] + (name.map { [$0] } ?? []))
            #expect(made.status == 0, "\(made.err)")
            #expect(root.skiff("rm", "c").status == 0)
            return made.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let parent = commit("busybox", nil)
        #expect(parent.hasPrefix("sha256:"), "\(parent)")
        let exists = { (name: String) in root.skiff("image", "inspect", "--format", "{{.Id}}", name).status == 0 }

        _ = commit(parent, "child:1")
        #expect(root.inspect("child:1", "{{.Parent}}") == parent, "image inspect names the parent")
        #expect(root.inspect(parent, "{{.Parent}}").hasPrefix("sha256:"), "busybox, the parent's parent")
        #expect(root.inspect("busybox", "{{.Parent}}") == "", "a pulled or loaded image has none")
        let kept = root.skiff("rmi", "--no-prune", "child:1")
        #expect(kept.status == 0, "\(kept.err)")
        #expect(!exists("child:1"))
        #expect(exists(parent), "--no-prune keeps the untagged parent")

        // Used by a container: kept even without --no-prune.
        _ = commit(parent, "child:2")
        #expect(root.skiff("create", "--name", "user", parent, "true").status == 0)
        #expect(root.skiff("rmi", "child:2").status == 0)
        #expect(exists(parent), "a parent a container uses stays")
        #expect(root.skiff("rm", "user").status == 0)

        _ = commit(parent, "child:3")
        let pruned = root.skiff("rmi", "child:3")
        #expect(pruned.status == 0, "\(pruned.err)")
        #expect(!exists(parent), "the untagged parent goes with its last child")
        #expect(pruned.out.contains("Deleted: \(parent)\n"), "\(pruned.out)")
        #expect(exists("busybox"), "a tagged parent stays")
        #expect(root.skiff("run", "--rm", "busybox", "true").status == 0)
    }
}
