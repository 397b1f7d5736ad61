import CSystem
import Foundation
import SkiffSystem
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the Layer*Tests suites: a temporary directory per test, shell commands, tree
/// snapshots to compare, hostile tars made with python3's tarfile.
enum LayerFixtures {
    /// A fresh directory under /tmp, removed by `remove()` (call it in a defer).
    struct TempDir {
        let path: String

        init(_ label: String = "layer") throws {
            var template = Array("/tmp/skiff-\(label)-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw Failure("mkdtemp failed: \(String(cString: strerror(errno)))")
            }
            path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        func sub(_ name: String, create: Bool = true) throws -> String {
            let p = path + "/" + name
            if create { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) }
            return p
        }

        func remove() {
            _ = try? LayerFixtures.sh("umount -q \(path)/* 2>/dev/null; rm -rf \(path)", check: false)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// Run `command` with /bin/sh; returns stdout. Throws on a non-zero exit when `check`.
    @discardableResult
    static func sh(_ command: String, check: Bool = true) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if check && p.terminationStatus != 0 {
            throw Failure("`\(command)` exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `sha256:<hex>` of a file, by the sha256sum CLI (an independent check of our hashing).
    static func sha256(ofFile path: String) throws -> String {
        "sha256:" + String(try sh("sha256sum '\(path)'").prefix(64))
    }

    /// Run a python3 program (tarfile is the usual reason).
    static func python(_ program: String) throws {
        let file = "/tmp/skiff-layer-py-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).py"
        try program.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        try sh("python3 \(file)")
    }

    static func xattr(_ path: String, _ name: String) -> [UInt8]? {
        let size = csys_lgetxattr(path, name, nil, 0)
        if size < 0 { return nil }
        var value = [UInt8](repeating: 0, count: size)
        let n = csys_lgetxattr(path, name, &value, size)
        return n < 0 ? nil : Array(value.prefix(n))
    }

    /// "name=hexvalue" for every xattr of `path` (not following a final symlink), sorted.
    static func xattrList(_ path: String) -> [String] {
        let size = csys_llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var names = [CChar](repeating: 0, count: size)
        let n = csys_llistxattr(path, &names, size)
        guard n > 0 else { return [] }
        let list = names.prefix(n).split(separator: 0).map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return list.map { name in
            let hex = (xattr(path, name) ?? []).map { String(format: "%02x", $0) }.joined()
            return "\(name)=\(hex)"
        }.sorted()
    }

    static func setXattr(_ path: String, _ name: String, _ value: [UInt8]) throws {
        if csys_lsetxattr(path, name, value, value.count, 0) != 0 {
            throw Failure("setxattr \(name) on \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func lstatOf(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    /// One line per entry under `root`, sorted: path, type, mode, owner, size, mtime (seconds), link
    /// target, content hash, xattrs (overlay's excluded unless `overlayXattrs`). Inode numbers are not
    /// in it; hard links are checked separately.
    static func snapshot(_ root: String, overlayXattrs: Bool = false) throws -> [String] {
        let out = try sh("cd '\(root)' && find . -mindepth 1 | LC_ALL=C sort")
        var lines: [String] = []
        for rel in out.split(separator: "\n") {
            let path = root + "/" + rel.dropFirst(2)
            guard let st = lstatOf(path) else { throw Failure("lstat \(path)") }
            var line = "\(rel) mode=\(String(st.st_mode, radix: 8)) uid=\(st.st_uid) gid=\(st.st_gid)"
            let type = st.st_mode & S_IFMT
            if type != S_IFDIR { line += " size=\(st.st_size)" }
            if type != S_IFLNK { line += " mtime=\(st.st_mtim.tv_sec)" }
            if type == S_IFLNK {
                line += " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
            }
            if type == S_IFREG && st.st_size > 0 {
                line += " " + (try sha256(ofFile: path))
            }
            if type == S_IFCHR || type == S_IFBLK { line += " rdev=\(st.st_rdev)" }
            for x in xattrList(path) where overlayXattrs || !x.hasPrefix("trusted.overlay.") {
                line += " [\(x)]"
            }
            lines.append(line)
        }
        return lines
    }

    /// Every entry of `root`, for "is it still empty" checks.
    static func contents(_ root: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root).sorted()
    }
}

@Suite struct LayerFixturesTests {
    @Test func snapshotSeesModesOwnersAndLinks() throws {
        let tmp = try LayerFixtures.TempDir("fixture")
        defer { tmp.remove() }
        let d = try tmp.sub("d")
        try LayerFixtures.sh("echo hi > \(d)/f && chown 7:8 \(d)/f && chmod 4750 \(d)/f && ln -s /x \(d)/l")
        let lines = try LayerFixtures.snapshot(d)
        #expect(lines.count == 2)
        #expect(lines[0].contains("./f mode=104750 uid=7 gid=8"))
        #expect(lines[1].contains("-> /x"))
    }
}
