import Foundation
import SkiffSystem
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// OCI whiteouts become overlay whiteouts, and overlayfs, given the unpacked layers as lowerdirs, shows the
/// merged view the image means. The packer turns overlay whiteouts back into OCI markers.
@Suite struct LayerWhiteoutTests {
    /// layer 1: a/keep, a/gone, o/old1, o/sub/old2, top; layer 2 deletes a/gone, makes o opaque with o/new.
    static func makeLayers(_ dir: String) throws {
        try LayerFixtures.python(
            """
            import tarfile, io
            def f(t, name, data=b'x'):
                i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644; t.addfile(i, io.BytesIO(data))
            def d(t, name):
                i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
            with tarfile.open('\(dir)/one.tar.gz', 'w:gz', format=tarfile.PAX_FORMAT) as t:
                d(t, 'a'); f(t, 'a/keep', b'keep'); f(t, 'a/gone', b'gone')
                d(t, 'o'); f(t, 'o/old1'); d(t, 'o/sub'); f(t, 'o/sub/old2')
                f(t, 'top', b'top')
            with tarfile.open('\(dir)/two.tar.gz', 'w:gz', format=tarfile.PAX_FORMAT) as t:
                d(t, 'a'); f(t, 'a/.wh.gone', b'')
                d(t, 'o'); f(t, 'o/.wh..wh..opq', b''); f(t, 'o/new', b'new')
                f(t, '.wh..wh.plnk', b'')      # AUFS bookkeeping: ignored
            """)
    }

    @Test func whiteoutsAndOpaqueDirectoriesInTheMergedView() throws {
        let tmp = try LayerFixtures.TempDir("whiteout")
        defer { tmp.remove() }
        try Self.makeLayers(tmp.path)
        let one = try tmp.sub("l1"), two = try tmp.sub("l2"), merged = try tmp.sub("merged")
        _ = try LayerUnpacker().unpack(blob: tmp.path + "/one.tar.gz", into: one)
        let r2 = try LayerUnpacker().unpack(blob: tmp.path + "/two.tar.gz", into: two)
        #expect(r2.whiteouts == 1 && r2.opaqueDirectories == 1)

        // On disk: a character device 0/0 and the opaque xattr; no .wh.* names.
        let whiteout = LayerFixtures.lstatOf(two + "/a/gone")!
        #expect(whiteout.st_mode & S_IFMT == S_IFCHR && whiteout.st_rdev == 0)
        #expect(LayerFixtures.xattr(two + "/o", "trusted.overlay.opaque") == Array("y".utf8))
        #expect(LayerFixtures.lstatOf(two + "/a/.wh.gone") == nil)
        #expect(LayerFixtures.lstatOf(two + "/o/.wh..wh..opq") == nil)
        #expect(LayerFixtures.lstatOf(two + "/.wh..wh.plnk") == nil)

        try LayerFixtures.sh("mount -t overlay overlay -o 'lowerdir=\(two):\(one)' '\(merged)'")
        defer { _ = try? LayerFixtures.sh("umount '\(merged)'", check: false) }
        #expect(FileManager.default.fileExists(atPath: merged + "/a/keep"))
        #expect(!FileManager.default.fileExists(atPath: merged + "/a/gone"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: merged + "/o") == ["new"])
        #expect(try String(contentsOfFile: merged + "/top", encoding: .utf8) == "top")
        try LayerFixtures.sh("umount '\(merged)'")
    }

    @Test func packerTurnsOverlayWhiteoutsIntoOCIMarkers() throws {
        let tmp = try LayerFixtures.TempDir("whiteout-pack")
        defer { tmp.remove() }
        try Self.makeLayers(tmp.path)
        // An upper dir as overlayfs leaves it: a whiteout device and an opaque directory.
        let one = try tmp.sub("l1"), upper = try tmp.sub("upper"), work = try tmp.sub("work"),
            merged = try tmp.sub("merged")
        _ = try LayerUnpacker().unpack(blob: tmp.path + "/one.tar.gz", into: one)
        try LayerFixtures.sh(
            "mount -t overlay overlay -o 'lowerdir=\(one),upperdir=\(upper),workdir=\(work)' '\(merged)'")
        do {
            try LayerFixtures.sh("cd '\(merged)' && rm a/gone && rm -r o && mkdir o && echo new > o/new")
        } catch {
            _ = try? LayerFixtures.sh("umount '\(merged)'", check: false)
            throw error
        }
        try LayerFixtures.sh("umount '\(merged)'")
        #expect(LayerFixtures.lstatOf(upper + "/a/gone")!.st_mode & S_IFMT == S_IFCHR)
        #expect(LayerFixtures.xattr(upper + "/o", "trusted.overlay.opaque") == Array("y".utf8))

        let blob = tmp.path + "/diff.tar.gz"
        _ = try LayerPacker().pack(directory: upper, to: blob, convertOverlayWhiteouts: true)
        let listing = try LayerFixtures.sh("tar -tzf '\(blob)'").split(separator: "\n").map(String.init)
        #expect(listing.contains("a/.wh.gone"))
        #expect(listing.contains("o/.wh..wh..opq"))
        #expect(!listing.contains("a/gone"))
        let xattrs = try LayerFixtures.sh("tar --xattrs --xattrs-include='*' -tvvzf '\(blob)' 2>&1")
        #expect(!xattrs.contains("trusted.overlay"))

        // And back: unpacking the diff over the first layer gives the same merged view.
        let two = try tmp.sub("l2"), view = try tmp.sub("view")
        _ = try LayerUnpacker().unpack(blob: blob, into: two)
        try LayerFixtures.sh("mount -t overlay overlay -o 'lowerdir=\(two):\(one)' '\(view)'")
        defer { _ = try? LayerFixtures.sh("umount '\(view)'", check: false) }
        #expect(!FileManager.default.fileExists(atPath: view + "/a/gone"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: view + "/o") == ["new"])

        // Without conversion the device is packed as a device.
        let raw = tmp.path + "/raw.tar.gz"
        _ = try LayerPacker().pack(directory: upper, to: raw, convertOverlayWhiteouts: false)
        let rawListing = try LayerFixtures.sh("tar -tvzf '\(raw)' a/gone")
        #expect(rawListing.hasPrefix("c"))
    }
}
