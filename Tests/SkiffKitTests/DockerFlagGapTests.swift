import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: Docker flags skiff lacked (`logs --details`, `inspect --size`, `network rm -f`,
/// `rm --link`), driven through the built CLI, each as Docker's reference and source have it.
@Suite(
    "Docker flag gaps (issue 14)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct DockerFlagGapTests {
    /// Docker writes the time, then the entry's attributes and a space, then the text; an entry with no
    /// attributes (skiff's --log-opt takes no labels= or env=) gets the space alone.
    @Test func logsDetailsPrefixesEachLineWithItsAttributes() throws {
        let root = try CLIRoot(prefix: "skiff-logs-details-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "c", "busybox", "sh", "-c", "echo one; echo two >&2").status == 0)
        #expect(root.skiff("wait", "c").out == "0\n")
        let plain = root.skiff("logs", "c")
        #expect(plain.out == "one\n" && plain.err == "two\n", "\(plain)")
        let details = root.skiff("logs", "--details", "c")
        #expect(details.status == 0 && details.out == " one\n" && details.err == " two\n", "\(details)")
        let both = root.skiff("logs", "--details", "-t", "c").out
        #expect(both.hasSuffix("Z  one\n"), "time, space, attributes (none), space, text: \(both)")
    }

    /// `inspect -s`: SizeRw (the writable layer) and SizeRootFs (with the image), absent without it.
    @Test func inspectSizeAddsTheContainersSizes() throws {
        let root = try CLIRoot(prefix: "skiff-inspect-size-")
        defer { root.cleanUp() }
        #expect(
            root.skiff("run", "--name", "c", "busybox", "sh", "-c", "head -c 300000 /dev/zero > /blob").status == 0)
        #expect(!root.skiff("inspect", "c").out.contains("SizeRw"), "only when asked for, as Docker's")
        let sized = root.skiff("inspect", "--size", "--format", "{{.SizeRw}} {{.SizeRootFs}}", "c")
        #expect(sized.status == 0, "\(sized.err)")
        let numbers = sized.out.split(separator: " ").compactMap {
            Int64($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(numbers.count == 2, "\(sized.out)")
        if numbers.count == 2 {
            #expect(numbers[0] >= 300_000 && numbers[0] < 1_000_000, "\(numbers)")
            #expect(numbers[1] > numbers[0], "the image's bytes are added: \(numbers)")
        }
        let json = root.skiff("container", "inspect", "-s", "c").out
        #expect(json.contains("\"SizeRw\"") && json.contains("\"SizeRootFs\""), "\(json)")
    }

    /// `network rm -f`: a network that does not exist is no error; other errors stay errors.
    @Test func networkRemoveForceIgnoresMissingNetworks() throws {
        let root = try CLIRoot(prefix: "skiff-netrm-force-")
        defer { root.cleanUp() }
        #expect(root.skiff("network", "rm", "nope").status != 0)
        let forced = root.skiff("network", "rm", "-f", "nope")
        #expect(forced.status == 0 && forced.out.isEmpty && forced.err.isEmpty, "\(forced)")
        #expect(root.skiff("network", "create", "gapnet").status == 0)
        let both = root.skiff("network", "rm", "--force", "nope", "gapnet")
        #expect(both.status == 0 && both.out == "gapnet\n", "\(both)")
        #expect(root.skiff("network", "rm", "-f", "bridge").status != 0, "a pre-defined network is still refused")
    }

    /// `rm --link /PARENT/ALIAS`: the link goes (inspect's Links, the hosts line), both containers stay.
    @Test func removeLinkRemovesTheLinkNotTheContainer() throws {
        let root = try CLIRoot(prefix: "skiff-rm-link-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "db", "busybox", "sleep", "300").status == 0)
        #expect(root.skiff("run", "-d", "--name", "web", "--link", "db:store", "busybox", "sleep", "300").status == 0)
        #expect(root.skiff("exec", "web", "grep", "-w", "store", "/etc/hosts").status == 0)
        #expect(root.skiff("inspect", "web").out.contains("/db:/web/store"))
        #expect(root.skiff("rm", "--link", "/web/other").status != 0, "no such link")
        #expect(root.skiff("rm", "--link", "db").err.contains("cannot remove the default link name"))
        let removed = root.skiff("rm", "--link", "/web/store")
        #expect(removed.status == 0 && removed.out == "/web/store\n", "\(removed)")
        #expect(root.skiff("exec", "web", "grep", "-w", "store", "/etc/hosts").status == 1, "the hosts line is gone")
        #expect(root.skiff("inspect", "web").out.contains("/db:/web/store") == false, "inspect's Links lose it")
        let names = root.skiff("ps", "--format", "{{.Names}}").out.split(separator: "\n").sorted()
        #expect(names == ["db", "web"], "both containers stay: \(names)")
        #expect(root.skiff("rm", "-f", "web", "db").status == 0)
    }
}
