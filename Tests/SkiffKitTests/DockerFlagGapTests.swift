import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
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
    /// attributes (no --log-opt labels/env/tag; see AttachedRunLogTests) gets the space alone.
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

    /// `network connect --link NAME:ALIAS`: the running container reaches NAME as ALIAS at once (its
    /// hosts file); refused on the default bridge, as Docker's.
    @Test func networkConnectLinkAddsALink() throws {
        let root = try CLIRoot(prefix: "skiff-connect-link-")
        defer { root.cleanUp() }
        #expect(root.skiff("network", "create", "linknet").status == 0)
        #expect(root.skiff("run", "-d", "--name", "db", "--network", "linknet", "busybox", "sleep", "300").status == 0)
        #expect(root.skiff("run", "-d", "--name", "web", "busybox", "sleep", "300").status == 0)
        let onBridge = root.skiff("network", "connect", "--link", "db:store", "bridge", "db")
        #expect(onBridge.status != 0 && onBridge.err.contains("links are only supported for user-defined networks"))
        let missing = root.skiff("network", "connect", "--link", "nobody:x", "linknet", "web")
        #expect(missing.status != 0 && missing.err.contains("nobody"), "\(missing.err)")
        let connected = root.skiff("network", "connect", "--link", "db:store", "linknet", "web")
        #expect(connected.status == 0, "\(connected.err)")
        let hosts = root.skiff("exec", "web", "cat", "/etc/hosts").out
        #expect(
            hosts.split(separator: "\n").contains { $0.split(whereSeparator: \.isWhitespace).contains("store") },
            "\(hosts)")
        #expect(root.skiff("exec", "web", "ping", "-c1", "-W2", "store").status == 0)
        #expect(root.skiff("inspect", "web").out.contains("/db:/web/store"))
        #expect(root.skiff("rm", "-f", "web", "db").status == 0)
        #expect(root.skiff("network", "rm", "linknet").status == 0)
    }

    /// `network inspect -v`: what Docker adds is a swarm network's services; a local network's
    /// document is the same.
    @Test func networkInspectVerboseOnALocalNetwork() throws {
        let root = try CLIRoot(prefix: "skiff-netinspect-v-")
        defer { root.cleanUp() }
        #expect(root.skiff("network", "create", "vnet").status == 0)
        defer { root.skiff("network", "rm", "vnet") }
        let plain = root.skiff("network", "inspect", "vnet")
        let verbose = root.skiff("network", "inspect", "--verbose", "vnet")
        #expect(verbose.status == 0 && verbose.out == plain.out && !verbose.out.contains("Services"), "\(verbose)")
        #expect(root.skiff("network", "inspect", "-v", "-f", "{{.Name}}", "vnet").out == "vnet\n")
    }

    /// `run/create --volume-driver`: local (the only driver) is accepted and its volume made; another
    /// is refused before anything is created (exit 125).
    @Test func volumeDriverLocalOnly() throws {
        let root = try CLIRoot(prefix: "skiff-volume-driver-")
        defer { root.cleanUp() }
        let local = root.skiff(
            "run", "--rm", "--volume-driver", "local", "-v", "vd-data:/data", "busybox", "sh", "-c", "echo ok > /data/f"
        )
        #expect(local.status == 0, "\(local.err)")
        #expect(root.skiff("volume", "ls", "-q").out == "vd-data\n")
        let other = root.skiff("create", "--name", "x", "--volume-driver", "flocker", "-v", "vd2:/data", "busybox")
        #expect(other.status == 125 && other.err.contains("--volume-driver flocker"), "\(other)")
        #expect(root.skiff("ps", "-aq").out.isEmpty && root.skiff("volume", "ls", "-q").out == "vd-data\n")
        #expect(root.skiff("volume", "rm", "vd-data").status == 0)
    }

    /// `--disable-content-trust` (Docker's default, true) is accepted on pull, push, run and create;
    /// asking for Notary verification (=false) is refused with exit 125 before anything is done.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
    func disableContentTrust() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-content-trust-")
        defer { root.cleanUp() }
        let repo = "\(registry.host)/trust/app:1"
        #expect(root.skiff("tag", "busybox", repo).status == 0)
        let push = root.skiff("push", "--disable-content-trust", repo, timeout: 120)
        #expect(push.status == 0, "\(push.err)")
        #expect(root.skiff("rmi", repo).status == 0)
        let pull = root.skiff("pull", "--disable-content-trust", "-q", repo, timeout: 120)
        #expect(pull.status == 0, "\(pull.err)")
        let run = root.skiff("run", "--rm", "--disable-content-trust", repo, "echo", "trusted")
        #expect(run.status == 0 && run.out == "trusted\n", "\(run)")
        #expect(root.skiff("create", "--name", "a", "--disable-content-trust", "busybox").status == 0)
        for args in [
            ["pull", "--no-disable-content-trust", repo], ["push", "--no-disable-content-trust", repo],
            ["run", "--no-disable-content-trust", "--name", "b", "busybox", "true"],
            ["create", "--no-disable-content-trust", "--name", "b", "busybox"],
        ] {
            let refused = root.skiff(args)
            #expect(refused.status == 125 && refused.err.contains("content trust"), "\(args): \(refused)")
        }
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}}").out == "a\n", "nothing more was created")
    }

    /// `--disable-content-trust=BOOL`, Go's spelling, as Docker takes it on run, create, pull, push and
    /// build: a true word is the default, =false asks for Notary verification and is refused (125) before
    /// anything is done. run's and create's operands keep such a word as typed.
    @Test func goSpelledDisableContentTrust() throws {
        let root = try CLIRoot(prefix: "skiff-content-trust-go-")
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "--rm", "--disable-content-trust=true", "--network", "none", "busybox", "echo",
            "--disable-content-trust=false")
        #expect(run.status == 0 && run.out == "--disable-content-trust=false\n", "\(run)")
        #expect(
            root.skiff(
                "create", "--name", "a", "--disable-content-trust=1", "--network", "none", "busybox", "sleep", "1000"
            )
            .status == 0)
        // exec takes no such flag: the word is its command's, as typed.
        #expect(root.skiff("start", "a").status == 0)
        let exec = root.skiff("exec", "a", "echo", "--disable-content-trust=true")
        #expect(exec.out == "--disable-content-trust=true\n", "\(exec)")
        #expect(root.skiff("stop", "-t", "0", "a").status == 0)
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let build = root.skiff("build", "--disable-content-trust=True", "-q", "-t", "trusted:1", context)
        #expect(build.status == 0, "\(build)")
        for args in [
            ["run", "--disable-content-trust=false", "--name", "b", "busybox", "true"],
            ["create", "--disable-content-trust=0", "--name", "b", "busybox"],
            ["pull", "--disable-content-trust=false", "busybox"], ["push", "--disable-content-trust=F", "trusted:1"],
            ["image", "pull", "--disable-content-trust=false", "busybox"],
            ["build", "--disable-content-trust=false", "-t", "untrusted:1", context],
        ] {
            let refused = root.skiff(args)
            #expect(refused.status == 125 && refused.err.contains("content trust"), "\(args): \(refused)")
        }
        let bad = root.skiff("run", "--disable-content-trust=maybe", "--name", "b", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("disable-content-trust"), "\(bad)")
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}}").out == "a\n", "nothing more was created")
        #expect(root.skiff("images", "-q", "untrusted").out.isEmpty)
    }

    /// `builder prune --filter` and `--keep-storage`, as BuildKit's prune: only the matching items, and
    /// with a size to keep, the least recently used first until the cache fits.
    @Test func builderPruneFilterAndKeepStorage() throws {
        let root = try CLIRoot(prefix: "skiff-builder-prune-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        // The cache mount is used (its use recorded) before the step's entry is written, a second apart.
        try """
        FROM busybox
        RUN --mount=type=cache,target=/cache head -c 300000 /dev/zero > /cache/blob; sleep 1.2; echo made > /m

        """.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        func build() -> CLIRoot.Result { root.skiff("build", "-t", "pruned", context, timeout: 120) }
        #expect(build().status == 0)
        func prune(_ args: String...) -> CLIRoot.Result { root.skiff(["builder", "prune", "-f"] + args) }
        let label = prune("--filter", "label=x")
        #expect(label.status == 125 && label.err.contains("invalid filter 'label'"), "\(label)")
        #expect(prune("--filter", "until=soon").status == 125)
        #expect(prune("--keep-storage", "lots").status == 125)
        let none = "Deleted build cache objects: 0 steps, 0 cache mounts\n"
        #expect(prune("--filter", "until=1h").out.hasPrefix(none), "nothing is an hour old")
        #expect(prune("--keep-storage", "10m").out.hasPrefix(none), "the cache fits in 10 MB")
        // Over 100 KB: the cache mount (300 KB), least recently used, goes; the step's entry fits.
        let kept = prune("--keep-storage", "100k")
        #expect(kept.out.hasPrefix("Deleted build cache objects: 0 steps, 1 cache mounts\n"), "\(kept)")
        #expect(build().out.contains("Using cache"), "the step is still cached")
        let steps = prune("--filter", "type=regular")
        #expect(steps.out.hasPrefix("Deleted build cache objects: 1 steps, 0 cache mounts\n"), "\(steps)")
        #expect(!build().out.contains("Using cache"), "the step runs again")
        #expect(
            prune("--filter", "type=exec.cachemount").out.hasPrefix(
                "Deleted build cache objects: 0 steps, 1 cache mounts"))
        #expect(root.skiff("rmi", "pruned").status == 0)
    }

    /// `image inspect --platform` and `history --platform` on a single-platform image: this machine's
    /// platform (in any spelling) is the image; another is refused, naming both.
    @Test func platformOnImageInspectAndHistory() throws {
        let root = try CLIRoot(prefix: "skiff-image-platform-")
        defer { root.cleanUp() }
        let arch = try root.engine.images.resolve("busybox").config.architecture
        let id = root.skiff("image", "inspect", "-f", "{{.Id}}", "busybox").out
        let same = root.skiff("image", "inspect", "--platform", "linux/" + arch, "-f", "{{.Id}}", "busybox")
        #expect(same.status == 0 && same.out == id, "\(same)")
        #expect(root.skiff("history", "--platform", "linux/" + arch, "-q", "busybox").status == 0)
        let other = arch == "arm64" ? "linux/amd64" : "linux/arm64"
        for args in [
            ["image", "inspect", "--platform", other, "busybox"], ["history", "--platform", other, "busybox"],
        ] {
            let refused = root.skiff(args)
            #expect(refused.status != 0, "\(args)")
            #expect(
                refused.err.contains("does not provide the specified platform (\(other))")
                    && refused.err.contains("linux/\(arch)"), "\(refused.err)")
        }
        #expect(root.skiff("history", "--platform", "linux/", "busybox").status != 0)
    }

    /// `image inspect --platform` and `history --platform` on a multi-platform image the store keeps
    /// (a build for two platforms): each platform's own image, whichever the name points at.
    @Test func platformOnAMultiPlatformImage() throws {
        let root = try CLIRoot(prefix: "skiff-image-multiplatform-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try BuildPlatformEndToEndTests.write("FROM scratch\nCOPY f /f\n", context + "/Dockerfile")
        try BuildPlatformEndToEndTests.write("f\n", context + "/f")
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi", context, timeout: 120)
        try #require(built.status == 0, "\(built)")
        var ids: Set<String> = []
        for arch in ["amd64", "arm64"] {
            let inspected = root.skiff(
                "image", "inspect", "--platform", "linux/" + arch, "-f", "{{.Architecture}} {{.Id}}", "multi")
            #expect(inspected.status == 0 && inspected.out.hasPrefix(arch + " sha256:"), "\(inspected)")
            ids.insert(inspected.out)
            let history = root.skiff("history", "--platform", "linux/" + arch, "-q", "--no-trunc", "multi")
            #expect(history.status == 0 && inspected.out.contains(history.out.split(separator: "\n").first ?? "-"))
        }
        #expect(ids.count == 2, "two images: \(ids)")
        let missing = root.skiff("image", "inspect", "--platform", "linux/s390x", "multi")
        #expect(missing.status == 1 && missing.err.contains("(linux/s390x)"), "\(missing)")
    }

    /// `import --platform`: the image made is that platform's (its config's os, architecture, variant).
    @Test func importPlatformSetsTheImagesPlatform() throws {
        let root = try CLIRoot(prefix: "skiff-import-platform-")
        defer { root.cleanUp() }
        let tar = root.path + "/rootfs.tar"
        #expect(root.skiff("create", "--name", "src", "busybox").status == 0)
        #expect(root.skiff("export", "-o", tar, "src").status == 0)
        let imported = root.skiff("import", "--platform", "linux/arm/v7", tar, "imp:arm")
        #expect(imported.status == 0, "\(imported)")
        let shown = root.skiff("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", "imp:arm").out
        #expect(shown == "linux/arm\n", "\(shown)")
        #expect(root.skiff("image", "inspect", "--platform", "linux/arm/v7", "imp:arm").status == 0)
        #expect(root.skiff("image", "inspect", "--platform", "linux/arm/v6", "imp:arm").status != 0)
        let windows = root.skiff("import", "--platform", "windows/amd64", tar, "imp:win")
        #expect(windows.status == 125 && windows.err.contains("--platform"), "\(windows)")
        #expect(root.skiff("image", "inspect", "imp:win").status != 0, "nothing was imported")
    }

    /// `save --platform`: of a multi-platform image, only that platform's image goes into the archive,
    /// under the name; a platform the image does not have is refused and no archive is written.
    @Test func savePlatformSavesThatPlatformsImage() throws {
        let root = try CLIRoot(prefix: "skiff-save-platform-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try BuildPlatformEndToEndTests.write("FROM scratch\nCOPY f /f\n", context + "/Dockerfile")
        try BuildPlatformEndToEndTests.write("f\n", context + "/f")
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi:1", context, timeout: 120)
        try #require(built.status == 0, "\(built)")
        let armID = root.skiff("image", "inspect", "--platform", "linux/arm64", "-f", "{{.Id}}", "multi:1").out
        let tar = root.path + "/arm.tar"
        let saved = root.skiff("save", "--platform", "linux/arm64", "-o", tar, "multi:1")
        #expect(saved.status == 0, "\(saved)")
        let refused = root.skiff("save", "--platform", "linux/s390x", "-o", root.path + "/none.tar", "multi:1")
        #expect(refused.status != 0 && !FileManager.default.fileExists(atPath: root.path + "/none.tar"), "\(refused)")
        #expect(root.skiff("rmi", "multi:1").status == 0)
        let loaded = root.skiff("load", "-i", tar)
        #expect(loaded.status == 0, "\(loaded)")
        #expect(root.skiff("image", "inspect", "-f", "{{.Architecture}}", "multi:1").out == "arm64\n")
        #expect(root.skiff("image", "inspect", "-f", "{{.Id}}", "multi:1").out == armID)
    }

    /// `push --platform`: of a multi-platform image, that platform's manifest alone goes to the
    /// registry under the name (not the index); a platform it does not have is refused.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
    func pushPlatformPushesThatPlatformsManifest() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-push-platform-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try BuildPlatformEndToEndTests.write("FROM scratch\nCOPY f /f\n", context + "/Dockerfile")
        try BuildPlatformEndToEndTests.write("f\n", context + "/f")
        let name = "\(registry.host)/plat/app:1"
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", name, context, timeout: 120)
        try #require(built.status == 0, "\(built)")
        let armID = root.skiff("image", "inspect", "--platform", "linux/arm64", "-f", "{{.Id}}", name).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = root.skiff("push", "--platform", "linux/s390x", name)
        #expect(refused.status != 0 && refused.err.contains("(linux/s390x)"), "\(refused)")
        let pushed = root.skiff("push", "--platform", "linux/arm64", name, timeout: 120)
        #expect(pushed.status == 0, "\(pushed)")
        let accept = "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"
        let manifest = TestShell.run("curl -s -H 'Accept: \(accept)' http://\(registry.host)/v2/plat/app/manifests/1")
            .output
        #expect(manifest.contains(armID) && !manifest.contains("\"manifests\""), "\(manifest)")
    }

    /// `rmi --platform`: that platform's image leaves a multi-platform image, the name stays for the
    /// other; its last platform takes the name; a platform it does not have is refused.
    @Test func rmiPlatformRemovesThatPlatformOnly() throws {
        let root = try CLIRoot(prefix: "skiff-rmi-platform-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try BuildPlatformEndToEndTests.write("FROM scratch\nCOPY f /f\n", context + "/Dockerfile")
        try BuildPlatformEndToEndTests.write("f\n", context + "/f")
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi:1", context, timeout: 120)
        try #require(built.status == 0, "\(built)")
        func inspect(_ arch: String) -> CLIRoot.Result {
            root.skiff("image", "inspect", "--platform", "linux/" + arch, "-f", "{{.Architecture}}", "multi:1")
        }
        let refused = root.skiff("rmi", "--platform", "linux/s390x", "multi:1")
        #expect(refused.status == 1 && refused.err.contains("(linux/s390x)"), "\(refused)")
        let removed = root.skiff("rmi", "--platform", "linux/arm64", "multi:1")
        #expect(removed.status == 0 && removed.out.hasPrefix("Deleted: sha256:"), "\(removed)")
        #expect(inspect("arm64").status != 0, "the arm64 image is gone")
        #expect(inspect("amd64").out == "amd64\n", "the name stays for amd64")
        let last = root.skiff("rmi", "--platform", "linux/amd64", "multi:1")
        #expect(last.status == 0 && last.out.contains("Untagged: multi:1"), "\(last)")
        #expect(root.skiff("image", "inspect", "multi:1").status != 0)
    }

    /// `load --platform`: of a multi-platform archive (an OCI layout whose index lists two platforms),
    /// only that platform's image is loaded, under the archive's name; without it, this machine's.
    @Test func loadPlatformLoadsThatPlatformsImage() throws {
        let root = try CLIRoot(prefix: "skiff-load-platform-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try BuildPlatformEndToEndTests.write("FROM scratch\nCOPY f /f\n", context + "/Dockerfile")
        try BuildPlatformEndToEndTests.write("f\n", context + "/f")
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi:1", context, timeout: 120)
        try #require(built.status == 0, "\(built)")
        // One OCI layout: both platforms' blobs, and an index.json naming a nested index of the two.
        let layout = root.path + "/layout"
        var entries: [Descriptor] = []
        var ids: [String: String] = [:]
        for arch in ["amd64", "arm64"] {
            let tar = root.path + "/\(arch).tar"
            #expect(
                root.skiff("save", "--platform", "linux/" + arch, "--format", "oci-archive", "-o", tar, "multi:1")
                    .status == 0)
            #expect(TestShell.run("mkdir -p \(layout) && tar -xf \(tar) -C \(layout)").status == 0)
            let index = try JSONDecoder().decode(
                ImageIndex.self, from: try Data(contentsOf: URL(fileURLWithPath: layout + "/index.json")))
            var entry = try #require(index.manifests.first)
            entry.annotations = nil
            entry.platform = Platform(architecture: arch)
            entries.append(entry)
            ids[arch] = root.skiff("image", "inspect", "--platform", "linux/" + arch, "-f", "{{.Id}}", "multi:1").out
        }
        let nested = Array(try JSONEncoder().encode(ImageIndex(manifests: entries)))
        let nestedDigest = Digest.of(nested)
        try Data(nested).write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + nestedDigest.hex))
        let top = ImageIndex(manifests: [
            Descriptor(
                mediaType: MediaType.ociIndex, digest: nestedDigest.description, size: Int64(nested.count),
                annotations: ["io.containerd.image.name": "docker.io/library/multi:2"])
        ])
        try JSONEncoder().encode(top).write(to: URL(fileURLWithPath: layout + "/index.json"))
        let archive = root.path + "/multi.tar"
        #expect(TestShell.run("tar -cf \(archive) -C \(layout) .").status == 0)

        let none = root.skiff("load", "--platform", "linux/s390x", "-i", archive)
        #expect(none.status != 0 && none.err.contains("linux/s390x"), "\(none)")
        let arm = root.skiff("load", "--platform", "linux/arm64", "-i", archive)
        #expect(arm.status == 0 && arm.out.contains("multi:2"), "\(arm)")
        #expect(root.skiff("image", "inspect", "-f", "{{.Id}}", "multi:2").out == ids["arm64"])
        let native = try root.engine.images.resolve("busybox").config.architecture
        if let nativeID = ids[native] {
            #expect(root.skiff("load", "-i", archive).status == 0)
            #expect(root.skiff("image", "inspect", "-f", "{{.Id}}", "multi:2").out == nativeID)
        }
    }
}
