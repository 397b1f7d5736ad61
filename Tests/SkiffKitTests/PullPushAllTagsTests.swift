import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `push -a` and `pull -a` (--all-tags), as Docker's, against a real `docker-registry` on
/// loopback (the LocalRegistry fixture), driven through the built CLI.
@Suite(
    "push and pull --all-tags",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
struct PullPushAllTagsTests {
    @Test func pushAndPullEveryTagOfARepository() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-all-tags-")
        defer { root.cleanUp() }
        let repo = "\(registry.host)/team/app"
        // Two different images under three tags, and a tag of another repository that stays local.
        #expect(root.skiff("run", "--name", "c", "busybox", "sh", "-c", "echo two > /version").status == 0)
        #expect(root.skiff("commit", "c", repo + ":2").status == 0)
        #expect(root.skiff("rm", "c").status == 0)
        for tag in ["1", "latest"] { #expect(root.skiff("tag", "busybox", "\(repo):\(tag)").status == 0) }
        #expect(root.skiff("tag", "busybox", "\(registry.host)/team/other:1").status == 0)

        #expect(root.skiff("push", "-a", repo + ":1").err.contains("tag can't be used with --all-tags/-a"))
        let missing = root.skiff("push", "--all-tags", "\(registry.host)/team/none")
        #expect(missing.status != 0 && missing.err.contains("An image does not exist locally"), "\(missing.err)")
        let push = root.skiff("push", "--all-tags", repo, timeout: 120)
        #expect(push.status == 0, "\(push.err)")
        for tag in ["1", "2", "latest"] { #expect(push.out.contains("\(tag): digest: sha256:"), "\(push.out)") }
        let listed = TestShell.run("curl -s http://\(registry.host)/v2/team/app/tags/list").output
        #expect(listed.contains("\"1\"") && listed.contains("\"2\"") && listed.contains("\"latest\""), "\(listed)")
        #expect(
            !TestShell.run("curl -s http://\(registry.host)/v2/team/other/tags/list").output.contains("\"1\""),
            "another repository's tag is not pushed")

        for tag in ["1", "2", "latest"] { #expect(root.skiff("rmi", "\(repo):\(tag)").status == 0) }
        #expect(root.skiff("pull", "-a", repo + ":latest").err.contains("tag can't be used with --all-tags/-a"))
        let pull = root.skiff("pull", "-a", repo, timeout: 120)
        #expect(pull.status == 0, "\(pull.err)")
        let names = root.skiff("images", "--format", "{{.Repository}}:{{.Tag}}", repo).out
            .split(separator: "\n").map(String.init).sorted()
        #expect(names == ["\(repo):1", "\(repo):2", "\(repo):latest"], "\(names)")
        #expect(root.skiff("run", "--rm", repo + ":2", "cat", "/version").out == "two\n")
        let events = root.skiff(
            "events", "--since", "1h", "--until", "0s", "--filter", "type=image", "--filter", "event=pull",
            "--format", "{{.Actor.ID}}"
        ).out
        #expect(events.split(separator: "\n").count == 3, "\(events)")
    }
}
