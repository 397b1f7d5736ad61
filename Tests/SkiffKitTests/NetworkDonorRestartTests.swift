import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `--network container:NAME` finds its donor again at every start, as Docker does: a donor with no
/// namespace file of its own (`--network none`) gets a new namespace each time it starts.
@Suite(
    "A network joiner follows its restarted donor",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct NetworkDonorRestartTests {
    @Test func aJoinerStartsInItsDonorsNewNamespaceAfterTheDonorRestarts() throws {
        let root = try NetworkTests.makeRoot()
        defer { NetworkTests.cleanUp(root) }
        #expect(root.skiff("run", "-d", "--name", "donor", "--network", "none", "busybox", "sleep", "1000").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "joiner", "--network", "container:donor", "busybox", "sleep", "1000")
                .status == 0)
        func netns(_ name: String) -> String {
            root.skiff("exec", name, "readlink", "/proc/self/ns/net").out.trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        #expect(!netns("donor").isEmpty && netns("joiner") == netns("donor"))

        #expect(root.skiff("stop", "-t", "0", "joiner", "donor").status == 0)
        let refused = root.skiff("start", "joiner")
        #expect(refused.status != 0 && refused.err.contains("non running container: donor"), "\(refused.err)")

        #expect(root.skiff("start", "donor").status == 0)
        let started = root.skiff("start", "joiner")
        #expect(started.status == 0, "\(started.err)")
        #expect(netns("joiner") == netns("donor"), "the joiner must be in the restarted donor's namespace")
    }
}
