import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffTestSupport

/// Test images made from the busybox fixture rootfs, straight into a store (no registry, no archive):
/// one gzip layer packed with the `tar` CLI, a config and a manifest.
enum TestImage {
    static let busyboxRootfs = RepositoryPaths.busyboxRootfs

    static var fixtureExists: Bool { FileManager.default.fileExists(atPath: busyboxRootfs + "/bin/busybox") }

    /// Pack `directory` as a tar+gzip layer; returns (blob path, diffID).
    static func packLayer(_ directory: String, in scratch: String, extraTarArgs: [String] = []) throws -> (
        String, String
    ) {
        let tarPath = scratch + "/layer-\(UUID().uuidString).tar"
        try run("/bin/tar", ["--numeric-owner", "--sort=name", "-C", directory, "-cf", tarPath] + extraTarArgs + ["."])
        let diffID = Digest.of(try Data(contentsOf: URL(fileURLWithPath: tarPath)))
        try run("/bin/gzip", ["-1", "-f", tarPath])
        return (tarPath + ".gz", diffID.description)
    }

    /// Store an image whose layers are the given directories (bottom first) under `name`.
    @discardableResult
    static func make(_ name: String, layers: [String], config: ContainerConfig, store: ImageStore, scratch: String)
        throws -> StoredImage
    {
        var descriptors: [Descriptor] = []
        var diffIDs: [String] = []
        for dir in layers {
            let (blob, diffID) = try packLayer(dir, in: scratch)
            let digest = try store.content.ingest(file: blob)
            let size = try FileManager.default.attributesOfItem(atPath: blob)[.size] as! Int
            descriptors.append(
                Descriptor(mediaType: MediaType.ociLayerGzip, digest: digest.description, size: Int64(size)))
            diffIDs.append(diffID)
            try FileManager.default.removeItem(atPath: blob)
        }
        let imageConfig = ImageConfig(
            created: "2026-01-01T00:00:00Z", config: config, rootfs: RootFS(diffIDs: diffIDs),
            history: layers.map { _ in History(created: "2026-01-01T00:00:00Z", createdBy: "test layer") })
        let configDescriptor = try store.content.writeJSON(imageConfig, mediaType: MediaType.ociConfig)
        let manifest = Manifest(config: configDescriptor, layers: descriptors)
        let manifestDescriptor = try store.content.writeJSON(manifest, mediaType: MediaType.ociManifest)
        let digest = try Digest(manifestDescriptor.digest)
        try store.tag(try ImageReference(parsing: name), manifest: digest)
        return try store.image(manifest: digest)
    }

    static func busyboxConfig() -> ContainerConfig {
        var c = ContainerConfig()
        c.Cmd = ["sh"]
        c.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        return c
    }

    static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(
                domain: "TestImage", code: Int(p.terminationStatus),
                userInfo: [NSLocalizedDescriptionKey: "\(tool) \(args) failed"])
        }
    }
}

/// A state root of its own for one test, removed (with anything under it) at the end.
final class TestRoot {
    let path: String
    let engine: Engine

    init() throws {
        path = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-kit-test-")
        engine = Engine(root: path)
    }

    func cleanUp() {
        for c in engine.containers.all() { try? engine.removeContainer(c.id, force: true) }
        _ = try? engine.pruneNetworks()
        FileIO.removeTree(path)
    }
}
