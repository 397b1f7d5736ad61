import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffTestSupport
import Testing

/// `skiff build --cache-to` / `--cache-from` (and compose `build.cache_to` / `cache_from`) with BuildKit's
/// cache types: a build on a fresh state root answers its steps from a cache another root exported, so
/// its RUN steps do not run again (the file a RUN step writes with a random value is the earlier one's).
@Suite(
    "build cache export and import",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct BuildCacheExportTests {
    static let dockerfile = """
        FROM busybox
        ENV GREETING=hello
        COPY a.txt /a.txt
        RUN cat /proc/sys/kernel/random/uuid > /stamp
        RUN cat /proc/sys/kernel/random/uuid > /stamp2
        CMD ["cat", "/stamp"]

        """

    /// A root whose busybox image is `from`'s, blob for blob (the same manifest digest, as a base image
    /// pulled from the same registry is): keys start from the base image's digest.
    static func root(sharingBaseWith from: CLIRoot, prefix: String) throws -> CLIRoot {
        let root = try CLIRoot(prefix: prefix)
        let base = try from.engine.images.resolve("busybox")
        let source = from.engine.images.content
        for d in [base.manifestDigest, base.configDigest] + (try base.manifest.layers.map { try Digest($0.digest) }) {
            try root.engine.images.content.ingest(file: source.path(of: d), expected: d)
        }
        try root.engine.images.tag(try ImageReference(parsing: "busybox"), manifest: base.manifestDigest)
        return root
    }

    static func context(in root: CLIRoot, dockerfile: String = dockerfile) throws -> String {
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try dockerfile.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        try "a\n".write(toFile: context + "/a.txt", atomically: true, encoding: .utf8)
        return context
    }

    static func usingCache(_ output: String) -> Int { output.components(separatedBy: " ---> Using cache").count - 1 }

    @Test func aLocalCacheAnswersAFreshRootsSteps() throws {
        let first = try CLIRoot(prefix: "skiff-bcache-a-")
        defer { first.cleanUp() }
        let cacheDir = first.path + "/exported"
        let built = first.skiff(
            "build", "-t", "app", "--cache-to", "type=local,dest=\(cacheDir),mode=max", try Self.context(in: first),
            timeout: 120)
        #expect(built.status == 0, "\(built.out)\(built.err)")
        #expect(
            built.out.contains("Exporting the build cache (5 steps) to the local cache \(cacheDir)"), "\(built.out)")
        let stamp = first.skiff("run", "--rm", "app").out
        #expect(stamp.count == 37, "\(stamp)")

        // An OCI image layout: the index names the cache manifest, whose config is the cache's records.
        let index = try JSONDecoder().decode(
            ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: cacheDir + "/index.json")))
        #expect(FileManager.default.fileExists(atPath: cacheDir + "/oci-layout"))
        let entry = try #require(index.manifests.first)
        #expect(entry.annotations?["org.opencontainers.image.ref.name"] == "latest")
        let blobs = ContentStore(root: cacheDir + "/blobs")
        let manifest = try blobs.readJSON(Manifest.self, try Digest(entry.digest))
        #expect(manifest.config.mediaType == "application/vnd.skiff.build.cache.config.v1+json")
        let config = try blobs.readJSON(BuildCacheConfig.self, try Digest(manifest.config.digest))
        #expect(config.records.map(\.step).contains { $0.hasSuffix("cat /proc/sys/kernel/random/uuid > /stamp") })
        #expect(!FileManager.default.fileExists(atPath: cacheDir + "/blobs/ingest"))

        // A fresh root with the same base: every step answered from the imported cache, the same image.
        let second = try Self.root(sharingBaseWith: first, prefix: "skiff-bcache-b-")
        defer { second.cleanUp() }
        let context = try Self.context(in: second)
        let imported = second.skiff(
            "build", "-t", "app", "--cache-from", "type=local,src=\(cacheDir)", context, timeout: 120)
        #expect(imported.status == 0, "\(imported.out)\(imported.err)")
        #expect(Self.usingCache(imported.out) == 5, "\(imported.out)")
        #expect(!imported.out.contains("Running in"), "\(imported.out)")
        #expect(second.skiff("run", "--rm", "app").out == stamp)
        #expect(second.inspect("app", "{{.Id}}") == first.inspect("app", "{{.Id}}"))

        // Without the import the same build runs its steps (the test above would fail without it).
        let third = try Self.root(sharingBaseWith: first, prefix: "skiff-bcache-c-")
        defer { third.cleanUp() }
        let missing = third.skiff(
            "build", "-t", "app", "--cache-from", "type=local,src=\(third.path)/nothing", try Self.context(in: third),
            timeout: 120)
        // A cache that is not there: BuildKit warns and builds.
        #expect(missing.status == 0, "\(missing.out)\(missing.err)")
        #expect(
            missing.out.contains("WARNING: importing the local cache \(third.path)/nothing failed"), "\(missing.out)")
        #expect(Self.usingCache(missing.out) == 0, "\(missing.out)")
        #expect(third.skiff("run", "--rm", "app").out != stamp)

        // A changed file misses from its COPY on: the ENV step is still answered from the cache.
        try "changed\n".write(toFile: context + "/a.txt", atomically: true, encoding: .utf8)
        let fourth = try Self.root(sharingBaseWith: first, prefix: "skiff-bcache-d-")
        defer { fourth.cleanUp() }
        let fourthContext = try Self.context(in: fourth)
        try "changed\n".write(toFile: fourthContext + "/a.txt", atomically: true, encoding: .utf8)
        let partial = fourth.skiff(
            "build", "-t", "app", "--cache-from", "type=local,src=\(cacheDir)", fourthContext, timeout: 120)
        #expect(partial.status == 0 && Self.usingCache(partial.out) == 1, "\(partial.out)\(partial.err)")
        #expect(fourth.skiff("run", "--rm", "app").out != stamp)

        // A cache that has lost a layer blob: that step runs (with a warning), as when a registry is gone.
        let damaged = fourth.path + "/damaged"
        try FileManager.default.copyItem(atPath: cacheDir, toPath: damaged)
        let damagedBlobs = ContentStore(root: damaged + "/blobs")
        let baseLayers = Set(try first.engine.images.resolve("busybox").manifest.layers.map(\.digest))
        let layer = try #require(
            damagedBlobs.all().first {
                !baseLayers.contains($0.description) && (try? damagedBlobs.read($0))?.prefix(2) == [0x1f, 0x8b]
            })
        damagedBlobs.delete(layer)
        let fifth = try Self.root(sharingBaseWith: first, prefix: "skiff-bcache-e-")
        defer { fifth.cleanUp() }
        let lossy = fifth.skiff(
            "build", "-t", "app", "--cache-from", "type=local,src=\(damaged)", try Self.context(in: fifth), timeout: 120
        )
        #expect(lossy.status == 0, "\(lossy.out)\(lossy.err)")
        #expect(lossy.out.contains("WARNING: the local cache \(damaged) cannot supply step"), "\(lossy.out)")
    }

    /// mode=min (the default) exports the final image's steps only; mode=max every stage's.
    @Test func minExportsTheFinalImagesStepsAndMaxEveryStage() throws {
        let root = try CLIRoot(prefix: "skiff-bcache-mode-")
        defer { root.cleanUp() }
        let context = try Self.context(
            in: root,
            dockerfile: """
                FROM busybox AS tool
                RUN echo tool > /tool
                FROM busybox
                COPY --from=tool /tool /tool
                RUN cat /tool > /copied

                """)
        func records(_ dir: String) throws -> [String] {
            let index = try JSONDecoder().decode(
                ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/index.json")))
            let blobs = ContentStore(root: dir + "/blobs")
            let manifest = try blobs.readJSON(Manifest.self, try Digest(index.manifests[0].digest))
            return try blobs.readJSON(BuildCacheConfig.self, try Digest(manifest.config.digest)).records.map(\.step)
        }
        let built = root.skiff(
            "build", "--cache-to", "type=local,dest=\(root.path)/min", "--cache-to",
            "type=local,dest=\(root.path)/max,mode=max", context, timeout: 120)
        #expect(built.status == 0, "\(built.out)\(built.err)")
        let min = try records(root.path + "/min")
        let max = try records(root.path + "/max")
        #expect(min.count == 2 && !min.contains { $0.contains("echo tool") }, "\(min)")
        #expect(max.count == 3 && max.contains { $0.contains("echo tool") }, "\(max)")

        // A layout BuildKit exported (an index listing its cacheconfig): said so, and the build goes on.
        let buildkit = root.path + "/buildkit"
        let cacheConfig = Descriptor(
            mediaType: "application/vnd.buildkit.cacheconfig.v0",
            digest: "sha256:" + String(repeating: "0", count: 64), size: 2)
        let inner = Array(try JSONEncoder().encode(ImageIndex(manifests: [cacheConfig])))
        let blobs = ContentStore(root: buildkit + "/blobs")
        let innerDigest = try blobs.write(inner)
        try FileManager.default.removeItem(atPath: buildkit + "/blobs/ingest")
        let outer = ImageIndex(manifests: [
            Descriptor(
                mediaType: MediaType.ociIndex, digest: innerDigest.description, size: Int64(inner.count),
                annotations: ["org.opencontainers.image.ref.name": "latest"])
        ])
        try JSONEncoder().encode(outer).write(to: URL(fileURLWithPath: buildkit + "/index.json"))
        let foreign = root.skiff("build", "--cache-from", "type=local,src=\(buildkit)", context, timeout: 120)
        #expect(foreign.status == 0, "\(foreign.out)\(foreign.err)")
        #expect(foreign.out.contains("local cache \(buildkit) was exported by BuildKit"), "\(foreign.out)")
    }

    /// Compose's `build.cache_to` and `build.cache_from` are the same specs.
    @Test func composeCacheKeysExportAndImport() throws {
        let first = try CLIRoot(prefix: "skiff-bcache-compose-a-")
        defer { first.cleanUp() }
        let cacheDir = first.path + "/exported"
        func project(_ root: CLIRoot, _ key: String) throws -> String {
            let dir = try Self.context(in: root)
            try """
            services:
              app:
                build:
                  context: .
                  \(key)
            """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
            return dir + "/compose.yaml"
        }
        let exported = first.skiff(
            ["compose", "-f", try project(first, "cache_to: [ \"type=local,dest=\(cacheDir)\" ]"), "build"],
            timeout: 120)
        #expect(exported.status == 0, "\(exported.out)\(exported.err)")
        let second = try Self.root(sharingBaseWith: first, prefix: "skiff-bcache-compose-b-")
        defer { second.cleanUp() }
        let imported = second.skiff(
            ["compose", "-f", try project(second, "cache_from: [ \"type=local,src=\(cacheDir)\" ]"), "build"],
            timeout: 120)
        #expect(imported.status == 0, "\(imported.out)\(imported.err)")
        let all = imported.out + imported.err
        #expect(Self.usingCache(all) == 5, "\(all)")
    }
}

/// `type=registry` (a cache manifest pushed to a repository) and `type=inline` (the cache in the pushed
/// image's config, read back by `--cache-from IMAGE`), against a real `docker-registry` on loopback.
@Suite(
    "build cache in a registry",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
struct BuildCacheRegistryTests {
    @Test func registryAndInlineCachesAnswerAFreshRootsSteps() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let first = try CLIRoot(prefix: "skiff-bcache-reg-a-")
        defer { first.cleanUp() }
        let cacheRef = "\(registry.host)/cache/app:buildcache"
        let imageRef = "\(registry.host)/app/img:1"
        let built = first.skiff(
            "build", "-t", imageRef, "--cache-to", "type=registry,ref=\(cacheRef)", "--cache-to", "type=inline",
            try BuildCacheExportTests.context(in: first), timeout: 180)
        #expect(built.status == 0, "\(built.out)\(built.err)")
        let stamp = first.skiff("run", "--rm", imageRef).out
        #expect(stamp.count == 37, "\(stamp)")
        // The inline cache is in the image's config.
        let image = try first.engine.images.resolve(imageRef)
        let config = String(decoding: try first.engine.images.content.read(image.configDigest), as: UTF8.self)
        #expect(config.contains("\"skiff.build.cache.v1\""))
        let pushed = first.skiff("push", imageRef, timeout: 120)
        #expect(pushed.status == 0, "\(pushed.out)\(pushed.err)")

        // The cache manifest: a plain reference is type=registry (BuildKit's shorthand).
        let second = try BuildCacheExportTests.root(sharingBaseWith: first, prefix: "skiff-bcache-reg-b-")
        defer { second.cleanUp() }
        let fromRegistry = second.skiff(
            "build", "-t", "app", "--cache-from", cacheRef, try BuildCacheExportTests.context(in: second), timeout: 180)
        #expect(fromRegistry.status == 0, "\(fromRegistry.out)\(fromRegistry.err)")
        #expect(BuildCacheExportTests.usingCache(fromRegistry.out) == 5, "\(fromRegistry.out)")
        #expect(second.skiff("run", "--rm", "app").out == stamp)

        // The inline cache of the pushed image.
        let third = try BuildCacheExportTests.root(sharingBaseWith: first, prefix: "skiff-bcache-reg-c-")
        defer { third.cleanUp() }
        let fromImage = third.skiff(
            "build", "-t", "app", "--cache-from", "type=registry,ref=\(imageRef)",
            try BuildCacheExportTests.context(in: third), timeout: 180)
        #expect(fromImage.status == 0, "\(fromImage.out)\(fromImage.err)")
        #expect(BuildCacheExportTests.usingCache(fromImage.out) == 5, "\(fromImage.out)")
        #expect(third.skiff("run", "--rm", "app").out == stamp)

        // A reference with nothing there: a warning, and the steps run.
        let fourth = try BuildCacheExportTests.root(sharingBaseWith: first, prefix: "skiff-bcache-reg-d-")
        defer { fourth.cleanUp() }
        let absent = fourth.skiff(
            "build", "-t", "app", "--cache-from", "\(registry.host)/nothing/here:1",
            try BuildCacheExportTests.context(in: fourth), timeout: 180)
        #expect(absent.status == 0, "\(absent.out)\(absent.err)")
        #expect(absent.out.contains("WARNING: importing the registry cache"), "\(absent.out)")
        #expect(BuildCacheExportTests.usingCache(absent.out) == 0, "\(absent.out)")
        #expect(fourth.skiff("run", "--rm", "app").out != stamp)
    }
}
