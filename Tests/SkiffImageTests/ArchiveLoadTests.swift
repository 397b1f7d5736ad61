import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

@Suite("Archive load")
struct ArchiveLoadTests {
    typealias F = ArchiveFixtures

    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func loadsTheMakeImagesBusybox() throws {
        try F.withTempDir { dir in
            let store = ImageStore(root: dir + "/state")
            let loaded = try ImageArchiveLoader(store: store).load(path: F.busyboxArchive!)
            #expect(loaded.count == 1)
            #expect(loaded[0].references.map(\.description) == ["docker.io/library/busybox:latest"])
            let image = try store.resolve("busybox")
            #expect(image.id == loaded[0].id)
            #expect(image.config.config?.Cmd == ["sh"])
            #expect(image.config.rootfs.diffIDs.count == 1)
            // The layer is stored as the plain tar it is in the archive: digest == diff ID.
            #expect(image.manifest.layers[0].digest == image.config.rootfs.diffIDs[0])
            #expect(image.manifest.layers[0].mediaType == MediaType.ociLayer)
            let ingest = (try? FileManager.default.contentsOfDirectory(atPath: store.content.root + "/ingest")) ?? []
            #expect(ingest.isEmpty)
        }
    }

    /// docker < 25's layout (`<id>/layer.tar`, `<hex>.json`, a symlinked duplicate layer), gzip-compressed.
    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func loadsTheOldLayoutGzipped() throws {
        try F.withTempDir { dir in
            let script = """
                set -e
                cd '\(dir)'; mkdir x old; tar -xf '\(F.busyboxArchive!)' -C x
                cfg=$(jq -r '.[0].Config' x/manifest.json); layer=$(jq -r '.[0].Layers[0]' x/manifest.json)
                hex=$(basename "$cfg")
                mkdir old/aaa old/bbb
                cp "x/$layer" old/aaa/layer.tar; ln -s ../aaa/layer.tar old/bbb/layer.tar
                echo 1.0 > old/aaa/VERSION
                cp "x/$cfg" "old/$hex.json"
                printf '[{"Config":"%s.json","RepoTags":["old/busybox:v1"],"Layers":["bbb/layer.tar"]}]' "$hex" > old/manifest.json
                tar -C old -czf old.tar.gz .
                """
            let r = F.shell(script)
            #expect(r.status == 0, "\(r.output)")
            let store = ImageStore(root: dir + "/state")
            let loaded = try ImageArchiveLoader(store: store).load(path: dir + "/old.tar.gz")
            #expect(loaded.map { $0.references.map(\.familiar) } == [["old/busybox:v1"]])
            let image = try store.resolve("old/busybox:v1")
            #expect(image.config.config?.Cmd == ["sh"])
            #expect(store.content.contains(try Digest(image.config.rootfs.diffIDs[0])))
        }
    }

    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func refusesAPathEscapingTheArchive() throws {
        try F.withTempDir { dir in
            // The busybox archive's members plus one named "../escape".
            let r = F.shell(
                """
                set -e; cd '\(dir)'; mkdir x; tar -xf '\(F.busyboxArchive!)' -C x; echo evil > escape
                python3 -c '
                import tarfile
                with tarfile.open("bad.tar", "w") as t:
                    t.add("x", arcname=".")
                    t.add("escape", arcname="../escape")
                '
                """)
            #expect(r.status == 0, "\(r.output)")
            let store = ImageStore(root: dir + "/state")
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/bad.tar") } throws: { error in
                "\(error)".contains("\"../escape\" points outside the archive")
            }
            try F.expectEmpty(store)
        }
    }

    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func refusesASymlinkEscapingTheArchive() throws {
        try F.withTempDir { dir in
            let r = F.shell(
                """
                set -e; cd '\(dir)'; mkdir x; tar -xf '\(F.busyboxArchive!)' -C x
                mkdir x/evil; ln -s ../../../etc/passwd x/evil/layer.tar
                tar -C x -cf bad.tar .
                """)
            #expect(r.status == 0, "\(r.output)")
            let store = ImageStore(root: dir + "/state")
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/bad.tar") } throws: { error in
                "\(error)".contains("points outside the archive")
            }
            try F.expectEmpty(store)
        }
    }

    /// A flipped byte in blobs/sha256/<layer>: the blob no longer matches its name.
    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func refusesACorruptedLayerBlob() throws {
        try F.withTempDir { dir in
            let r = F.shell(
                """
                set -e; cd '\(dir)'; mkdir x; tar -xf '\(F.busyboxArchive!)' -C x
                layer=$(jq -r '.[0].Layers[0]' x/manifest.json)
                printf 'X' | dd of="x/$layer" bs=1 seek=100000 conv=notrunc status=none
                tar -C x -cf bad.tar .
                """)
            #expect(r.status == 0, "\(r.output)")
            let store = ImageStore(root: dir + "/state")
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/bad.tar") } throws: { error in
                "\(error)".contains("does not match its digest")
            }
            try F.expectEmpty(store)
        }
    }

    /// A corrupted `<id>/layer.tar` of the old layout: caught by the config's diff_id.
    @Test(.enabled(if: F.haveBusybox, "Scripts/make-images could not make busybox.tar"))
    func refusesACorruptedOldLayoutLayer() throws {
        try F.withTempDir { dir in
            let r = F.shell(
                """
                set -e; cd '\(dir)'; mkdir x old; tar -xf '\(F.busyboxArchive!)' -C x
                cfg=$(jq -r '.[0].Config' x/manifest.json); layer=$(jq -r '.[0].Layers[0]' x/manifest.json)
                mkdir old/aaa; cp "x/$layer" old/aaa/layer.tar; cp "x/$cfg" "old/$(basename "$cfg").json"
                printf 'X' | dd of=old/aaa/layer.tar bs=1 seek=100000 conv=notrunc status=none
                printf '[{"Config":"%s.json","RepoTags":["busybox:bad"],"Layers":["aaa/layer.tar"]}]' "$(basename "$cfg")" > old/manifest.json
                tar -C old -cf bad.tar .
                """)
            #expect(r.status == 0, "\(r.output)")
            let store = ImageStore(root: dir + "/state")
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/bad.tar") } throws: { error in
                "\(error)".contains("but the config says")
            }
            try F.expectEmpty(store)
        }
    }

    @Test func refusesSomethingThatIsNotAnImageArchive() throws {
        try F.withTempDir { dir in
            #expect(F.shell("cd '\(dir)' && echo hi > a && tar -cf a.tar a && echo nope > b").status == 0)
            let store = ImageStore(root: dir + "/state")
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/a.tar") } throws: { error in
                "\(error)".contains("neither a docker-archive")
            }
            #expect { try ImageArchiveLoader(store: store).load(path: dir + "/b") } throws: { error in
                "\(error)".contains("not a tar archive")
            }
            try F.expectEmpty(store)
        }
    }

    @Test(arguments: [
        ("blobs/sha256/x", "blobs/sha256/x"), ("./manifest.json", "manifest.json"), ("a//b/./c", "a/b/c"),
    ])
    func normalizesMemberPaths(input: String, expected: String) throws {
        #expect(try ArchiveMemberPath.normalize(input, archive: "t") == expected)
    }

    @Test(arguments: ["../x", "/etc/passwd", "a/../../b", "a/.."])
    func refusesEscapingMemberPaths(input: String) {
        #expect(throws: ImageError.self) { try ArchiveMemberPath.normalize(input, archive: "t") }
    }

    @Test func resolvesSymlinksInsideTheArchive() throws {
        #expect(
            try ArchiveMemberPath.resolve(symlink: "../aaa/layer.tar", at: "bbb/layer.tar", archive: "t")
                == "aaa/layer.tar")
        #expect(throws: ImageError.self) {
            try ArchiveMemberPath.resolve(symlink: "../../x", at: "bbb/layer.tar", archive: "t")
        }
        #expect(throws: ImageError.self) {
            try ArchiveMemberPath.resolve(symlink: "/x", at: "bbb/layer.tar", archive: "t")
        }
    }
}
