import Foundation
import SkiffImage
import SkiffKit
import Testing

/// The command line as Docker users type it: compose's project flags before the command, mistyped
/// commands named with the nearest real one, and exit status 125 for a command line that does not parse.
@Suite(
    "command-line usage",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct CommandLineUsageTests {
    @Test func composeFileFlagBeforeTheCommand() throws {
        let p = try ComposeEndToEndTests.Project("services: {}\n")
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/deploy", withIntermediateDirectories: true)
        try "services:\n  app:\n    image: busybox\n    command: sleep 1000\n    stop_grace_period: 1s\n"
            .write(toFile: p.dir + "/deploy/stack.yml", atomically: true, encoding: .utf8)

        let up = p.compose("-f", "deploy/stack.yml", "-p", "demo", "up", "-d")
        #expect(up.status == 0, "\(up.err)")
        #expect(p.container("demo-app-1")?.status == .running)
        let ps = p.compose("-f", "deploy/stack.yml", "-p", "demo", "ps")
        #expect(ps.out.contains("demo-app-1"), "\(ps.out)\(ps.err)")
        #expect(p.compose("-f", "deploy/stack.yml", "-p", "demo", "stop").status == 0)
        // After the command, -f is rm's --force (Docker Compose's meaning).
        let rm = p.compose("-f", "deploy/stack.yml", "-p", "demo", "rm", "-f")
        #expect(rm.status == 0, "\(rm.err)")
        #expect(p.container("demo-app-1") == nil)
        p.checkNothingLeft(ids: [])
    }

    /// `--root` before the command picks the state root (podman's flag); it used to be taken and ignored,
    /// so the work landed in /var/lib/skiff.
    @Test func rootFlagPicksTheStateRoot() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let other = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-cli-test-other-")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let create = root.skiff("--root", other, "volume", "create", "rootflag-vol")
        #expect(create.status == 0, "\(create.err)")
        #expect(FileManager.default.fileExists(atPath: other + "/volumes/rootflag-vol"))
        #expect(!root.skiff("volume", "ls").out.contains("rootflag-vol"))
        #expect(root.skiff("--root=" + other, "volume", "ls").out.contains("rootflag-vol"))
        #expect(root.skiff("--root", other, "volume", "rm", "rootflag-vol").status == 0)
        #expect(root.skiff("--root", "", "ps").status == 125)
    }

    @Test func mistypedCommandsNameTheNearestOne() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let top = root.skiff("rnu", "busybox")
        #expect(top.status == 125)
        #expect(
            top.err.contains("'rnu' is not a skiff command") && top.err.contains("Did you mean 'run'?"), "\(top.err)")
        let nested = root.skiff("compose", "upp")
        #expect(nested.status == 125)
        #expect(nested.err.contains("Did you mean 'up'?"), "\(nested.err)")
        let flag = root.skiff("run", "--rmm", "busybox", "true")
        #expect(flag.status == 125)
        #expect(flag.err.contains("--rm"), "\(flag.err)")
        #expect(root.engine.listContainers().isEmpty)
    }
}

extension CommandLineUsageTests {
    /// Without root, every command that needs it says so in one sentence and fails at once (it used to
    /// show an empty `ps` while containers ran, and `run` tried Docker Hub).
    static let needingRoot: [([String], Int32)] = [
        (["ps"], 1), (["images"], 1), (["run", "busybox", "true"], 125), (["network", "ls"], 1),
        (["compose", "up"], 1),
    ]

    @Test(arguments: needingRoot)
    func commandsNeedingRootSayItAtOnce(args: [String], status: Int32) throws {
        let root = try CLIRoot(launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        defer { root.cleanUp() }
        let r = root.skiff(args)
        #expect(r.status == status, "\(r.err)")
        #expect(r.err.contains("\(args[0]) needs root") && r.err.contains("sudo"), "\(r.err)")
        #expect(root.skiff("--version").status == 0)
    }
}

extension CommandLineUsageTests {
    /// Prunes ask first, as Docker's do: no answer (stdin at end) removes nothing; -f does not ask;
    /// `system prune -a` also removes images no container uses, while a used image stays.
    @Test func prunesAskFirstAndAllTakesUnusedImages() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("tag", "busybox", "spare:1").status == 0)
        #expect(root.skiff("create", "--name", "idle", "busybox", "true").status == 0)
        let asked = root.skiff("system", "prune", "-a")
        #expect(asked.status == 0 && asked.out.contains("Are you sure you want to continue? [y/N]"), "\(asked.out)")
        #expect(root.engine.listContainers().count == 1, "nothing is removed without a yes")
        #expect(root.skiff("container", "prune").out.contains("[y/N]"))
        #expect(root.engine.listContainers().count == 1)

        // A running container keeps its image; the spare tag of the same image goes with -a only if
        // no container uses the image, so run one from another image name.
        #expect(root.skiff("rm", "idle").status == 0)
        #expect(root.skiff("run", "-d", "--name", "keeper", "spare:1", "sleep", "1000").status == 0)
        #expect(root.skiff("tag", "busybox", "busybox:unused").status == 0)
        let pruned = root.skiff("system", "prune", "-a", "-f")
        #expect(pruned.status == 0, "\(pruned.err)")
        #expect(!pruned.out.contains("[y/N]"))
        let images = root.skiff("images").out
        #expect(images.contains("spare") && images.contains("busybox"), "an image a container uses stays: \(images)")
        #expect(root.skiff("rm", "-f", "keeper").status == 0)
        #expect(root.skiff("image", "prune", "-a", "-f").status == 0)
        #expect(root.skiff("images", "-q").out.isEmpty, "every unused image is gone: \(root.skiff("images").out)")
    }
}

extension CommandLineUsageTests {
    /// `system df` counts what is on disk under the state root: image blobs and unpacked layers, whole
    /// container directories, volumes, and the build cache with its cache mounts (it used to say 0B for
    /// the build cache and count only the manifests' sizes).
    @Test func systemDfAccountsForTheStateRoot() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try
            "FROM busybox\nRUN --mount=type=cache,target=/cache dd if=/dev/zero of=/cache/blob bs=1024 count=2048\nRUN echo two > /two\n"
            .write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let build = root.skiff("build", "-q", "-t", "dftest", context)
        #expect(build.status == 0, "\(build.err)")
        #expect(
            root.skiff(
                "run", "--name", "used", "-v", "data:/data", "busybox", "dd", "if=/dev/zero", "of=/data/f",
                "bs=1024", "count=1024"
            ).status == 0)

        let u = root.engine.diskUsage()
        #expect(u.buildCacheBytes >= 2048 * 1024 && u.buildCacheEntries >= 1, "\(u)")
        let volumes = Engine.diskUsage(root.path + "/volumes")
        let counted = u.imageBytes + u.containerBytes + u.buildCacheBytes + volumes
        let onDisk = Engine.diskUsage(root.path)
        #expect(Double(counted) >= 0.9 * Double(onDisk), "df counts \(counted) of \(onDisk) bytes")
        let df = root.skiff("system", "df").out
        #expect(df.contains("Build Cache") && !df.contains("Build Cache     0"), "\(df)")

        // images -a: the first RUN's intermediate image too, as <none>.
        let plain = root.skiff("images").out
        let all = root.skiff("images", "-a").out
        #expect(!plain.contains("<none>") && all.contains("<none>"), "\(all)")
        #expect(all.split(separator: "\n").count == plain.split(separator: "\n").count + 1, "\(plain)\n\(all)")
    }
}

extension CommandLineUsageTests {
    /// Docker's prune `--filter`: `label=`, `label!=` and `until=` choose what goes; volumes take labels
    /// only; a bad filter is refused by name before anything is removed.
    @Test func prunesTakeDockersFilters() throws {
        let root = try CLIRoot()
        defer { root.cleanUp(removeVolumes: true) }
        #expect(root.skiff("create", "--name", "keep", "--label", "keep=yes", "busybox", "true").status == 0)
        #expect(root.skiff("create", "--name", "drop", "busybox", "true").status == 0)
        // ps takes the same label filter (KEY, KEY=VALUE).
        #expect(root.skiff("ps", "-a", "--filter", "label=keep", "--format", "{{.Names}}").out == "keep\n")
        #expect(root.skiff("ps", "-a", "--filter", "label=keep=yes", "--format", "{{.Names}}").out == "keep\n")
        #expect(root.skiff("ps", "-a", "--filter", "label=keep=no", "-q").out == "")
        let bad = root.skiff("container", "prune", "-f", "--filter", "colour=red")
        #expect(bad.status != 0 && bad.err.contains("--filter colour=red"), "\(bad)")
        #expect(root.engine.listContainers().count == 2)
        // Everything was created just now: nothing is older than an hour.
        #expect(root.skiff("container", "prune", "-f", "--filter", "until=1h").status == 0)
        #expect(root.engine.listContainers().count == 2)
        let pruned = root.skiff("container", "prune", "-f", "--filter", "label!=keep")
        #expect(pruned.status == 0 && pruned.out.contains("Deleted Containers:"), "\(pruned)")
        #expect(root.engine.listContainers().map(\.name) == ["keep"])

        #expect(root.skiff("volume", "create", "--label", "tier=db", "data").status == 0)
        #expect(root.skiff("volume", "create", "scratch").status == 0)
        let untilOnVolumes = root.skiff("volume", "prune", "-a", "-f", "--filter", "until=1h")
        #expect(untilOnVolumes.status != 0 && untilOnVolumes.err.contains("label="), "\(untilOnVolumes)")
        #expect(root.skiff("volume", "prune", "-a", "-f", "--filter", "label=tier=db").status == 0)
        #expect(root.skiff("volume", "ls", "-q").out == "scratch\n")

        #expect(root.skiff("network", "create", "--label", "team=a", "neta").status == 0)
        #expect(root.skiff("network", "create", "netb").status == 0)
        #expect(root.skiff("network", "prune", "-f", "--filter", "label=team").status == 0)
        let networks = root.skiff("network", "ls", "--format", "{{.Name}}").out
        #expect(!networks.contains("neta") && networks.contains("netb"), "\(networks)")
    }
}
