// Registry tests run against real peers, nothing mocked. Debian packages they need:
//   docker-registry skopeo apache2-utils (htpasswd) openssl tar gzip
import Foundation
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

extension LocalRegistry {
    /// The file the registry keeps a blob's bytes in.
    func blobDataPath(_ digest: Digest) -> String {
        "\(storage)/docker/registry/v2/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)/data"
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

enum Shell {
    /// Run a program, return its stdout; a non-zero exit is an error carrying stderr.
    @discardableResult
    static func run(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> String {
        let p = Foundation.Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errBytes = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TestFailure(
                "\(path) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: errBytes, as: UTF8.self))"
            )
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

/// A temp dir holding an ImageStore, removed at the end.
final class TempStore: @unchecked Sendable {
    let dir: String
    let store: ImageStore
    init() throws {
        dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-regstore-")
        store = ImageStore(root: dir + "/root")
    }
    func remove() { FileIO.removeTree(dir) }
}

enum TestImages {
    /// Make an image in `store`: one gzip layer per entry of `layers` (file name → contents), written
    /// with the tar CLI; `randomBytes` adds an incompressible file of that size to each layer.
    @discardableResult
    static func make(
        in store: ImageStore, name: String, layers: [[String: String]], architecture: String = "amd64",
        variant: String? = nil, randomBytes: Int = 0, workDir: String
    ) throws -> StoredImage {
        var layerDescriptors: [Descriptor] = []
        var diffIDs: [String] = []
        for (i, files) in layers.enumerated() {
            let root = "\(workDir)/layer-\(name.hashValue)-\(i)"
            try FileManager.default.createDirectory(atPath: root + "/files", withIntermediateDirectories: true)
            for (path, text) in files {
                let full = root + "/files/" + path
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: full, atomically: true, encoding: .utf8)
            }
            if randomBytes > 0 {
                try Shell.run(
                    "/bin/dd",
                    [
                        "if=/dev/urandom", "of=\(root)/files/random.bin", "bs=1M", "count=\(randomBytes >> 20)",
                        "status=none",
                    ])
            }
            try Shell.run(
                "/bin/tar",
                [
                    "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                    "-cf", root + "/layer.tar", "-C", root + "/files", ".",
                ])
            diffIDs.append(try store.content.ingest(file: root + "/layer.tar").description)
            store.content.delete(try Digest(diffIDs.last!))
            try Shell.run("/bin/gzip", ["-n", "-1", root + "/layer.tar"])
            let digest = try store.content.ingest(file: root + "/layer.tar.gz")
            layerDescriptors.append(
                Descriptor(
                    mediaType: MediaType.ociLayerGzip, digest: digest.description,
                    size: store.content.size(of: digest)!))
            FileIO.removeTree(root)
        }
        var config = ImageConfig(architecture: architecture, rootfs: RootFS(diffIDs: diffIDs))
        config.variant = variant
        var cc = ContainerConfig()
        cc.Cmd = ["/bin/sh"]
        cc.Env = ["PATH=/usr/bin:/bin", "IMAGE=\(name)"]
        config.config = cc
        let configDescriptor = try store.content.writeJSON(config, mediaType: MediaType.ociConfig)
        let manifest = Manifest(config: configDescriptor, layers: layerDescriptors)
        let manifestDescriptor = try store.content.writeJSON(manifest, mediaType: MediaType.ociManifest)
        let digest = try Digest(manifestDescriptor.digest)
        try store.tag(try ImageReference(parsing: name), manifest: digest)
        return try store.image(manifest: digest)
    }
}

/// Events a pull reported, collected for checks.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [PullEvent] = []
    func record(_ e: PullEvent) { lock.withLock { events.append(e) } }
    var started: [Digest] {
        lock.withLock { events.compactMap { if case .blobStarted(let d, _) = $0 { return d } else { return nil } } }
    }
    var existed: [Digest] {
        lock.withLock { events.compactMap { if case .blobExists(let d) = $0 { return d } else { return nil } } }
    }
}

func contentsOf(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

@Suite("Registry pull and push", .serialized)
struct RegistryTests {
    let anonymous = RegistryOptions(
        tlsVerify: true, credentials: CredentialStore(path: "/nonexistent/skiff-test/config.json"))

    @Test func pushThenPullRoundTrip() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1",
            layers: [["etc/hello": "hi\n"], ["bin/tool": "#!/bin/sh\necho tool\n"]],
            workDir: source.dir)
        let dest = try ImageReference(parsing: "\(registry.host)/team/app:1.0")
        let pushed = try Pusher(store: source.store, options: anonymous).push(image, to: dest)
        #expect(pushed.manifest == image.manifestDigest)
        #expect(pushed.blobs.values.allSatisfy { $0 == .pushed })
        #expect(pushed.blobs.count == 3)

        // A second push finds every blob there already.
        let again = try Pusher(store: source.store, options: anonymous).push(image, to: dest)
        #expect(again.blobs.values.allSatisfy { $0 == .exists })

        let events = EventLog()
        let pulled = try Puller(store: target.store, options: PullOptions(registry: anonymous), progress: events.record)
            .pull(dest)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(pulled.config == image.config)
        #expect(pulled.references == [dest])
        #expect(Set(events.started) == Set(image.manifest.layers.map { try! Digest($0.digest) }))
        for layer in image.manifest.layers {
            let d = try Digest(layer.digest)
            #expect(try target.store.content.read(d) == (try source.store.content.read(d)))
        }
        // The manifest is stored byte for byte, so its digest is the registry's.
        #expect(
            try target.store.content.read(image.manifestDigest) == (try source.store.content.read(image.manifestDigest))
        )
        #expect(try target.store.resolve("\(registry.host)/team/app:1.0").manifestDigest == image.manifestDigest)

        // Pull by digest verifies the manifest digest.
        let byDigest = ImageReference(registry: registry.host, repository: "team/app", digest: image.manifestDigest)
        let store3 = try TempStore()
        defer { store3.remove() }
        #expect(
            try Puller(store: store3.store, options: PullOptions(registry: anonymous)).pull(byDigest).manifestDigest
                == image.manifestDigest)
    }

    @Test func pullSkipsBlobsAlreadyPresent() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let base = try TestImages.make(
            in: source.store, name: "local/base:1", layers: [["a": "base\n"]], workDir: source.dir)
        let app = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["a": "base\n"], ["b": "app\n"]], workDir: source.dir)
        #expect(base.manifest.layers[0].digest == app.manifest.layers[0].digest)
        let baseRef = try ImageReference(parsing: "\(registry.host)/base:1")
        let appRef = try ImageReference(parsing: "\(registry.host)/app:1")
        try Pusher(store: source.store, options: anonymous).push(base, to: baseRef)
        try Pusher(store: source.store, options: anonymous).push(app, to: appRef)

        let puller = Puller(store: target.store, options: PullOptions(registry: anonymous))
        try puller.pull(baseRef)
        let events = EventLog()
        try Puller(store: target.store, options: PullOptions(registry: anonymous), progress: events.record).pull(appRef)
        let shared = try Digest(app.manifest.layers[0].digest), own = try Digest(app.manifest.layers[1].digest)
        #expect(events.existed == [shared])
        #expect(events.started == [own])

        let again = EventLog()
        try Puller(store: target.store, options: PullOptions(registry: anonymous), progress: again.record).pull(appRef)
        #expect(again.started.isEmpty)
        #expect(Set(again.existed) == [shared, own])
    }

    @Test func pushMountsBlobsFromAnotherRepository() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore(), middle = try TempStore()
        defer { source.remove(); middle.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["x": "1\n"]], workDir: source.dir)
        let first = try ImageReference(parsing: "\(registry.host)/one/app:1")
        try Pusher(store: source.store, options: anonymous).push(image, to: first)
        // Pulled from one/app, the image is pushed to two/app: its blobs are mounted, not uploaded.
        let pulled = try Puller(store: middle.store, options: PullOptions(registry: anonymous)).pull(first)
        let result = try Pusher(store: middle.store, options: anonymous).push(
            pulled, to: try ImageReference(parsing: "\(registry.host)/two/app:1"))
        #expect(result.blobs.count == 2)
        #expect(result.blobs.values.allSatisfy { $0 == .mounted })
    }

    @Test func aCorruptedBlobIsRefusedAndNothingIsKept() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["f": String(repeating: "data\n", count: 1000)]],
            workDir: source.dir)
        let ref = try ImageReference(parsing: "\(registry.host)/app:1")
        try Pusher(store: source.store, options: anonymous).push(image, to: ref)
        let layer = try Digest(image.manifest.layers[0].digest)
        // Same size, other bytes: only the digest can tell.
        let path = registry.blobDataPath(layer)
        var bytes = try FileIO.read(path)
        bytes[bytes.count / 2] ^= 0xff
        try FileIO.create(path, contents: bytes)

        #expect {
            try Puller(store: target.store, options: PullOptions(registry: anonymous)).pull(ref)
        } throws: { error in
            "\(error)".contains("digest mismatch") && "\(error)".contains(layer.description)
        }
        #expect(!target.store.content.contains(layer))
        #expect(!target.store.content.contains(image.manifestDigest))
        #expect(try target.store.references().isEmpty)
        #expect(contentsOf(target.store.content.root + "/ingest").isEmpty)
    }

    @Test func aMissingManifestIsAClearError() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let target = try TempStore()
        defer { target.remove() }
        let ref = try ImageReference(parsing: "\(registry.host)/x:1")
        #expect {
            try Puller(store: target.store, options: PullOptions(registry: anonymous)).pull(ref)
        } throws: { error in
            "\(error)" == "manifest unknown: \(registry.host)/x:1 not found"
        }
    }

    @Test func anIndexPicksThePlatform() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore()
        defer { source.remove() }
        let amd = try TestImages.make(
            in: source.store, name: "local/multi:amd64", layers: [["arch": "amd64\n"]],
            architecture: "amd64", workDir: source.dir)
        let arm = try TestImages.make(
            in: source.store, name: "local/multi:arm64", layers: [["arch": "arm64\n"]],
            architecture: "arm64", variant: "v8", workDir: source.dir)
        let client = RegistryClient(registry: registry.host)
        let pusher = Pusher(store: source.store, options: anonymous)
        for image in [amd, arm] {
            try pusher.push(
                image, to: ImageReference(registry: registry.host, repository: "multi", digest: image.manifestDigest),
                using: client)
        }
        func entry(_ image: StoredImage, _ platform: Platform) throws -> Descriptor {
            Descriptor(
                mediaType: MediaType.ociManifest, digest: image.manifestDigest.description,
                size: Int64(try source.store.content.read(image.manifestDigest).count), platform: platform)
        }
        let index = ImageIndex(manifests: [
            try entry(amd, Platform(architecture: "amd64")),
            try entry(arm, Platform(architecture: "arm64", variant: "v8")),
        ])
        let indexBytes = try JSONEncoder().encode(index)
        try client.putManifest(
            repository: "multi", reference: "1", bytes: Array(indexBytes), mediaType: MediaType.ociIndex)

        let ref = try ImageReference(parsing: "\(registry.host)/multi:1")
        let expected = Platform.current.architecture == "arm64" ? arm : amd
        let t1 = try TempStore(), t2 = try TempStore(), t3 = try TempStore()
        defer { t1.remove(); t2.remove(); t3.remove() }
        #expect(
            try Puller(store: t1.store, options: PullOptions(registry: anonymous)).pull(ref).manifestDigest
                == expected.manifestDigest)
        let armPull = try Puller(
            store: t2.store, options: PullOptions(platform: Platform(parsing: "linux/arm64")!, registry: anonymous)
        ).pull(ref)
        #expect(armPull.manifestDigest == arm.manifestDigest)
        #expect(armPull.config.architecture == "arm64")
        #expect {
            try Puller(
                store: t3.store, options: PullOptions(platform: Platform(architecture: "s390x"), registry: anonymous)
            ).pull(ref)
        } throws: { error in
            let text = "\(error)"
            return text.contains("no image for platform linux/s390x")
                && text.contains("available: linux/amd64, linux/arm64/v8")
        }
    }
}
