import Foundation
import SkiffSystem
import SkiffTestSupport
import Testing

/// `--explain` driven through the CLI on the real kernel: runs that differ in one option tell a story
/// that differs in that option's concept, and `--explain-html` writes a page Chromium renders.
@Suite("skiff --explain", .serialized)
struct ExplainCLITests {
    /// The narration's items per concept ("-- title --" sections, "  * " items), with what differs between
    /// two identical runs (container ids, pids) blanked, and without the steps on the cgroup parent all
    /// containers share (`…/skiff`, made by whichever start finds it missing: another test's, run in parallel).
    static func sections(_ stderr: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var current: String?
        for line in stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("-- ") && line.hasSuffix(" --") { current = line; out[line] = out[line] ?? []; continue }
            if line.hasPrefix("  * "), let c = current, !line.hasSuffix("/skiff") {
                out[c, default: []].append(normalize(line))
            }
        }
        return out
    }

    static func normalize(_ line: String) -> String {
        var s = line.replacingOccurrences(of: "[0-9a-f]{12,64}", with: "ID", options: .regularExpression)
        s = s.replacingOccurrences(of: "pid [0-9]+", with: "pid N", options: .regularExpression)
        return s
    }

    static func changed(_ a: [String: [String]], _ b: [String: [String]]) -> Set<String> {
        Set(
            Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.map {
                $0.replacingOccurrences(of: "-- ", with: "").components(separatedBy: ":").first ?? $0
            })
    }

    @Test(
        "runs differing in one option differ in exactly that step's concept",
        arguments: [
            (["--read-only"], "The filesystem", "remounted / read-only"),
            (["-m", "64m"], "Limits", "(64 MiB)"),
            (["--cap-drop", "ALL"], "Privileges", "kept 0 capabilities: none"),
            (["--user", "1000:1000"], "Privileges", "process runs as uid 1000, gid 1000"),
        ])
    func oneOption(option: [String], concept: String, line: String) throws {
        let root = try CLIRoot(prefix: "skiff-explain-test-")
        defer { root.cleanUp() }
        let base = root.skiff(["run", "--explain", "--rm", "--network", "none", "busybox", "true"])
        #expect(base.status == 0, "\(base.err)")
        let variant = root.skiff(["run", "--explain", "--rm", "--network", "none"] + option + ["busybox", "true"])
        #expect(variant.status == 0, "\(variant.err)")
        #expect(variant.err.contains(line), "\(option) is not told: \(variant.err)")
        #expect(!base.err.contains(line))
        #expect(Self.changed(Self.sections(base.err), Self.sections(variant.err)) == [concept], "\(option)")
        // Every line comes from an event: a step the kernel was asked for names its manual and source file.
        #expect(base.err.contains("man pivot_root(2)") && base.err.contains("Sources/CSkiff/child_rootfs.c"))
        #expect(base.err.contains("execve(/bin/true") || base.err.contains("execve(true"))
        #expect(base.err.contains("exited with code 0: success"))
    }

    @Test(
        "a published port is told as veth, bridge, address, rules and the packet's path; the page is self-contained and renders"
    )
    func publishedPortAndPage() throws {
        let root = try CLIRoot(prefix: "skiff-explain-test-")
        defer { root.cleanUp() }
        let port = Int(FreePort.next())
        let page = root.path + "/run.html"
        let r = root.skiff([
            "run", "--explain", "--explain-html", page, "--rm", "-p", "127.0.0.1:\(port):80", "busybox", "true",
        ])
        #expect(r.status == 0, "\(r.err)")
        for expected in [
            "veth pair eth0", "plugged into", "got address", "rules in", "published 127.0.0.1:\(port)/tcp → ",
            "network namespace made and kept at", "joined the network namespace", "man veth(4)",
            "Sources/SkiffKit/Network/Networking.swift",
        ] {
            #expect(r.err.contains(expected), "missing \"\(expected)\"")
        }
        let html = try String(contentsOfFile: page, encoding: .utf8)
        try ExplainPageCheck.selfContained(html)
        #expect(
            html.components(separatedBy: "<svg").count - 1 == 4,
            "the four pictures: layers, namespaces, cgroups, packet path")
        try ExplainPageCheck.renders(page, scratch: root.path)
    }

    @Test("--explain-html to a missing directory fails before anything runs, and leaves nothing")
    func badPagePath() throws {
        let root = try CLIRoot(prefix: "skiff-explain-test-")
        defer { root.cleanUp() }
        let r = root.skiff(["run", "--explain-html", root.path + "/no/such/dir/page.html", "--rm", "busybox", "true"])
        #expect(r.status != 0)
        #expect(r.err.contains("--explain-html") && r.err.contains("does not exist"), "\(r.err)")
        #expect(root.engine.containers.all().isEmpty)
    }

    @Test("build --explain: each step is a chapter; a changed file is named as the cache miss's reason")
    func buildMissReason() throws {
        let root = try CLIRoot(prefix: "skiff-explain-test-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try FileIO.makeDirectories(context, mode: 0o755)
        try FileIO.create(
            context + "/Dockerfile", contents: Array("FROM busybox\nCOPY a.txt b.txt /app/\nRUN cat /app/a.txt\n".utf8))
        try FileIO.create(context + "/a.txt", contents: Array("one\n".utf8))
        try FileIO.create(context + "/b.txt", contents: Array("bee\n".utf8))
        let first = root.skiff(["build", "--explain", "-t", "explain-test", context], timeout: 120)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.err.contains("## Step 2/3: COPY a.txt b.txt /app/"))
        #expect(first.err.contains("execve(/bin/sh"), "the RUN step's container is told")
        try FileIO.writeAtomically(context + "/a.txt", contents: Array("two\n".utf8))
        let second = root.skiff(["build", "--explain", "-t", "explain-test", context], timeout: 120)
        #expect(second.status == 0, "\(second.err)")
        #expect(second.err.contains("Cache miss: the files it copies changed: a.txt."), "\(second.err)")
        #expect(!second.err.contains("changed: a.txt, b.txt"))
        let third = root.skiff(["build", "--explain", "-t", "explain-test", context], timeout: 120)
        #expect(third.err.components(separatedBy: "cached: reused image").count - 1 == 2, "COPY and RUN cached")
        _ = root.skiff("rmi", "explain-test")
    }
}

/// Checks of an `--explain-html` page: nothing external, and what headless Chromium makes of it.
enum ExplainPageCheck {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func selfContained(_ html: String) throws {
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let lower = html.lowercased()
        for banned in [
            "http://", "https://", "src=", "<script", "<link", "@import", "href=", "<img", "<iframe", "<object",
            "<embed",
        ] {
            #expect(!lower.contains(banned), "the page refers to something outside itself: \(banned)")
        }
        let urls = lower.components(separatedBy: "url(").dropFirst().map { $0.prefix(1) }
        #expect(urls.allSatisfy { $0 == "#" }, "only in-page url(#…) references")
        // Balanced elements: every opened section, list, figure and svg is closed.
        for tag in [
            "section", "ol", "li", "figure", "figcaption", "svg", "h1", "h2", "h3", "style", "body", "html", "div",
            "code",
        ] {
            let opened = html.matches(of: try! Regex("<\(tag)[ >]")).count
            #expect(opened > 0 || ["h2", "section"].contains(tag), "no <\(tag)>")
            #expect(opened == html.components(separatedBy: "</\(tag)>").count - 1, "<\(tag)> unbalanced")
        }
    }

    /// Screenshot in headless Chromium: a PNG with more than one colour, and no console message. The
    /// profile lives in `scratch` and is removed; no Chromium process outlives the call.
    static func renders(_ page: String, scratch: String) throws {
        let candidates: [String] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        let chromium = candidates.first { access($0, X_OK) == 0 }
        guard let chromium else { throw Failure(description: "chromium is missing: Scripts/setup --test installs it") }
        let dir = try FileIO.makeTemporaryDirectory(in: scratch, prefix: "chromium-")
        defer { FileIO.removeTree(dir) }
        let shot = dir + "/shot.png"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir)/profile", "--screenshot=\(shot)",
            "--window-size=1200,2000", "--enable-logging=stderr", "--v=0", "file://" + page,
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "chromium: \(log)")
        #expect(!log.contains("Uncaught") && !log.contains(":CONSOLE("), "console messages: \(log)")
        #expect(HostLeftovers.processesMentioning(dir).isEmpty, "chromium processes left")
        let colours = try distinctColours(shot)
        #expect(colours > 3, "the screenshot is blank (\(colours) colours)")
    }

    /// How many distinct pixel values a PNG has (python3's zlib decodes it: no image library needed here).
    static func distinctColours(_ png: String) throws -> Int {
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, idat, w, h, ct = 8, b'', 0, 0, 0
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
                if kind == b'IHDR': w, h, depth, ct = struct.unpack('>IIBB', body[:10])
                elif kind == b'IDAT': idat += body
            bpp = {2: 3, 6: 4}[ct]; raw = zlib.decompress(idat); stride = w * bpp
            prev = bytearray(stride); seen = set(); i = 0
            for y in range(h):
                f = raw[i]; row = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
                for x in range(stride):
                    a = row[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                    if f == 1: row[x] = (row[x] + a) & 255
                    elif f == 2: row[x] = (row[x] + b) & 255
                    elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                if y % 8 == 0:
                    for x in range(0, stride, bpp * 4): seen.add(bytes(row[x:x + 3]))
                prev = row
            print(len(seen))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, png]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "cannot read the screenshot \(png)")
        }
        return n
    }
}
