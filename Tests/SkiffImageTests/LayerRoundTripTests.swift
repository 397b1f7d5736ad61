import Foundation
import SkiffSystem
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// pack → unpack keeps what a layer must keep; the packer's output is deterministic and readable by GNU tar.
@Suite struct LayerRoundTripTests {
    /// A tree with the things layers carry: modes with setuid/sticky, owners, symlinks (absolute, relative,
    /// dangling), hard links, xattrs (user.* and security.capability), fixed mtimes, empty and large files,
    /// a UTF-8 name, and a FIFO.
    static func makeTree(_ root: String) throws {
        try LayerFixtures.sh(
            """
            set -e
            cd '\(root)'
            mkdir -p usr/bin etc/ssl tmp 'dir with space' deep/a/b/c/d
            printf 'busybox' > usr/bin/busybox
            ln -s /usr/bin/busybox usr/bin/sh
            ln -s ../usr/bin/busybox etc/relative
            ln -s /nowhere/at/all etc/dangling
            printf 'root:x:0:0::/root:/bin/sh\\n' > etc/passwd
            ln etc/passwd etc/passwd-hardlink
            ln etc/passwd 'dir with space/third link'
            : > etc/empty
            head -c 3000000 /dev/urandom > usr/large.bin
            printf 'ü' > 'etc/café'
            printf 'x' > deep/a/b/c/d/leaf
            printf 'suid' > usr/bin/su
            chown 0:0 usr/bin/su && chmod 4755 usr/bin/su
            printf 'secret' > etc/ssl/key
            chown 1000:1001 etc/ssl/key && chmod 0600 etc/ssl/key
            chown 33:34 etc/ssl && chmod 0750 etc/ssl
            chmod 1777 tmp
            mkfifo tmp/fifo
            chown -h 5:6 usr/bin/sh
            """)
        try LayerFixtures.setXattr(root + "/etc/passwd", "user.skiff.test", Array("hello".utf8))
        try LayerFixtures.setXattr(root + "/etc/ssl", "user.dir", Array("d".utf8))
        // security.capability v2: cap_net_bind_service (bit 10) permitted + effective.
        let cap: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        try LayerFixtures.setXattr(root + "/usr/bin/busybox", "security.capability", cap)
        // Fixed mtimes, directories last (creating entries changes a directory's mtime).
        try LayerFixtures.sh(
            "cd '\(root)' && find . -mindepth 1 ! -type d -exec touch -h -d '2021-03-04 05:06:07' {} + && find . -mindepth 1 -type d -exec touch -d '2020-01-02 03:04:05' {} +"
        )
    }

    @Test func packThenUnpackKeepsEverything() throws {
        let tmp = try LayerFixtures.TempDir("roundtrip")
        defer { tmp.remove() }
        let src = try tmp.sub("src"), dst = try tmp.sub("dst")
        try Self.makeTree(src)
        let blob = tmp.path + "/layer.tar.gz"
        let packed = try LayerPacker().pack(directory: src, to: blob, convertOverlayWhiteouts: true)
        #expect(packed.digest == (try LayerFixtures.sha256(ofFile: blob)))
        #expect(packed.size == Int64(LayerFixtures.lstatOf(blob)!.st_size))
        #expect(try LayerFixtures.sh("gzip -dc '\(blob)' | sha256sum").hasPrefix(String(packed.diffID.dropFirst(7))))

        let result = try LayerUnpacker(allowDevices: true).unpack(blob: blob, into: dst)
        #expect(result.diffID == packed.diffID)
        #expect(result.compression == "gzip")
        #expect(result.uncompressedBytes == packed.uncompressedSize)
        #expect(result.compressedBytes == packed.size)
        #expect(result.hardlinks == 2)
        #expect(result.devices == 1)

        let before = try LayerFixtures.snapshot(src)
        let after = try LayerFixtures.snapshot(dst)
        #expect(before == after)
        #expect(after.contains { $0.contains("usr/bin/busybox") && $0.contains("[security.capability=01000002") })
        #expect(after.contains { $0.hasPrefix("./usr/bin/su mode=104755") })
        #expect(after.contains { $0.hasPrefix("./tmp mode=41777") })
        #expect(after.contains { $0.hasPrefix("./etc/ssl/key mode=100600 uid=1000 gid=1001") })
        #expect(
            after.contains {
                $0.hasPrefix("./usr/bin/sh mode=120777 uid=5 gid=6") && $0.hasSuffix("-> /usr/bin/busybox")
            })

        // Hard links come out as one inode.
        let a = LayerFixtures.lstatOf(dst + "/etc/passwd")!, b = LayerFixtures.lstatOf(dst + "/etc/passwd-hardlink")!
        let c = LayerFixtures.lstatOf(dst + "/dir with space/third link")!
        #expect(a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_nlink == 3)
    }

    @Test func packingIsDeterministicAndReadableByGNUTar() throws {
        let tmp = try LayerFixtures.TempDir("determinism")
        defer { tmp.remove() }
        let src = try tmp.sub("src")
        try Self.makeTree(src)
        let one = try LayerPacker().pack(directory: src, to: tmp.path + "/one.tar.gz")
        sleep(1)  // a gzip header timestamp or an atime would differ now
        try LayerFixtures.sh("cat '\(src)/etc/passwd' > /dev/null")
        let two = try LayerPacker().pack(directory: src, to: tmp.path + "/two.tar.gz")
        #expect(one == two)

        // Sorted, a directory before its contents, numeric owners only.
        let listing = try LayerFixtures.sh("tar -tzf '\(tmp.path)/one.tar.gz'").split(separator: "\n").map(String.init)
        #expect(listing.first == "deep/")
        #expect(listing.firstIndex(of: "etc/") ?? 99 < listing.firstIndex(of: "etc/passwd") ?? 0)
        #expect(listing.contains("usr/bin/busybox"))
        let verbose = try LayerFixtures.sh("tar -tvzf '\(tmp.path)/one.tar.gz' --numeric-owner etc/ssl/key")
        #expect(verbose.contains("1000/1001"))

        // Clamping mtimes.
        let clamped = try LayerPacker(options: .init(clampMtime: 1_000_000_000)).pack(
            directory: src, to: tmp.path + "/c.tar.gz")
        #expect(clamped.digest != one.digest)
        let dst = try tmp.sub("dst")
        _ = try LayerUnpacker(allowDevices: true).unpack(blob: tmp.path + "/c.tar.gz", into: dst)
        #expect(LayerFixtures.lstatOf(dst + "/etc/passwd")!.st_mtim.tv_sec == 1_000_000_000)
    }

    @Test func entriesWithoutParentsAndRepeatedEntries() throws {
        let tmp = try LayerFixtures.TempDir("parents")
        defer { tmp.remove() }
        let blob = tmp.path + "/l.tar"
        try LayerFixtures.python(
            """
            import tarfile, io
            with tarfile.open('\(blob)', 'w', format=tarfile.PAX_FORMAT) as t:
                def f(name, data=b'x', mode=0o644):
                    i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode; t.addfile(i, io.BytesIO(data))
                f('./a/b/c/file')                 # no entries for a, a/b, a/b/c
                f('a/b/c/file', b'second')        # a later entry replaces an earlier one
                i = tarfile.TarInfo('a/b'); i.type = tarfile.DIRTYPE; i.mode = 0o711; i.mtime = 12345; t.addfile(i)
                i = tarfile.TarInfo('x'); i.type = tarfile.SYMTYPE; i.linkname = 'a'; t.addfile(i)
                f('x', b'file now')               # a file replaces the symlink, not followed
            """)
        let dst = try tmp.sub("dst")
        let result = try LayerUnpacker().unpack(blob: blob, into: dst)
        #expect(result.compression == "none")
        #expect(try String(contentsOfFile: dst + "/a/b/c/file", encoding: .utf8) == "second")
        let ab = LayerFixtures.lstatOf(dst + "/a/b")!
        #expect(ab.st_mode & 0o7777 == 0o711 && ab.st_mtim.tv_sec == 12345)
        #expect(LayerFixtures.lstatOf(dst + "/x")!.st_mode & S_IFMT == S_IFREG)
        #expect(try String(contentsOfFile: dst + "/x", encoding: .utf8) == "file now")
    }
}
