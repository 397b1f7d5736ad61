import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffTestSupport
import Testing

/// `skiff build --platform` (and compose `build.platforms`): this machine's platform in each spelling Docker
/// takes, with BuildKit's TARGET…/BUILD… args; another platform's base image pulled from a registry index,
/// COPY/ENV steps and a `FROM --platform=$BUILDPLATFORM` stage building without emulation, and a RUN step of
/// that platform failing with BuildKit's exec format error when no binfmt_misc emulator is registered.
// Serialized: one test registers an arm64 binfmt_misc handler, which another's failing RUN must not see.
@Suite(
    "build platforms end to end", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")
            && Platform.current.architecture == "amd64"))
struct BuildPlatformEndToEndTests {
    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func config(_ root: CLIRoot, _ name: String) throws -> ImageConfig {
        try root.engine.images.resolve(name).config
    }

    @Test func thisMachinesPlatformInEachSpellingWithBuildKitsArgs() throws {
        let root = try CLIRoot(prefix: "skiff-bplat-host-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try Self.write(
            """
            FROM busybox
            ARG TARGETPLATFORM
            ARG TARGETOS
            ARG TARGETARCH
            ARG TARGETVARIANT
            ARG BUILDPLATFORM
            RUN echo "$TARGETPLATFORM $TARGETOS $TARGETARCH [$TARGETVARIANT] $BUILDPLATFORM" > /p

            """, context + "/Dockerfile")
        let plain = root.skiff("build", "--platform", "linux/amd64", "-t", "p1", context, timeout: 120)
        #expect(plain.status == 0, "\(plain.out)\(plain.err)")
        #expect(root.skiff("run", "--rm", "p1", "cat", "/p").out == "linux/amd64 linux amd64 [] linux/amd64\n")
        let v2 = root.skiff("build", "--platform", "linux/amd64/v2", "-t", "p2", context, timeout: 120)
        #expect(v2.status == 0, "\(v2.out)\(v2.err)")
        #expect(root.skiff("run", "--rm", "p2", "cat", "/p").out == "linux/amd64/v2 linux amd64 [v2] linux/amd64\n")
        // The image says the variant it was built for, as BuildKit's.
        #expect(try Self.config(root, "p2").variant == "v2")
        #expect(try Self.config(root, "p1").variant == nil)
        let v1 = root.skiff("build", "--platform", "linux/amd64/v1", "-t", "p3", context, timeout: 120)
        #expect(v1.status == 0 && v1.out.contains("Using cache"), "\(v1.out)\(v1.err)")
        let windows = root.skiff("build", "--platform", "windows/amd64", context)
        #expect(windows.status != 0 && windows.err.contains("skiff builds Linux images only"), "\(windows)")
    }

    @Test func anotherPlatformsBaseCopyStepsAndCrossStages() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-bplat-arm-")
        defer { root.cleanUp() }
        let repo = "\(registry.host)/multi/img"

        // An arm64 image from scratch: COPY needs no emulation; its config says arm64.
        try Self.write("FROM scratch\nCOPY marker /marker\nENV MARKER=arm\n", root.path + "/arm/Dockerfile")
        try Self.write("arm64 layer\n", root.path + "/arm/marker")
        let arm = root.skiff("build", "--platform", "linux/arm64", "-t", repo + ":arm64", root.path + "/arm")
        #expect(arm.status == 0, "\(arm.out)\(arm.err)")
        #expect(try Self.config(root, repo + ":arm64").architecture == "arm64")
        #expect(root.skiff("tag", "busybox", repo + ":amd64").status == 0)
        for tag in ["arm64", "amd64"] {
            let pushed = root.skiff("push", repo + ":" + tag, timeout: 120)
            #expect(pushed.status == 0, "\(pushed.out)\(pushed.err)")
        }
        // One index for both, as a multi-platform image is published.
        var entries: [Descriptor] = []
        for (tag, arch) in [("amd64", "amd64"), ("arm64", "arm64")] {
            let image = try root.engine.images.resolve(repo + ":" + tag)
            let size = root.engine.images.content.size(of: image.manifestDigest) ?? 0
            entries.append(
                Descriptor(
                    mediaType: image.manifest.mediaType ?? MediaType.ociManifest,
                    digest: image.manifestDigest.description, size: size, platform: Platform(architecture: arch)))
        }
        let index = Array(try JSONEncoder().encode(ImageIndex(manifests: entries)))
        try RegistryClient(registry: registry.host).putManifest(
            repository: "multi/img", reference: "1", bytes: index, mediaType: MediaType.ociIndex)

        // FROM the index for arm64: its arm64 entry, pulled without taking the name; COPY and ENV work.
        try Self.write(
            """
            FROM --platform=$BUILDPLATFORM busybox AS tools
            ARG TARGETARCH
            RUN echo "built on $(uname -m) for $TARGETARCH" > /for
            FROM \(repo):1
            COPY --from=tools /for /for
            COPY a.txt /a.txt
            ENV APP=1

            """, root.path + "/app/Dockerfile")
        try Self.write("a\n", root.path + "/app/a.txt")
        let app = root.skiff("build", "--platform", "linux/arm64", "-t", "arm-app", root.path + "/app", timeout: 180)
        #expect(app.status == 0, "\(app.out)\(app.err)")
        #expect(app.out.contains("Pulling \(repo):1 for linux/arm64"), "\(app.out)")
        let config = try Self.config(root, "arm-app")
        #expect(config.architecture == "arm64" && config.os == "linux")
        #expect(config.config?.Env?.contains("MARKER=arm") == true && config.config?.Env?.contains("APP=1") == true)
        #expect((try? root.engine.images.resolve(repo + ":1")) == nil, "the base image's name was taken")
        // What the arm64 image holds, read through a host image that copies it.
        try Self.write("FROM busybox\nCOPY --from=arm-app /for /marker /a.txt /got/\n", root.path + "/check/Dockerfile")
        #expect(root.skiff("build", "-t", "check", root.path + "/check").status == 0)
        let got = root.skiff("run", "--rm", "check", "cat", "/got/for", "/got/marker", "/got/a.txt")
        #expect(got.out == "built on x86_64 for arm64\narm64 layer\na\n", "\(got)")

        // A RUN step of arm64 needs an emulator registered with binfmt_misc.
        try Self.write("FROM \(repo):1\nRUN echo hi\n", root.path + "/run/Dockerfile")
        let run = root.skiff("build", "--platform", "linux/arm64", root.path + "/run", timeout: 120)
        if !BinfmtHandlers.current().runs(Platform(architecture: "arm64")) {
            #expect(run.status == 1, "\(run)")
            #expect(
                run.err.contains("Dockerfile:2: RUN for linux/arm64: exec /bin/sh: exec format error"), "\(run.err)")
        }

        // Compose's build.platforms is the same.
        try Self.write(
            "services:\n  app:\n    build: {context: ., platforms: [\"linux/arm64\"]}\n",
            root.path + "/app/compose.yaml")
        let composed = root.skiff(["compose", "-f", root.path + "/app/compose.yaml", "build"], timeout: 180)
        #expect(composed.status == 0, "\(composed.out)\(composed.err)")
        #expect(try Self.config(root, "app-app").architecture == "arm64")
    }
    /// With an emulator registered for arm64 (here a stand-in: the host's static busybox, registered with
    /// binfmt_misc's F flag for the aarch64 ELF magic, which runs the applet an "arm64 program" is named
    /// after), an arm64 RUN step runs through it, as BuildKit's do under qemu-user. The handler (and the
    /// binfmt_misc mount, if this test made it) is removed at the end.
    @Test(
        "a registered emulator runs another platform's RUN steps (skipped when one for arm64 is registered already)",
        .enabled(if: !BinfmtHandlers.current().runs(Platform(architecture: "arm64"))))
    func aRegisteredEmulatorRunsAnotherPlatformsRunSteps() throws {
        let arm = Platform(architecture: "arm64")
        let root = try CLIRoot(prefix: "skiff-bplat-emu-")
        defer { root.cleanUp() }
        let emulator = try Arm64EmulatorStandIn(directory: root.path + "/emulator")
        defer { emulator.remove() }
        #expect(BinfmtHandlers.current().runs(arm))

        let context = root.path + "/emu"
        try Self.write("FROM scratch\nCOPY sh /bin/sh\nRUN echo emulated > /out\n", context + "/Dockerfile")
        try Arm64EmulatorStandIn.program.write(to: URL(fileURLWithPath: context + "/sh"))
        chmod(context + "/sh", 0o755)
        let built = root.skiff("build", "--platform", "linux/arm64", "-t", "emu", context, timeout: 120)
        #expect(built.status == 0, "\(built.out)\(built.err)")
        #expect(try Self.config(root, "emu").architecture == "arm64")
        try Self.write("FROM busybox\nCOPY --from=emu /out /out\n", root.path + "/read/Dockerfile")
        #expect(root.skiff("build", "-t", "read", root.path + "/read").status == 0)
        #expect(root.skiff("run", "--rm", "read", "cat", "/out").out == "emulated\n")

        // Attacked from inside an emulated RUN step: it is confined as any RUN step is (no mounting proc or
        // binfmt_misc, no sysrq, its own pids, no sight of the emulator's host path, the same capabilities
        // and seccomp as a native step).
        let attack = """
            mkdir /m; mount -t proc proc /m 2>/dev/null && echo proc-mounted || echo proc-refused; \
            mount -t binfmt_misc none /m 2>/dev/null && echo binfmt-mounted || echo binfmt-refused; \
            (echo h > /proc/sysrq-trigger) 2>/dev/null && echo sysrq-written || echo sysrq-refused; \
            test -e \(root.path)/emulator/busybox && echo emulator-seen || echo emulator-hidden; \
            echo pids=$(ls /proc | grep -c '^[0-9]'); grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status
            """
        try Self.write("FROM scratch\nCOPY sh /bin/sh\nRUN { \(attack); } > /attack\n", context + "/Dockerfile")
        let attacked = root.skiff("build", "--platform", "linux/arm64", "-t", "emu-attack", context, timeout: 120)
        #expect(attacked.status == 0, "\(attacked.out)\(attacked.err)")
        try Self.write("FROM busybox\nRUN { \(attack); } > /attack\n", root.path + "/native/Dockerfile")
        #expect(root.skiff("build", "-t", "native-attack", root.path + "/native", timeout: 120).status == 0)
        try Self.write("FROM busybox\nCOPY --from=emu-attack /attack /attack\n", root.path + "/read2/Dockerfile")
        #expect(root.skiff("build", "-t", "read2", root.path + "/read2").status == 0)
        let emulated = root.skiff("run", "--rm", "read2", "cat", "/attack").out
        let native = root.skiff("run", "--rm", "native-attack", "cat", "/attack").out
        let lines = emulated.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(4) == ["proc-refused", "binfmt-refused", "sysrq-refused", "emulator-hidden"], "\(emulated)")
        let pids = lines.first { $0.hasPrefix("pids=") }.flatMap { Int($0.dropFirst(5)) }
        #expect(pids.map { $0 <= 6 } == true, "the emulated step sees other pids: \(emulated)")
        #expect(lines.contains { $0.hasPrefix("Seccomp:") && $0.hasSuffix("2") }, "\(emulated)")
        // The same refusals, capabilities and seccomp as a native step (its pid count differs: busybox runs
        // some applets in-process).
        let withoutPids = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("pids=") } }
        #expect(withoutPids(emulated) == withoutPids(native), "emulated:\n\(emulated)\nnative:\n\(native)")
    }
}
