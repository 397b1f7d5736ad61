import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

/// Interop with Podman (Debian's podman): it loads what Skiff saves, and Skiff loads what it saves. Podman
/// runs with private storage (vfs) in a temp dir, reset and removed afterwards; no container is run.
@Suite("Archive interop with podman", .serialized)
struct ArchivePodmanTests {
    typealias F = ArchiveFixtures

    /// A podman with its own storage under `dir`.
    struct Podman {
        let dir: String
        var prefix: String { "podman --root '\(dir)/root' --runroot '\(dir)/run' --storage-driver vfs" }

        @discardableResult
        func run(_ args: String) -> (status: Int32, output: String) { F.shell(prefix + " " + args) }

        func reset() {
            run("system reset -f")
            F.shell("umount -R '\(dir)/root' '\(dir)/run' 2>/dev/null; rm -rf '\(dir)/root' '\(dir)/run'")
        }
    }

    /// Podman also writes outside --root (see `ContainersToolsGuard`).
    func withPodman(_ body: (Podman, String) throws -> Void) throws {
        try ContainersToolsGuard.run {
            try F.withTempDir("skiff-test-podman-") { dir in
                let podman = Podman(dir: dir)
                defer { podman.reset() }
                try body(podman, dir)
            }
        }
    }

    @Test(.enabled(if: F.havePodman, "needs podman and Scripts/make-images"), arguments: ImageArchiveFormat.allCases)
    func podmanLoadsWhatSkiffSaves(format: ImageArchiveFormat) throws {
        try withPodman { podman, dir in
            let store = ImageStore(root: dir + "/skiff")
            _ = try ImageArchiveLoader(store: store).load(path: F.busyboxArchive!)
            let image = try store.resolve("busybox")
            let writer = ImageArchiveWriter(store: store)
            try writer.write(try writer.resolve(["busybox"]), format: format, toPath: dir + "/saved.tar")

            let load = podman.run("load -i '\(dir)/saved.tar'")
            #expect(load.status == 0, "\(load.output)")
            #expect(load.output.contains("Loaded image: docker.io/library/busybox:latest"), "\(load.output)")
            let inspect = podman.run("image inspect docker.io/library/busybox:latest")
            #expect(inspect.status == 0, "\(inspect.output)")
            struct Shape: Decodable {
                struct Cfg: Decodable { var Cmd: [String]? }
                struct Root: Decodable { var Layers: [String] }
                var Id: String
                var Config: Cfg
                var RootFS: Root
            }
            let shapes = try JSONDecoder().decode([Shape].self, from: Data(inspect.output.utf8))
            #expect(shapes.first?.Id == image.id.hex)
            #expect(shapes.first?.Config.Cmd == ["sh"])
            #expect(shapes.first?.RootFS.Layers == image.config.rootfs.diffIDs)
        }
    }

    @Test(
        .enabled(if: F.havePodman, "needs podman and Scripts/make-images"),
        arguments: ["docker-archive", "oci-archive"])
    func skiffLoadsWhatPodmanSaves(podmanFormat: String) throws {
        try withPodman { podman, dir in
            let load = podman.run("load -i '\(F.busyboxArchive!)'")
            #expect(load.status == 0, "\(load.output)")
            let save = podman.run(
                "save --format \(podmanFormat) -o '\(dir)/podman.tar' docker.io/library/busybox:latest")
            #expect(save.status == 0, "\(save.output)")

            let original = ImageStore(root: dir + "/orig")
            _ = try ImageArchiveLoader(store: original).load(path: F.busyboxArchive!)
            let store = ImageStore(root: dir + "/skiff")
            let loaded = try ImageArchiveLoader(store: store).load(path: dir + "/podman.tar")
            #expect(loaded.count == 1)
            #expect(loaded[0].references.map(\.description) == ["docker.io/library/busybox:latest"])
            let image = try store.resolve("busybox:latest")
            let expected = try original.resolve("busybox")
            #expect(image.id == expected.id)
            #expect(image.config.rootfs.diffIDs == expected.config.rootfs.diffIDs)
            #expect(image.config.config?.Cmd == ["sh"])
        }
    }
}
