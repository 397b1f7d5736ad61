import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// `skiff cp` as Docker's (issue 14): -a, -L, -q and the progress summary, the tar streams on
/// standard output and input, the events, and tars on standard input that try to write outside the
/// container's root. Each test drives the built CLI with its own SKIFF_ROOT.
@Suite(
    "skiff cp (-a, -L, -q, tar streams)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct CopyCLITests {
    /// `skiff ARGS` through sh, for redirections of standard input and output.
    static func shell(_ root: CLIRoot, _ script: String) -> SpawnedCLI.Result {
        SpawnedCLI.run(
            ["/bin/sh", "-c", script, Engine.skiffPath], environment: ["SKIFF_ROOT": root.path], scratch: root.path)
    }

    /// A tar made by Python's tarfile from `entries`: (name, kind, data or link target, uid).
    static func makeTar(_ path: String, _ entries: [(String, String, String, Int)]) throws {
        let script = """
            import json, sys, tarfile, io
            with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
                for name, kind, data, uid in json.loads(sys.argv[2]):
                    i = tarfile.TarInfo(name); i.uid = uid; i.gid = uid; i.mtime = 1000000000
                    if kind == "dir": i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
                    elif kind == "sym": i.type = tarfile.SYMTYPE; i.linkname = data; t.addfile(i)
                    elif kind == "hard": i.type = tarfile.LNKTYPE; i.linkname = data; t.addfile(i)
                    elif kind == "fifo": i.type = tarfile.FIFOTYPE; i.mode = 0o604; t.addfile(i)
                    else: b = data.encode(); i.size = len(b); i.mode = 0o640; t.addfile(i, io.BytesIO(b))
            """
        let json = "[" + entries.map { "[\"\($0.0)\",\"\($0.1)\",\"\($0.2)\",\($0.3)]" }.joined(separator: ",") + "]"
        let r = SpawnedCLI.run(["/usr/bin/python3", "-c", script, path, json], scratch: "/tmp")
        #expect(r.status == 0, "\(r.err)")
    }

    /// The names (and uid:gid) in a tar, listed by Python's tarfile.
    static func listTar(_ path: String) -> [String] {
        let script = """
            import sys, tarfile
            for m in tarfile.open(sys.argv[1]): print("%s %d:%d %s" % (m.name, m.uid, m.gid, m.linkname or "-"))
            """
        return SpawnedCLI.run(["/usr/bin/python3", "-c", script, path], scratch: "/tmp").out
            .split(separator: "\n").map(String.init)
    }

    static func owner(_ path: String) -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { return "missing" }
        return "\(st.st_uid):\(st.st_gid)"
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }

    @Test func archiveKeepsTheSourceOwnersBothWays() throws {
        let root = try CLIRoot(prefix: "skiff-cp-archive-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        let host = root.path + "/host"
        try FileManager.default.createDirectory(atPath: host + "/tree", withIntermediateDirectories: true)
        try "owned\n".write(toFile: host + "/tree/f", atomically: true, encoding: .utf8)
        #expect(chown(host + "/tree/f", 1234, 5678) == 0 && chown(host + "/tree", 1234, 5678) == 0)

        #expect(root.skiff("cp", host + "/tree", "box:/tmp/plain").status == 0)
        #expect(root.skiff("cp", "-a", host + "/tree", "box:/tmp/kept").status == 0)
        #expect(root.skiff("cp", "--archive", host + "/tree/f", "box:/tmp/long").status == 0)
        let owners = root.skiff(
            "exec", "box", "stat", "-c", "%n %u:%g", "/tmp/plain/f", "/tmp/kept", "/tmp/kept/f", "/tmp/long"
        ).out
        #expect(owners == "/tmp/plain/f 0:0\n/tmp/kept 1234:5678\n/tmp/kept/f 1234:5678\n/tmp/long 1234:5678\n")
        #expect(root.skiff("exec", "box", "cat", "/tmp/kept/f").out == "owned\n")

        #expect(root.skiff("exec", "box", "sh", "-c", "echo out > /tmp/o; chown 4321:8765 /tmp/o").status == 0)
        #expect(root.skiff("cp", "box:/tmp/o", host + "/o-plain").status == 0)
        #expect(root.skiff("cp", "-a", "box:/tmp/o", host + "/o-kept").status == 0)
        #expect(Self.owner(host + "/o-plain") == "0:0")
        #expect(Self.owner(host + "/o-kept") == "4321:8765")

        // As Docker: a destination ending in / must be an existing directory, on either side.
        let out = root.skiff("cp", "box:/tmp/o", host + "/nodir/")
        #expect(out.status != 0 && out.err.contains("no such directory"), "\(out.err)")
        #expect(!FileManager.default.fileExists(atPath: host + "/nodir"))
        let into = root.skiff("cp", host + "/tree/f", "box:/tmp/nodir/")
        #expect(into.status != 0 && into.err.contains("no such directory"), "\(into.err)")
        #expect(root.skiff("exec", "box", "test", "-e", "/tmp/nodir").status != 0)
    }

    @Test func followLinkCopiesTheTargetUnderTheLinkName() throws {
        let root = try CLIRoot(prefix: "skiff-cp-follow-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        #expect(
            root.skiff(
                "exec", "box", "sh", "-c",
                "mkdir /tmp/d; echo target > /tmp/d/real; ln -s d/real /tmp/link; ln -s /tmp/link /tmp/chain; "
                    + "ln -s /tmp/d /tmp/dirlink"
            ).status == 0)
        let host = root.path + "/host"
        try FileManager.default.createDirectory(atPath: host + "/plain", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: host + "/followed", withIntermediateDirectories: true)
        #expect(root.skiff("cp", "box:/tmp/link", host + "/plain/").status == 0)
        #expect(Self.isSymlink(host + "/plain/link"), "without -L the symlink itself is copied")
        #expect(root.skiff("cp", "-L", "box:/tmp/chain", host + "/followed/").status == 0)
        #expect(!Self.isSymlink(host + "/followed/chain"))
        #expect((try? String(contentsOfFile: host + "/followed/chain", encoding: .utf8)) == "target\n")
        #expect(root.skiff("cp", "--follow-link", "box:/tmp/dirlink", host + "/followed/").status == 0)
        #expect((try? String(contentsOfFile: host + "/followed/dirlink/real", encoding: .utf8)) == "target\n")

        // Host to container: the host's symlink followed, the copy named as the link.
        try "host target\n".write(toFile: host + "/real.txt", atomically: true, encoding: .utf8)
        #expect(symlink(host + "/real.txt", host + "/hostlink") == 0)
        #expect(root.skiff("cp", host + "/hostlink", "box:/tmp/").status == 0)
        #expect(root.skiff("exec", "box", "test", "-L", "/tmp/hostlink").status == 0)
        #expect(root.skiff("cp", "-L", host + "/hostlink", "box:/tmp/d/").status == 0)
        #expect(root.skiff("exec", "box", "test", "-L", "/tmp/d/hostlink").status != 0)
        #expect(root.skiff("exec", "box", "cat", "/tmp/d/hostlink").out == "host target\n")
    }

    @Test func tarStreamsToStdoutAndFromStdinWithEvents() throws {
        let root = try CLIRoot(prefix: "skiff-cp-stream-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        #expect(
            root.skiff(
                "exec", "box", "sh", "-c",
                "mkdir -p /tmp/d/sub /tmp/in /tmp/in-a; echo hello > /tmp/d/sub/f; chown 7:8 /tmp/d/sub/f; "
                    + "ln -s sub/f /tmp/d/l; touch /tmp/file"
            ).status == 0)
        let tar = root.path + "/d.tar"
        let out = Self.shell(root, "exec \"$0\" cp box:/tmp/d - > \(tar)")
        #expect(out.status == 0, "\(out.err)")
        #expect(out.err.isEmpty, "no summary for a stream: \(out.err)")
        #expect(Self.listTar(tar).sorted() == ["d 0:0 -", "d/l 0:0 sub/f", "d/sub 0:0 -", "d/sub/f 7:8 -"])
        // -L: the target, named as the link; DIR/. : the directory's contents.
        let linked = root.path + "/l.tar"
        #expect(Self.shell(root, "exec \"$0\" cp -L box:/tmp/d/l - > \(linked)").status == 0)
        #expect(Self.listTar(linked) == ["l 7:8 -"])
        let contents = root.path + "/c.tar"
        #expect(Self.shell(root, "exec \"$0\" cp box:/tmp/d/. - > \(contents)").status == 0)
        #expect(Self.listTar(contents).contains("./sub/f 7:8 -"), "\(Self.listTar(contents))")

        // Into an existing directory: owners root's, or the archive's with -a.
        let put = Self.shell(root, "exec \"$0\" cp - box:/tmp/in < \(tar)")
        #expect(put.status == 0, "\(put.err)")
        #expect(root.skiff("exec", "box", "cat", "/tmp/in/d/sub/f").out == "hello\n")
        #expect(root.skiff("exec", "box", "readlink", "/tmp/in/d/l").out == "sub/f\n")
        #expect(root.skiff("exec", "box", "stat", "-c", "%u:%g", "/tmp/in/d/sub/f").out == "0:0\n")
        #expect(Self.shell(root, "exec \"$0\" cp -a - box:/tmp/in-a < \(tar)").status == 0)
        #expect(root.skiff("exec", "box", "stat", "-c", "%u:%g", "/tmp/in-a/d/sub/f").out == "7:8\n")

        // FIFOs and hard links, modes kept.
        let special = root.path + "/special.tar"
        try Self.makeTar(special, [("pipe", "fifo", "", 0), ("data", "file", "abc", 0), ("again", "hard", "data", 0)])
        #expect(Self.shell(root, "exec \"$0\" cp - box:/tmp/in < \(special)").status == 0)
        #expect(
            root.skiff("exec", "box", "stat", "-c", "%F %a %h", "/tmp/in/pipe", "/tmp/in/again").out
                == "fifo 604 1\nregular file 640 2\n")

        // DIR must exist and be a directory, as Docker requires.
        let missing = Self.shell(root, "exec \"$0\" cp - box:/tmp/nowhere < \(tar)")
        #expect(missing.status != 0 && missing.err.contains("must be a directory"), "\(missing.err)")
        let file = Self.shell(root, "exec \"$0\" cp - box:/tmp/file < \(tar)")
        #expect(file.status != 0 && file.err.contains("must be a directory"), "\(file.err)")

        // A stopped container too.
        #expect(root.skiff("stop", "-t", "0", "box").status == 0)
        let stopped = root.path + "/stopped.tar"
        #expect(Self.shell(root, "exec \"$0\" cp box:/tmp/in/d/sub/f - > \(stopped)").status == 0)
        #expect(Self.listTar(stopped) == ["f 0:0 -"])

        let events = root.skiff(
            "events", "--since", "1h", "--until", "0s", "--filter", "type=container", "--format", "{{.Action}}"
        ).out.split(separator: "\n").map(String.init)
        #expect(events.filter { $0 == "archive-path" }.count == 4, "\(events)")
        #expect(events.filter { $0 == "extract-to-dir" }.count == 3, "\(events)")
    }

    @Test func tarOnStdinCannotWriteOutsideTheContainerRoot() throws {
        let root = try CLIRoot(prefix: "skiff-cp-attack-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        #expect(root.skiff("exec", "box", "mkdir", "-p", "/tmp/in/deep").status == 0)
        let marker = "skiff-cp-escape-\(UUID().uuidString)"
        defer { unlink("/" + marker); unlink("/tmp/" + marker) }

        // `..` entries: refused, nothing written above DIR, in the container or on the host.
        let dotdot = root.path + "/dotdot.tar"
        try Self.makeTar(dotdot, [("../../../../../../../../tmp/\(marker)", "file", "pwned", 0)])
        let r1 = Self.shell(root, "exec \"$0\" cp - box:/tmp/in/deep < \(dotdot)")
        #expect(r1.status != 0 && r1.err.contains("outside"), "\(r1.err)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + marker), "written on the host")
        #expect(root.skiff("exec", "box", "test", "-e", "/tmp/" + marker).status != 0)

        // An absolute symlink, then a file through it: followed inside the container's root only.
        let absolute = root.path + "/absolute.tar"
        try Self.makeTar(absolute, [("up", "sym", "/", 0), ("up/\(marker)", "file", "inside", 0)])
        let r2 = Self.shell(root, "exec \"$0\" cp - box:/tmp/in < \(absolute)")
        #expect(r2.status == 0, "\(r2.err)")
        #expect(!FileManager.default.fileExists(atPath: "/" + marker), "written through the symlink on the host")
        #expect(root.skiff("exec", "box", "cat", "/" + marker).out == "inside")

        // A relative symlink leading above DIR, and a hard link to a file outside it: refused.
        let relative = root.path + "/relative.tar"
        try Self.makeTar(relative, [("rel", "sym", "../../../../../../..", 0), ("rel/\(marker)", "file", "x", 0)])
        let r3 = Self.shell(root, "exec \"$0\" cp - box:/tmp/in/deep < \(relative)")
        #expect(r3.status != 0 && r3.err.contains("outside"), "\(r3.err)")
        #expect(root.skiff("exec", "box", "test", "-e", "/tmp/in/deep/rel").status != 0)
        let hard = root.path + "/hard.tar"
        try Self.makeTar(hard, [("passwd", "hard", "../../../etc/passwd", 0)])
        let r4 = Self.shell(root, "exec \"$0\" cp - box:/tmp/in/deep < \(hard)")
        #expect(r4.status != 0 && r4.err.contains("outside"), "\(r4.err)")
        #expect(root.skiff("exec", "box", "test", "-e", "/tmp/in/deep/passwd").status != 0)

        // A directory is not replaced by a file (Docker's NoOverwriteDirNonDir).
        let over = root.path + "/over.tar"
        try Self.makeTar(over, [("deep", "file", "flat", 0)])
        let r5 = Self.shell(root, "exec \"$0\" cp - box:/tmp/in < \(over)")
        #expect(r5.status != 0 && r5.err.contains("cannot overwrite directory"), "\(r5.err)")
        #expect(root.skiff("exec", "box", "test", "-d", "/tmp/in/deep").status == 0)
    }

    /// Docker prints "Successfully copied SIZE to DEST" on stderr when standard output is a terminal;
    /// -q (or no terminal) keeps it quiet.
    @Test func quietSuppressesTheSummary() throws {
        let root = try CLIRoot(prefix: "skiff-cp-quiet-")
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "box", "busybox", "sleep", "1000").status == 0)
        let host = root.path + "/in.txt"
        try "12345".write(toFile: host, atomically: true, encoding: .utf8)
        let noTerminal = root.skiff("cp", host, "box:/tmp/")
        #expect(noTerminal.status == 0 && noTerminal.err.isEmpty, "\(noTerminal.err)")

        func onTerminal(_ args: [String]) -> String {
            let script = """
                import os, pty, sys
                pid, fd = pty.fork()
                if pid == 0: os.execv(sys.argv[1], sys.argv[1:])
                out = b""
                while True:
                    try: chunk = os.read(fd, 4096)
                    except OSError: break
                    if not chunk: break
                    out += chunk
                _, st = os.waitpid(pid, 0)
                sys.stdout.write(out.decode() + "status=%d" % os.waitstatus_to_exitcode(st))
                """
            return SpawnedCLI.run(
                ["/usr/bin/python3", "-c", script, Engine.skiffPath] + args, environment: ["SKIFF_ROOT": root.path],
                scratch: root.path
            ).out
        }
        #expect(onTerminal(["cp", host, "box:/tmp/"]) == "Successfully copied 5B to box:/tmp/\r\nstatus=0")
        #expect(onTerminal(["cp", "box:/tmp/in.txt", root.path + "/back.txt"]).hasPrefix("Successfully copied 5B to "))
        #expect(onTerminal(["cp", "-q", host, "box:/tmp/"]) == "status=0")
        #expect(onTerminal(["cp", "--quiet", "box:/tmp/in.txt", root.path + "/back.txt"]) == "status=0")
    }
}
