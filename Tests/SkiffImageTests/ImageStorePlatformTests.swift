import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

/// The store's two records beyond name → manifest: a multi-platform image (name → index, the name listing
/// this machine's entry) and an image pulled for another platform without its name (a build's base).
@Suite("Image store: indexes and platform pulls")
struct ImageStorePlatformTests {
    func withStore(_ body: (ImageStore) throws -> Void) throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-isp-")
        defer { FileIO.removeTree(dir) }
        try body(ImageStore(root: dir))
    }

    /// An image of no layers whose config says `architecture` (and a layer-free marker in its env).
    func image(_ store: ImageStore, _ architecture: String) throws -> Digest {
        var config = ImageConfig(architecture: architecture, rootfs: RootFS(diffIDs: []))
        var cc = ContainerConfig()
        cc.Env = ["ARCH=\(architecture)"]
        config.config = cc
        let configDescriptor = try store.content.writeJSON(config, mediaType: MediaType.ociConfig)
        let manifest = Manifest(config: configDescriptor, layers: [])
        return try Digest(store.content.writeJSON(manifest, mediaType: MediaType.ociManifest).digest)
    }

    func index(_ store: ImageStore, _ entries: [(Digest, String)]) throws -> Digest {
        let descriptors = entries.map { digest, arch in
            Descriptor(
                mediaType: MediaType.ociManifest, digest: digest.description,
                size: store.content.size(of: digest) ?? 0, platform: Platform(architecture: arch))
        }
        return try Digest(
            store.content.writeJSON(ImageIndex(manifests: descriptors), mediaType: MediaType.ociIndex).digest)
    }

    @Test func aNamedIndexListsThisMachinesEntryAndKeepsEveryEntry() throws {
        try withStore { store in
            let arm = try image(store, "arm64")
            let amd = try image(store, "amd64")
            let both = try index(store, [(arm, "arm64"), (amd, "amd64")])
            let name = try ImageReference(parsing: "multi")
            try store.tag(name, index: both, platform: Platform(architecture: "amd64"))
            #expect(try store.resolve("multi").manifestDigest == amd)
            #expect(store.index(of: name)?.digest == both)
            #expect(try store.list().count == 1)
            try store.collectGarbage()
            #expect(store.content.contains(arm) && store.content.contains(both))
            // Another name for the index (tag), then the first removed: still all kept.
            let other = try ImageReference(parsing: "other:1")
            try store.tag(other, index: both, platform: Platform(architecture: "arm64"))
            #expect(try store.resolve("other:1").manifestDigest == arm)
            try store.untag(name)
            #expect(store.index(of: name) == nil)
            try store.collectGarbage()
            #expect(store.content.contains(amd))
            // The name moved to one manifest: the index and its other entry go.
            try store.tag(other, manifest: arm)
            #expect(store.index(of: other) == nil)
            try store.collectGarbage()
            #expect(!store.content.contains(both) && !store.content.contains(amd) && store.content.contains(arm))
        }
    }

    @Test func aPlatformPullIsFoundByReferenceAndPlatformUntilForgotten() throws {
        try withStore { store in
            let arm = try image(store, "arm64")
            let ref = try ImageReference(parsing: "localhost:5000/base:1")
            let platform = Platform(architecture: "arm64")
            try store.recordPlatformPull(ref, platform: platform, manifest: arm)
            #expect(store.platformPull(ref, platform: platform)?.manifestDigest == arm)
            #expect(store.platformPull(ref, platform: Platform(architecture: "riscv64")) == nil)
            #expect(store.platformPull(try ImageReference(parsing: "localhost:5000/base:2"), platform: platform) == nil)
            // Not a name: `images` does not list it, `resolve` does not find it; collection keeps it.
            #expect(try store.list().isEmpty)
            #expect((try? store.resolve("localhost:5000/base:1")) == nil)
            try store.collectGarbage()
            #expect(store.platformPull(ref, platform: platform) != nil)
            // A blob gone (deleted by hand): not answered, so the build pulls again.
            let config = try Digest(try store.image(manifest: arm).manifest.config.digest)
            store.content.delete(config)
            #expect(store.platformPull(ref, platform: platform) == nil)
            try store.forgetPlatformPulls()
            try store.collectGarbage()
            #expect(!store.content.contains(arm))
        }
    }
}
