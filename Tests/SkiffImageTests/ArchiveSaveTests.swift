import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

@Suite("Archive save")
struct ArchiveSaveTests {
    typealias F = ArchiveFixtures

    /// save → load into a fresh store keeps the image: same config (bytes), manifest and diff_ids.
    @Test(
        .enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"),
        arguments: ImageArchiveFormat.allCases)
    func roundTripKeepsTheImage(format: ImageArchiveFormat) throws {
        try F.withTempDir { dir in
            let a = ImageStore(root: dir + "/a")
            _ = try ImageArchiveLoader(store: a).load(path: F.busyboxArchive!)
            try a.tag(
                try ImageReference(parsing: "localhost:5000/team/box:1.0"),
                manifest: try a.resolve("busybox").manifestDigest)
            let writer = ImageArchiveWriter(store: a)
            let selected = try writer.resolve(["busybox", "localhost:5000/team/box:1.0"])
            #expect(selected.count == 1)
            try writer.write(selected, format: format, toPath: dir + "/out.tar")

            let b = ImageStore(root: dir + "/b")
            let loaded = try ImageArchiveLoader(store: b).load(path: dir + "/out.tar")
            let original = try a.resolve("busybox")
            #expect(loaded.count == 1)
            #expect(
                Set(loaded[0].references.map(\.description)) == [
                    "docker.io/library/busybox:latest", "localhost:5000/team/box:1.0",
                ])
            let copy = try b.resolve("localhost:5000/team/box:1.0")
            #expect(copy.id == original.id)
            #expect(copy.manifestDigest == original.manifestDigest)
            #expect(copy.config == original.config)
            #expect(copy.config.rootfs.diffIDs == original.config.rootfs.diffIDs)
            #expect(try b.content.read(copy.configDigest) == (try a.content.read(original.configDigest)))
        }
    }

    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func dockerArchiveHasDockerAndOCIIndexes() throws {
        try F.withTempDir { dir in
            let store = ImageStore(root: dir + "/s")
            _ = try ImageArchiveLoader(store: store).load(path: F.busyboxArchive!)
            let writer = ImageArchiveWriter(store: store)
            // Saved by ID: no names recorded.
            let image = try store.resolve("busybox")
            try writer.write(
                try writer.resolve(["busybox:latest", image.id.short]), format: .dockerArchive, toPath: dir + "/d.tar")
            #expect(F.shell("mkdir '\(dir)/x' && tar -xf '\(dir)/d.tar' -C '\(dir)/x'").status == 0)
            let manifest = try JSONDecoder().decode(
                [DockerArchiveManifestEntry].self,
                from: Data(contentsOf: URL(fileURLWithPath: dir + "/x/manifest.json")))
            #expect(manifest.count == 1)
            #expect(manifest[0].RepoTags == ["docker.io/library/busybox:latest"])
            #expect(manifest[0].Config == "blobs/sha256/" + image.configDigest.hex)
            #expect(manifest[0].Layers == image.manifest.layers.map { "blobs/sha256/" + $0.digest.dropFirst(7) })
            let index = try JSONDecoder().decode(
                ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/x/index.json")))
            #expect(
                index.manifests.first?.annotations?["io.containerd.image.name"] == "docker.io/library/busybox:latest")
            #expect(index.manifests.first?.annotations?["org.opencontainers.image.ref.name"] == "latest")
            #expect(FileManager.default.fileExists(atPath: dir + "/x/oci-layout"))
            for hex in [image.configDigest.hex, image.manifestDigest.hex] {
                #expect(F.sha256(dir + "/x/blobs/sha256/" + hex) == hex)
            }
            // No temp file left next to the output.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["d.tar", "s", "x"])
        }
    }

    /// An imported image has a gzip layer: saved as it is, loaded back with the diff ID checked.
    @Test func roundTripOfACompressedLayer() throws {
        try F.withTempDir { dir in
            #expect(
                F.shell("cd '\(dir)' && mkdir -p r/etc && echo hi > r/etc/greeting && tar -C r -cf rootfs.tar etc")
                    .status == 0)
            let a = ImageStore(root: dir + "/a")
            let image = try RootfsImporter(store: a).importRootfs(
                path: dir + "/rootfs.tar", changes: ["CMD [\"cat\", \"/etc/greeting\"]"],
                reference: try ImageReference(parsing: "greet:1"))
            for format in ImageArchiveFormat.allCases {
                let writer = ImageArchiveWriter(store: a)
                try writer.write(try writer.resolve(["greet:1"]), format: format, toPath: dir + "/out.tar")
                let b = ImageStore(root: dir + "/b-\(format.rawValue)")
                _ = try ImageArchiveLoader(store: b).load(path: dir + "/out.tar")
                let copy = try b.resolve("greet:1")
                #expect(copy.manifestDigest == image.manifestDigest)
                #expect(copy.manifest.layers[0].mediaType == MediaType.ociLayerGzip)
                #expect(copy.config.config?.Cmd == ["cat", "/etc/greeting"])
            }
        }
    }

    @Test func savingAnUnknownImageFails() throws {
        try F.withTempDir { dir in
            let store = ImageStore(root: dir + "/s")
            #expect(throws: ImageError.self) { try ImageArchiveWriter(store: store).resolve(["nothere:1"]) }
        }
    }
}
