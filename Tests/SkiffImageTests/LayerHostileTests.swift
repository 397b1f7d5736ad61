import Foundation
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// Hostile layers are refused with an error naming the entry, and nothing is written outside the target:
/// a sentinel directory beside the target (the place each attack aims at) stays as it was, and the target
/// is left empty.
@Suite struct LayerHostileTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        /// python tarfile statements using t (the TarFile), f(name, data), d(name), sym(name, target),
        /// hard(name, target), dev(name, type); SENTINEL is the absolute path of the sentinel directory.
        let body: String
        /// The entry the error must name.
        let entry: String
        let hostile: Bool
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "dot-dot escape", body: "f('../sentinel/pwned')", entry: "../sentinel/pwned", hostile: true),
        Case(
            name: "dot-dot in the middle", body: "d('a'); f('a/../../sentinel/pwned')", entry: "a/../../sentinel/pwned",
            hostile: true),
        Case(name: "absolute path", body: "f(SENTINEL + '/pwned')", entry: "<SENTINEL>/pwned", hostile: true),
        Case(
            name: "absolute /etc path", body: "f('/etc/skiff-layer-test-must-not-exist')",
            entry: "/etc/skiff-layer-test-must-not-exist", hostile: true),
        Case(
            name: "relative symlink dir, then a file through it", body: "sym('link', '../sentinel'); f('link/pwned')",
            entry: "link/pwned", hostile: true),
        Case(
            name: "absolute symlink dir, then a file through it", body: "sym('abs', SENTINEL); f('abs/pwned')",
            entry: "abs/pwned", hostile: true),
        Case(
            name: "symlink deeper in the path", body: "d('a'); sym('a/b', SENTINEL); d('a/b/c'); f('a/b/c/pwned')",
            entry: "a/b/c", hostile: true),
        Case(
            name: "symlink inside the layer, then a file through it", body: "d('real'); sym('s', 'real'); f('s/x')",
            entry: "s/x", hostile: true),
        Case(name: "hard link to /etc/passwd", body: "hard('passwd', '/etc/passwd')", entry: "passwd", hostile: true),
        Case(
            name: "hard link out with dot-dot", body: "hard('file', '../sentinel/file')", entry: "file", hostile: true),
        Case(
            name: "hard link through a symlink", body: "sym('s', SENTINEL); hard('file', 's/file')", entry: "file",
            hostile: true),
        Case(name: "hard link to a missing entry", body: "hard('file', 'not/there')", entry: "file", hostile: true),
        Case(name: "character device", body: "dev('null', tarfile.CHRTYPE)", entry: "null", hostile: true),
        Case(name: "block device", body: "dev('sda', tarfile.BLKTYPE)", entry: "sda", hostile: true),
        Case(name: "FIFO", body: "dev('fifo', tarfile.FIFOTYPE)", entry: "fifo", hostile: true),
        Case(name: "whiteout of dot-dot", body: "f('.wh...')", entry: ".wh...", hostile: true),
        Case(name: "file under a file", body: "f('plain'); f('plain/x')", entry: "plain/x", hostile: false),
        Case(
            name: "symlink replaced by a directory is not followed",
            body: "sym('x', SENTINEL); d('x'); f('x/ok'); sym('y', SENTINEL); f('y/pwned')", entry: "y/pwned",
            hostile: true),
    ]

    static func program(_ c: Case, blob: String, sentinel: String) -> String {
        """
        import tarfile, io
        SENTINEL = '\(sentinel)'
        t = tarfile.open('\(blob)', 'w:gz', format=tarfile.PAX_FORMAT)
        def f(name, data=b'pwned'):
            i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644; t.addfile(i, io.BytesIO(data))
        def d(name):
            i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
        def sym(name, target):
            i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
        def hard(name, target):
            i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)
        def dev(name, kind):
            i = tarfile.TarInfo(name); i.type = kind; i.devmajor = 1; i.devminor = 3; i.mode = 0o666; t.addfile(i)
        f('innocent-first', b'written before the hostile entry')
        \(c.body)
        t.close()
        """
    }

    @Test(arguments: cases)
    func hostileLayerIsRefused(_ c: Case) throws {
        let tmp = try LayerFixtures.TempDir("hostile")
        defer { tmp.remove() }
        let sentinel = try tmp.sub("sentinel"), target = try tmp.sub("target")
        try LayerFixtures.sh(
            "echo original > '\(sentinel)/file' && echo original > '\(sentinel)/pwned' && rm '\(sentinel)/pwned'")
        // The target's own mtime changes (the innocent first entry is written, then removed).
        func outside() throws -> [String] { try LayerFixtures.snapshot(tmp.path).filter { !$0.hasPrefix("./target ") } }
        let before = try outside()
        let blob = tmp.path + "/hostile.tar.gz"
        try LayerFixtures.python(Self.program(c, blob: blob, sentinel: sentinel))
        let beforeWithBlob = try outside()

        do throws(LayerError) {
            _ = try LayerUnpacker().unpack(blob: blob, into: target, layerName: "sha256:hostile")
            Issue.record("\(c.name): the layer was accepted")
        } catch {
            let entry = c.entry.replacingOccurrences(of: "<SENTINEL>", with: sentinel)
            #expect(error.entry.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } == entry, "\(error)")
            #expect(error.description.contains(entry))
            #expect(error.description.hasPrefix("layer sha256:hostile: entry "))
            #expect(error.isHostile == c.hostile, "\(error)")
        }
        // Nothing outside changed (only the blob was added), nothing left inside.
        #expect(try LayerFixtures.contents(target).isEmpty)
        let after = try outside()
        #expect(after == beforeWithBlob)
        #expect(before.count + 1 == after.count)
        #expect(try String(contentsOfFile: sentinel + "/file", encoding: .utf8) == "original\n")
        #expect(!FileManager.default.fileExists(atPath: "/etc/skiff-layer-test-must-not-exist"))
    }

    @Test func absoluteSymlinkContentsAreFineButNeverFollowed() throws {
        let tmp = try LayerFixtures.TempDir("abs-symlink")
        defer { tmp.remove() }
        let target = try tmp.sub("target")
        let blob = tmp.path + "/l.tar.gz"
        try LayerFixtures.python(
            """
            import tarfile, io
            t = tarfile.open('\(blob)', 'w:gz', format=tarfile.PAX_FORMAT)
            def sym(name, target):
                i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
            i = tarfile.TarInfo('bin'); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
            sym('bin/sh', '/bin/busybox')
            sym('etc', '/etc')                       # points at the host's /etc if followed
            sym('passwd', '/etc/passwd')
            i = tarfile.TarInfo('passwd'); i.size = 3; t.addfile(i, io.BytesIO(b'new'))   # replaces the link
            i = tarfile.TarInfo('hl'); i.type = tarfile.LNKTYPE; i.linkname = 'etc'; t.addfile(i)  # links the link
            t.close()
            """)
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let result = try LayerUnpacker().unpack(blob: blob, into: target)
        #expect(result.symlinks == 3 && result.hardlinks == 1)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/bin/sh") == "/bin/busybox")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/hl") == "/etc")
        #expect(try String(contentsOfFile: target + "/passwd", encoding: .utf8) == "new")
        #expect(try String(contentsOfFile: "/etc/passwd", encoding: .utf8) == passwd)
    }

    @Test func devicesWithAllowDevices() throws {
        let tmp = try LayerFixtures.TempDir("devices")
        defer { tmp.remove() }
        let target = try tmp.sub("target")
        let blob = tmp.path + "/l.tar.gz"
        try LayerFixtures.python(
            Self.program(Self.cases.first { $0.name == "character device" }!, blob: blob, sentinel: "/nonexistent"))
        let result = try LayerUnpacker(allowDevices: true).unpack(blob: blob, into: target)
        #expect(result.devices == 1)
        let st = LayerFixtures.lstatOf(target + "/null")!
        #expect(st.st_mode == S_IFCHR | 0o666 && st.st_rdev == LinuxCalls.makedev(1, 3))
    }
}
