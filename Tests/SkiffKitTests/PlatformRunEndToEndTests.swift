import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffTestSupport
import Testing

/// Another platform's images beyond the build: `run`/`create --platform`, compose's service `platform:`,
/// a foreign base image kept for the next build, and `docker-image://` contexts for the build's platform.
/// In the serialized suite of BuildPlatformEndToEndTests: one test registers an arm64 emulator, which the
/// refusals tested here must not see.
extension BuildPlatformEndToEndTests {
    /// `REPO:1`, an index of busybox (amd64) and an arm64 image built from `armContext`, pushed to `registry`.
    static func pushIndex(_ root: CLIRoot, _ registry: LocalRegistry, armContext: String) throws -> String {
        let repo = "\(registry.host)/multi/img"
        let arm = root.skiff("build", "--platform", "linux/arm64", "-t", repo + ":arm64", armContext)
        try #require(arm.status == 0, "\(arm.out)\(arm.err)")
        try #require(root.skiff("tag", "busybox", repo + ":amd64").status == 0)
        var entries: [Descriptor] = []
        for arch in ["amd64", "arm64"] {
            let pushed = root.skiff("push", repo + ":" + arch, timeout: 120)
            try #require(pushed.status == 0, "\(pushed.out)\(pushed.err)")
            let image = try root.engine.images.resolve(repo + ":" + arch)
            let size = root.engine.images.content.size(of: image.manifestDigest) ?? 0
            entries.append(
                Descriptor(
                    mediaType: image.manifest.mediaType ?? MediaType.ociManifest,
                    digest: image.manifestDigest.description, size: size, platform: Platform(architecture: arch)))
            try #require(root.skiff("rmi", repo + ":" + arch).status == 0)
        }
        let index = Array(try JSONEncoder().encode(ImageIndex(manifests: entries)))
        try RegistryClient(registry: registry.host).putManifest(
            repository: "multi/img", reference: "1", bytes: index, mediaType: MediaType.ociIndex)
        return repo + ":1"
    }

    @Test(
        "without an emulator another platform is refused by run, create and compose, naming the flag or key",
        .enabled(if: !BinfmtHandlers.current().runs(Platform(architecture: "arm64"))))
    func anotherPlatformWithoutAnEmulatorIsRefused() throws {
        let root = try CLIRoot(prefix: "skiff-plat-noemu-")
        defer { root.cleanUp() }
        for command in ["run", "create"] {
            let r = root.skiff(command, "--platform", "linux/arm64", "busybox", "true")
            #expect(r.status == 125, "\(r)")
            #expect(r.err.contains("--platform linux/arm64") && r.err.contains("binfmt_misc"), "\(r.err)")
        }
        let windows = root.skiff("run", "--platform", "windows/amd64", "busybox", "true")
        #expect(windows.status == 125 && windows.err.contains("operating system \"windows\""), "\(windows)")
        // This machine's platform, in another spelling, runs.
        let native = root.skiff("run", "--rm", "--platform", "linux/x86_64", "busybox", "echo", "native")
        #expect(native.status == 0 && native.out == "native\n", "\(native)")

        let dir = root.path + "/proj"
        try Self.write(
            "services:\n  app:\n    image: busybox\n    platform: linux/arm64\n    command: [\"true\"]\n",
            dir + "/compose.yaml")
        for args in [["up", "-d"], ["run", "--rm", "app"]] {
            let up = root.skiff(["compose", "-f", dir + "/compose.yaml"] + args, timeout: 120)
            #expect(up.status != 0, "\(up)")
            #expect(up.err.contains("services.app.platform: linux/arm64 does not run on this machine"), "\(up.err)")
        }
        #expect(root.skiff("ps", "-a", "-q").out.isEmpty, "a container was made")
        #expect(root.skiff(["compose", "-f", dir + "/compose.yaml", "down"]).status == 0)

        // `platform:` is the build's platform; with build.platforms it must be one of them.
        try Self.write("FROM scratch\nCOPY f /f\n", dir + "/Dockerfile")
        try Self.write("f\n", dir + "/f")
        try Self.write(
            "services:\n  app:\n    build: .\n    platform: linux/arm64\n", dir + "/compose.yaml")
        let config = root.skiff(["compose", "-f", dir + "/compose.yaml", "config"])
        #expect(config.out.contains("platform: linux/arm64"), "\(config)")
        let built = root.skiff(["compose", "-f", dir + "/compose.yaml", "build"], timeout: 120)
        #expect(built.status == 0, "\(built)")
        #expect(try Self.config(root, "proj-app").architecture == "arm64")
        try Self.write(
            "services:\n  app:\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n    platform: linux/amd64\n",
            dir + "/compose.yaml")
        let listedConfig = root.skiff(["compose", "-f", dir + "/compose.yaml", "config"]).out
        #expect(listedConfig.contains("platforms:\n") && listedConfig.contains("- linux/arm64"), "\(listedConfig)")
        let listed = root.skiff(["compose", "-f", dir + "/compose.yaml", "build"], timeout: 120)
        #expect(listed.status == 0, "\(listed)")
        #expect(try Self.config(root, "proj-app").architecture == "amd64")
        try Self.write(
            "services:\n  app:\n    build: {context: ., platforms: [linux/amd64, linux/arm/v7]}\n    platform: linux/arm64\n",
            dir + "/compose.yaml")
        let outside = root.skiff(["compose", "-f", dir + "/compose.yaml", "build"])
        #expect(outside.status != 0, "\(outside)")
        #expect(
            outside.err.contains(
                "services.app.platform: service.platform \"linux/arm64\" should be part of the service.build.platforms: [\"linux/amd64\" \"linux/arm/v7\"]"
            ), "\(outside.err)")
    }

    @Test func aForeignBaseIsKeptForTheNextBuildAndImageContextsFollowThePlatform() throws {
        let registry = try LocalRegistry()
        var stopped = false
        defer { if !stopped { registry.stop() } }
        let root = try CLIRoot(prefix: "skiff-plat-cache-")
        defer { root.cleanUp() }
        try Self.write("FROM scratch\nCOPY marker /marker\nENV MARKER=arm\n", root.path + "/arm/Dockerfile")
        try Self.write("arm64 layer\n", root.path + "/arm/marker")
        let ref = try Self.pushIndex(root, registry, armContext: root.path + "/arm")

        // A docker-image:// context is pulled for the build's platform.
        try Self.write("FROM base\nCOPY a /a\n", root.path + "/ctx/Dockerfile")
        try Self.write("a\n", root.path + "/ctx/a")
        let viaContext = root.skiff(
            "build", "--platform", "linux/arm64", "--build-context", "base=docker-image://" + ref, "-t", "via-ctx",
            root.path + "/ctx", timeout: 120)
        #expect(viaContext.status == 0, "\(viaContext)")
        let config = try Self.config(root, "via-ctx")
        #expect(config.architecture == "arm64" && config.config?.Env?.contains("MARKER=arm") == true, "\(config)")

        // FROM the index for arm64: pulled once, then found in the store with the registry gone.
        try Self.write("FROM \(ref)\nCOPY a /a\n", root.path + "/ctx/Dockerfile")
        let first = root.skiff("build", "--platform", "linux/arm64", "-t", "from-1", root.path + "/ctx", timeout: 120)
        #expect(first.status == 0, "\(first)")
        registry.stop()
        stopped = true
        for _ in 0..<2 {
            let again = root.skiff(
                "build", "--no-cache", "--platform", "linux/arm64", "-t", "from-2", root.path + "/ctx", timeout: 120)
            #expect(again.status == 0 && !again.out.contains("Pulling"), "\(again)")
            #expect(try Self.config(root, "from-2").config?.Env?.contains("MARKER=arm") == true)
        }
        // The name was not taken, and `docker images` does not list the pulled base.
        #expect((try? root.engine.images.resolve(ref)) == nil)
        #expect(!root.skiff("images").out.contains("multi/img"))
        // It survives `image prune`; `builder prune` forgets it, so the next build needs the registry.
        #expect(root.skiff("rmi", "from-1", "from-2", "via-ctx").status == 0)
        #expect(root.skiff("image", "prune", "-a", "-f").status == 0)
        let kept = root.skiff("build", "--platform", "linux/arm64", root.path + "/ctx", timeout: 120)
        #expect(kept.status == 0 && !kept.out.contains("Pulling"), "\(kept)")
        #expect(root.skiff("builder", "prune", "-f").status == 0)
        let gone = root.skiff("build", "--platform", "linux/arm64", root.path + "/ctx", timeout: 120)
        #expect(gone.status != 0 && gone.err.contains("could not be pulled"), "\(gone)")
    }

    @Test(
        "with an emulator registered, run --platform, a foreign image without it, and compose platform: run it",
        .enabled(if: !BinfmtHandlers.current().runs(Platform(architecture: "arm64"))))
    func anEmulatedPlatformRunsAsDockerRunsIt() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-plat-emurun-")
        defer { root.cleanUp() }
        let emulator = try Arm64EmulatorStandIn(directory: root.path + "/emulator")
        defer { emulator.remove() }
        try Self.write("FROM scratch\nCOPY sh /bin/sh\n", root.path + "/arm/Dockerfile")
        try Arm64EmulatorStandIn.program.write(to: URL(fileURLWithPath: root.path + "/arm/sh"))
        chmod(root.path + "/arm/sh", 0o755)
        let ref = try Self.pushIndex(root, registry, armContext: root.path + "/arm")

        let run = root.skiff("run", "--rm", "--platform", "linux/arm64", ref, "/bin/sh", "-c", "echo emulated-run")
        #expect(run.status == 0 && run.out == "emulated-run\n", "\(run)")
        #expect(try Self.config(root, ref).architecture == "arm64")
        // Attacked from inside: an emulated container is confined as any other.
        let attack = root.skiff(
            "run", "--rm", "--platform", "linux/arm64", ref, "/bin/sh", "-c",
            "mkdir /m; mount -t proc proc /m 2>/dev/null && echo mounted || echo refused; (echo h > /proc/sysrq-trigger) 2>/dev/null && echo written || echo refused; test -e \(root.path) && echo host-seen || echo host-hidden"
        )
        #expect(attack.status == 0 && attack.out == "refused\nrefused\nhost-hidden\n", "\(attack)")
        // The name is the arm64 image now; run without --platform: Docker's warning, and it runs.
        let warned = root.skiff("run", "--rm", ref, "/bin/sh", "-c", "echo again")
        #expect(warned.status == 0 && warned.out == "again\n", "\(warned)")
        #expect(
            warned.err.contains(
                "WARNING: The requested image's platform (linux/arm64) does not match the detected host platform (linux/amd64) and no specific platform was requested"
            ), "\(warned.err)")
        // --platform of this machine pulls its image under the name; --pull never does not.
        let native = root.skiff("run", "--rm", "--platform", "linux/amd64", ref, "echo", "native")
        #expect(native.status == 0 && native.out == "native\n", "\(native)")
        #expect(!native.err.contains("WARNING"), "\(native.err)")
        let never = root.skiff("create", "--pull", "never", "--platform", "linux/arm64", ref, "true")
        #expect(never.status == 125, "\(never)")
        #expect(
            never.err.contains(
                "image with reference \(ref) was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64"
            ), "\(never.err)")

        // A multi-platform image built here: --platform picks its entry from the store, no pull.
        let both = root.path + "/both"
        try Self.write(
            "FROM scratch\nARG TARGETARCH\nCOPY sh-$TARGETARCH /bin/sh\nENV ARCH=$TARGETARCH\n", both + "/Dockerfile")
        try Arm64EmulatorStandIn.program.write(to: URL(fileURLWithPath: both + "/sh-arm64"))
        try FileManager.default.copyItem(atPath: TestImage.busyboxRootfs + "/bin/busybox", toPath: both + "/sh-amd64")
        chmod(both + "/sh-arm64", 0o755)
        let index = root.skiff("build", "--platform", "linux/arm64,linux/amd64", "-t", "both", both, timeout: 180)
        #expect(index.status == 0, "\(index)")
        for (platform, arch) in [("linux/arm64", "arm64"), ("linux/amd64", "amd64")] {
            let r = root.skiff("run", "--rm", "--platform", platform, "both", "/bin/sh", "-c", "echo $ARCH")
            #expect(r.status == 0 && r.out == arch + "\n" && !r.err.contains("Unable to find"), "\(r)")
        }
        let plain = root.skiff("run", "--rm", "both", "/bin/sh", "-c", "echo $ARCH")
        #expect(plain.status == 0 && plain.out == "amd64\n" && plain.err.isEmpty, "\(plain)")

        // Compose's platform: pulls that platform's image (the name holds amd64's) and runs it.
        let dir = root.path + "/proj"
        try Self.write(
            "services:\n  app:\n    image: \(ref)\n    platform: linux/arm64\n    command: [\"/bin/sh\", \"-c\", \"echo composed\"]\n",
            dir + "/compose.yaml")
        let composed = root.skiff(["compose", "-f", dir + "/compose.yaml", "run", "--rm", "app"], timeout: 120)
        #expect(composed.status == 0 && composed.out.contains("composed"), "\(composed)")
        #expect(try Self.config(root, ref).architecture == "arm64")
        #expect(root.skiff(["compose", "-f", dir + "/compose.yaml", "down"]).status == 0)
    }

    @Test func severalPlatformsMakeOneImageIndexThatRunsAndPushesAsBuildxs() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-plat-index-")
        defer { root.cleanUp() }
        let context = root.path + "/proj"
        try Self.write(
            "FROM scratch\nCOPY --from=busybox /bin/busybox /bin/busybox\nARG TARGETARCH\nENV ARCH=$TARGETARCH\n",
            context + "/Dockerfile")
        let built = root.skiff("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi", context, timeout: 180)
        #expect(built.status == 0, "\(built)")
        #expect(
            built.out.contains("[linux/arm64] ") && built.out.contains("Successfully tagged multi:latest"), "\(built)")
        // One name, listed once, running this machine's entry.
        let listed = root.skiff("images").out.split(separator: "\n").filter { $0.hasPrefix("multi ") }
        #expect(listed.count == 1, "\(listed)")
        let ran = root.skiff("run", "--rm", "multi", "/bin/busybox", "sh", "-c", "echo $ARCH")
        #expect(ran.status == 0 && ran.out == "amd64\n", "\(ran)")
        let multi = try ImageReference(parsing: "multi")
        let index = try #require(root.engine.images.index(of: multi))
        #expect(index.index.manifests.map { $0.platform?.architecture } == ["amd64", "arm64"])
        var archs: [String] = []
        for entry in index.index.manifests {
            let image = try root.engine.images.image(manifest: try Digest(entry.digest))
            archs.append(image.config.architecture + " " + (image.config.config?.Env?.last ?? ""))
        }
        #expect(archs == ["amd64 ARCH=amd64", "arm64 ARCH=arm64"])

        // FROM it for arm64: its arm64 entry, from the store.
        try Self.write("FROM multi\nENV FROM_MULTI=1\n", root.path + "/from/Dockerfile")
        let from = root.skiff("build", "--platform", "linux/arm64", "-t", "from-multi", root.path + "/from")
        #expect(from.status == 0 && !from.out.contains("Pulling"), "\(from)")
        let fromConfig = try Self.config(root, "from-multi")
        #expect(fromConfig.architecture == "arm64" && fromConfig.config?.Env?.contains("ARCH=arm64") == true)
        #expect(root.skiff("rmi", "from-multi").status == 0)

        // Tagged and pushed: the registry holds the index and both images.
        let repo = "\(registry.host)/multi/built:1"
        #expect(root.skiff("tag", "multi", repo).status == 0)
        let pushed = root.skiff("push", repo, timeout: 120)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(pushed.out.contains("1: digest: \(index.digest)"), "\(pushed.out)")
        let (bytes, mediaType, digest) = try RegistryClient(registry: registry.host).manifest(
            repository: "multi/built", reference: "1")
        #expect(MediaType.isIndex(mediaType) && digest == index.digest)
        let remote = try JSONDecoder().decode(ImageIndex.self, from: Data(bytes))
        #expect(remote.manifests.map { $0.platform?.architecture } == ["amd64", "arm64"])
        // Another store pulls the arm64 entry from it.
        let other = try CLIRoot(prefix: "skiff-plat-index2-")
        defer { other.cleanUp() }
        let pulled = other.skiff("pull", "--platform", "linux/arm64", repo, timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        let arm = try Self.config(other, repo)
        #expect(arm.architecture == "arm64" && arm.config?.Env?.contains("ARCH=arm64") == true)

        // Removing the names leaves nothing of the index behind.
        #expect(root.skiff("rmi", "multi", repo).status == 0)
        #expect(root.engine.images.index(of: multi) == nil)
        for entry in index.index.manifests {
            #expect(!root.engine.images.content.contains(try Digest(entry.digest)))
        }

        // Compose's build.platforms with several, no platform: the same index.
        try Self.write(
            "services:\n  app:\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n",
            context + "/compose.yaml")
        let composed = root.skiff(["compose", "-f", context + "/compose.yaml", "build"], timeout: 180)
        #expect(composed.status == 0, "\(composed)")
        let app = try #require(root.engine.images.index(of: try ImageReference(parsing: "proj-app")))
        #expect(app.index.manifests.map { $0.platform?.architecture } == ["amd64", "arm64"])
        #expect(try Self.config(root, "proj-app").architecture == "amd64")
    }
}
