import Foundation
import SkiffImage
import SkiffKit
import Testing

/// Named build contexts (`--build-context`, compose `build.additional_contexts`) and build entitlements
/// (`--allow`, compose `build.entitlements` / `build.privileged`) through the built CLI, each test with
/// its own state root (CLIRoot) and files under it.
@Suite(
    "skiff build: named contexts and entitlements", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct BuildContextsTests {
    /// Files for one test under the root: `dir + "/ctx"` is the main context.
    static func write(_ root: CLIRoot, _ files: [String: String]) throws {
        for (name, text) in files {
            let path = root.path + "/w/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    static func build(_ root: CLIRoot, _ args: [String], timeout: Double = 120) -> CLIRoot.Result {
        root.skiff(["build"] + args + [root.path + "/w/ctx"], timeout: timeout)
    }

    /// A directory context feeds COPY --from and RUN --mount from=, hides what its own .dockerignore
    /// names, replaces a stage of the same name, and a change in it invalidates the COPY that reads it.
    @Test func directoryContextFeedsCopyAndMountsAndInvalidatesTheCache() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        try Self.write(
            root,
            [
                "ctx/Dockerfile": """
                FROM busybox AS extra
                RUN echo from-the-stage > /f.txt
                FROM busybox
                COPY --from=extra f.txt /copied.txt
                RUN --mount=type=bind,from=extra,target=/x cat /x/f.txt > /mounted.txt; ls /x > /listing.txt
                RUN cat /copied.txt /mounted.txt /listing.txt

                """,
                "extra/f.txt": "from-the-named-context\n",
                "extra/hidden.txt": "ignored\n",
                "extra/.dockerignore": "hidden.txt\n",
            ])
        let extra = "extra=" + root.path + "/w/extra"
        let first = Self.build(root, ["--build-context", extra, "-t", "bctx:1"])
        #expect(first.status == 0, "\(first.out)\(first.err)")
        // The named context wins over the stage of the same name (which is not built at all).
        #expect(first.out.contains("from-the-named-context\nfrom-the-named-context\n"), "\(first.out)")
        #expect(!first.out.contains("from-the-stage"), "\(first.out)")
        #expect(!first.out.contains("hidden.txt"), "the context's .dockerignore was not applied: \(first.out)")

        // The same build: every step cached.
        let again = Self.build(root, ["--build-context", extra, "-t", "bctx:1"])
        #expect(again.status == 0 && again.out.components(separatedBy: "Using cache").count - 1 == 3, "\(again.out)")

        // A changed file in the named context: the COPY (and the mount that reads it) run again.
        try "changed\n".write(toFile: root.path + "/w/extra/f.txt", atomically: true, encoding: .utf8)
        let changed = Self.build(root, ["--build-context", extra, "-t", "bctx:2"])
        #expect(changed.status == 0, "\(changed.err)")
        #expect(!changed.out.contains("Using cache"), "\(changed.out)")
        #expect(changed.out.contains("changed\nchanged\n"), "\(changed.out)")

        // Without the named context, the stage is used.
        let stage = Self.build(root, ["-t", "bctx:3"])
        #expect(stage.status == 0 && stage.out.contains("from-the-stage"), "\(stage.out)\(stage.err)")
    }

    /// Attack: a named context holds symlinks to a host file and to the host's root, and a COPY climbs
    /// with `..`; none of them reads the host file (BuildKit resolves them inside the context).
    @Test func symlinksInANamedContextStayInsideIt() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        let secret = "host-secret-\(UUID().uuidString)"
        try Self.write(root, ["outside/secret": secret + "\n", "extra/ok": "ok\n"])
        let hostFile = root.path + "/w/outside/secret"
        try FileManager.default.createSymbolicLink(atPath: root.path + "/w/extra/link", withDestinationPath: hostFile)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/w/extra/rootlink", withDestinationPath: "/")
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/w/extra/rel", withDestinationPath: "../outside/secret")
        let extra = "extra=" + root.path + "/w/extra"
        for source in ["link", "rootlink" + hostFile, "rel", "../outside/secret"] {
            try Self.write(root, ["ctx/Dockerfile": "FROM busybox\nCOPY --from=extra \(source) /got\nRUN cat /got\n"])
            let r = Self.build(root, ["--build-context", extra, "-t", "bctx-attack"])
            #expect(r.status != 0, "COPY --from=extra \(source) succeeded: \(r.out)")
            #expect(r.err.contains("build context extra"), "\(source): \(r.err)")
            #expect(!r.out.contains(secret) && !r.err.contains(secret), "\(source) read the host file")
        }
        // A bind mount of the context: the symlinks are copied as symlinks, resolved in the step's root.
        try Self.write(
            root,
            [
                "ctx/Dockerfile":
                    "FROM busybox\nRUN --mount=type=bind,from=extra,target=/x cat /x/link /x/rel /x/rootlink\(hostFile); cat /x/ok\n"
            ])
        let mounted = Self.build(root, ["--build-context", extra, "-t", "bctx-attack"])
        #expect(mounted.status == 0, "\(mounted.err)")
        #expect(mounted.out.contains("ok") && !mounted.out.contains(secret), "\(mounted.out)")
        for store in ["blobs", "layers"] {
            #expect(try filesContaining(secret, under: root.path + "/" + store).isEmpty)
        }
    }

    /// `docker-image://REF` is the image (FROM NAME and COPY --from=NAME), and a directory context
    /// used by FROM is the stage's root filesystem.
    @Test func imageContextAndADirectoryAsABase() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        try Self.write(
            root,
            [
                "files/data/hello": "hello from files\n",
                "ctx/Dockerfile": """
                FROM files AS f
                FROM base
                COPY --from=f /data/hello /hello
                COPY --from=base /bin/busybox /copied/busybox
                RUN cat /hello && /copied/busybox echo ok

                """,
            ])
        let r = Self.build(
            root,
            [
                "--build-context", "base=docker-image://busybox", "--build-context", "files=" + root.path + "/w/files",
                "-t", "bctx-image",
            ])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("hello from files\nok"), "\(r.out)")
        // A second build of the same files is cached throughout (the directory's image has no timestamp).
        let again = Self.build(
            root,
            [
                "--build-context", "base=docker-image://busybox", "--build-context", "files=" + root.path + "/w/files",
                "-t", "bctx-image",
            ])
        #expect(again.status == 0 && again.out.components(separatedBy: "Using cache").count - 1 == 3, "\(again.out)")
    }

    /// Bad values name the flag: a missing directory, no `=`, an unknown entitlement.
    @Test func badFlagsAreNamed() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        try Self.write(root, ["ctx/Dockerfile": "FROM busybox\n"])
        let missing = Self.build(root, ["--build-context", "x=/nonexistent-skiff-dir"])
        #expect(missing.status == 125)
        #expect(missing.err.contains("--build-context x=/nonexistent-skiff-dir: the directory"), "\(missing.err)")
        let malformed = Self.build(root, ["--build-context", "x"])
        #expect(malformed.status == 125 && malformed.err.contains("expected NAME=VALUE"), "\(malformed.err)")
        let unknown = Self.build(root, ["--allow", "device"])
        #expect(unknown.status == 125 && unknown.err.contains("--allow device: unknown entitlement"), "\(unknown.err)")
    }

    /// Attack: without security.insecure a RUN can neither mount nor open a host device, and asking for
    /// insecure fails before any step runs; with it the step has every capability, mounts and opens
    /// /dev/kmsg, and the next step is confined again.
    @Test func insecureNeedsTheEntitlementAndDoesNotLeak() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        let insecure =
            "mkdir -p /m && mount -t tmpfs none /m && echo MOUNTED && mknod /dev/k c 1 11 && head -c 1 /dev/k >/dev/null && echo DEVICE && grep CapEff /proc/self/status"
        let confined =
            "mkdir -p /m2; (mount -t tmpfs none /m2 && echo LEAK-MOUNT); (mknod /dev/k c 1 11 && head -c 1 /dev/k >/dev/null && echo LEAK-DEVICE); grep CapEff /proc/self/status; true"
        try Self.write(
            root,
            [
                "ctx/Dockerfile":
                    "FROM busybox\nRUN echo first-step-ran\nRUN --security=insecure \(insecure)\nRUN \(confined)\n"
            ])
        let refused = Self.build(root, ["-t", "bctx-insecure"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("Dockerfile:3: security.insecure is not allowed"), "\(refused.err)")
        #expect(!refused.out.contains("first-step-ran"), "a step ran before the refusal: \(refused.out)")

        // The sandbox (default, or said): the same commands fail.
        try Self.write(root, ["ctx/Dockerfile": "FROM busybox\nRUN --security=sandbox \(confined)\n"])
        let sandbox = Self.build(root, ["-t", "bctx-insecure"])
        #expect(sandbox.status == 0, "\(sandbox.err)")
        #expect(Self.leaks(sandbox.out).isEmpty, "\(sandbox.out)")

        try Self.write(
            root,
            ["ctx/Dockerfile": "FROM busybox\nRUN --security=insecure \(insecure)\nRUN \(confined)\n"])
        let allowed = Self.build(root, ["--allow", "security.insecure", "-t", "bctx-insecure"])
        #expect(allowed.status == 0, "\(allowed.out)\(allowed.err)")
        #expect(allowed.out.contains("MOUNTED\nDEVICE\n"), "\(allowed.out)")
        #expect(Self.leaks(allowed.out).isEmpty, "insecure leaked into the next step: \(allowed.out)")
        let caps = allowed.out.split(separator: "\n").filter { $0.hasPrefix("CapEff:") }
        #expect(caps.count == 2 && caps[0] != caps[1], "\(caps)")

        // The policy is `skiff run --privileged`'s, which works where the engine's bounding set is partial.
        let run = root.skiff(
            "run", "--rm", "--privileged", "busybox", "sh", "-c", "mount -t tmpfs none /mnt && echo ok")
        #expect(run.status == 0 && run.out == "ok\n", "\(run.out)\(run.err)")
    }

    /// The LEAK-… lines a confined step printed (not the step's echoed command).
    static func leaks(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.hasPrefix("LEAK") }
    }

    /// RUN --network=host needs network.host (from --allow, or the build's own --network host) and
    /// fails before any step runs without it.
    @Test func hostNetworkNeedsTheEntitlement() throws {
        let root = try CLIRoot(prefix: "skiff-bctx-test-")
        defer { root.cleanUp() }
        try Self.write(
            root, ["ctx/Dockerfile": "FROM busybox\nRUN echo first-step-ran\nRUN --network=host cat /proc/net/dev\n"])
        let refused = Self.build(root, ["-t", "bctx-net"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("Dockerfile:3: network.host is not allowed"), "\(refused.err)")
        #expect(!refused.out.contains("first-step-ran"), "\(refused.out)")
        let hostInterface = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").filter { $0 != "lo" }
            .sorted().first
        for flags in [["--allow", "network.host"], ["--network", "host"]] {
            let allowed = Self.build(root, flags + ["--no-cache", "-t", "bctx-net"])
            #expect(allowed.status == 0, "\(flags): \(allowed.err)")
            if let hostInterface { #expect(allowed.out.contains(hostInterface + ":"), "\(allowed.out)") }
        }
    }

    /// Compose: `additional_contexts` (a directory relative to the project and `service:NAME`, whose
    /// image is built first) and `privileged: true` (security.insecure); a bad entitlement names its key.
    @Test func composeAdditionalContextsAndPrivileged() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            services:
              app:
                build:
                  context: ./app
                  additional_contexts:
                    shared: ./shared
                    basectx: service:base
                  privileged: true
                command: ["cat", "/from-base", "/from-shared", "/mounted"]
              base:
                build:
                  context: .
                  dockerfile_inline: |
                    FROM busybox
                    RUN echo built-by-base > /from-base
            """)
        defer { p.cleanUp() }
        for (name, text) in [
            "shared/s.txt": "shared file\n",
            "app/Dockerfile": """
            FROM basectx
            COPY --from=shared s.txt /from-shared
            RUN --security=insecure mkdir -p /m && mount -t tmpfs none /m && echo mounted > /mounted

            """,
        ] {
            let path = p.dir + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let build = p.compose("build", "app", timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        let run = p.compose("run", "--rm", "-T", "app")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "built-by-base\nshared file\nmounted\n", "\(run.out)")
        let config = p.compose("config")
        #expect(config.out.contains("service:base") && config.out.contains("security.insecure"), "\(config.out)")
        #expect(p.compose("down").status == 0)

        try """
        services:
          app:
            build: {context: ., entitlements: [network.host, root]}
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let bad = p.compose("config")
        #expect(bad.status != 0)
        #expect(bad.err.contains("services.app.build.entitlements[1]") && bad.err.contains("root"), "\(bad.err)")
    }
}
