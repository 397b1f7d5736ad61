import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import Testing

/// Paths from build contexts, Dockerfiles, image configs, compose files and flags are taken inside
/// their root. Each test performs the escape as an attacker would (as root, with the built CLI) and
/// fails if a host file reaches an image or a directory appears on the host.
@Suite(
    "path attacks", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct PathAttackTests {
    /// A host directory outside every root (removed afterwards), for secrets to steal and places to write.
    final class HostDirectory {
        let path: String
        init() throws { path = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-pathattack-host-") }
        deinit { FileIO.removeTree(path) }
        var name: String { (path as NSString).lastPathComponent }
        var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
    }

    /// `/` followed by enough `..` to climb from any state directory to the host's root, then `name`.
    static func climbing(to name: String) -> String {
        String(repeating: "/..", count: 16) + "/" + name
    }

    /// A unique name at the host's root; whatever a failed defence made there is removed afterwards.
    final class HostRootName {
        let name = "skiff-pathattack-\(UUID().uuidString.prefix(8))"
        var hostPath: String { "/" + name }
        var existsOnHost: Bool { access(hostPath, F_OK) == 0 }
        deinit { rmdir(hostPath) }
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func symlink(_ path: String, to target: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// Every byte of the image as `skiff save` writes it: the archive's files, gzip ones decompressed.
    static func savedBytes(_ root: CLIRoot, _ image: String) throws -> Data {
        let archive = root.path + "/saved.tar"
        let dir = root.path + "/saved"
        defer { unlink(archive); FileIO.removeTree(dir) }
        let save = root.skiff("save", "-o", archive, image)
        #expect(save.status == 0, "save: \(save.err)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try TestImage.run("/bin/tar", ["-xf", archive, "-C", dir])
        var all = Data()
        let files = FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []
        for file in files where !FileIO.isDirectory(dir + "/" + file) {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            if data.starts(with: [0x1f, 0x8b]) {
                let plain = dir + "/" + file + ".plain"
                try TestImage.run("/bin/sh", ["-c", "gzip -dc < \"$0\" > \"$1\"", dir + "/" + file, plain])
                all.append(try Data(contentsOf: URL(fileURLWithPath: plain)))
            } else {
                all.append(data)
            }
        }
        return all
    }

    // MARK: skiff build: sources

    /// Symlinks in the context that lead out of it (`dl -> /etc`, an absolute link to a host directory,
    /// a link climbing with `..`), used in the middle of COPY sources, literally and through a wildcard.
    /// They must lead to the context's own files (the decoys), never the host's.
    @Test func contextSymlinksAreFollowedInsideTheContext() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let host = try HostDirectory()
        let secret = "HOST-SECRET-\(UUID().uuidString)"
        try Self.write(secret, to: host.path + "/secret")
        let context = root.path + "/context"
        try Self.write("context-shadow\n", to: context + "/etc/shadow")
        try Self.write("context-decoy\n", to: context + host.path + "/secret")
        try Self.write("inside-ok\n", to: context + "/real/file.txt")
        try Self.symlink(context + "/dl", to: "/etc")
        try Self.symlink(context + "/hostdir", to: host.path)
        try Self.symlink(context + "/hostfile", to: host.path + "/secret")
        try Self.symlink(context + "/sub/up", to: "../../../../../../../../..")
        try Self.symlink(context + "/inside", to: "real")
        try Self.symlink(context + "/filelink", to: "./real/../real/file.txt")
        let leaks = """
            FROM busybox
            COPY dl/shadow /a
            COPY hostdir/secret /b
            COPY sub/up\(host.path)/secret /d
            COPY inside/file.txt /f
            COPY filelink /g

            """
        let links = """
            FROM busybox
            COPY hostfile /c
            COPY hostd*/sec* /e

            """
        let expected = [leaks: "/a /b /d /f /g", links: "/c /e"]
        for (n, dockerfile) in [leaks, links].enumerated() {
            try Self.write(dockerfile, to: context + "/Dockerfile")
            let tag = "attack:\(n)"
            let build = root.skiff(["build", "-t", tag, context], timeout: 300)
            #expect(build.status == 0, "\(build.out)\(build.err)")
            guard build.status == 0 else { continue }
            let bytes = try Self.savedBytes(root, tag)
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the host file reached the image")
            if let shadow = FileManager.default.contents(atPath: "/etc/shadow"), shadow.count > 16 {
                #expect(bytes.range(of: shadow) == nil, "the host's /etc/shadow reached the image")
            }
            let files = expected[dockerfile]!
            let run = root.skiff("run", "--rm", tag, "sh", "-c", "for f in \(files); do cat $f; done")
            let want =
                dockerfile == leaks
                ? "context-shadow\ncontext-decoy\ncontext-decoy\ninside-ok\ninside-ok\n"
                : "context-decoy\ncontext-decoy\n"
            #expect(run.out == want, "\(files): \(run.out)\(run.err)")
        }
    }

    /// The context's Dockerfile is a symlink to a host file: it is looked for inside the context, so
    /// the host file's lines never reach the build's output (as parse errors) or the image.
    @Test func dockerfileSymlinkStaysInTheContext() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let host = try HostDirectory()
        let secret = "HOST-SECRET-\(UUID().uuidString)"
        try Self.write("FROM busybox\nRUN echo \(secret)\n", to: host.path + "/Dockerfile")
        let context = root.path + "/context"
        try Self.symlink(context + "/Dockerfile", to: host.path + "/Dockerfile")
        let refused = root.skiff(["build", "-t", "df:1", context], timeout: 300)
        #expect(refused.status != 0)
        #expect(!(refused.out + refused.err).contains(secret), "the host file was read as the Dockerfile")

        try Self.write("FROM busybox\nLABEL from=context\n", to: context + host.path + "/Dockerfile")
        let inside = root.skiff(["build", "-t", "df:1", context], timeout: 300)
        #expect(inside.status == 0, "\(inside.out)\(inside.err)")
        #expect(try root.engine.images.resolve("df:1").config.config?.Labels?["from"] == "context")
    }

    /// `COPY --from=stage` through the stage's symlinks (absolute to a host directory's path, `/etc`,
    /// and one climbing with `..`): they lead into the stage's own files.
    @Test func stageSymlinksAreFollowedInsideTheStage() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let host = try HostDirectory()
        let secret = "HOST-SECRET-\(UUID().uuidString)"
        try Self.write(secret, to: host.path + "/secret")
        let context = root.path + "/context"
        try Self.write(
            """
            FROM busybox AS s1
            RUN mkdir -p \(host.path) && echo stage-decoy > \(host.path)/secret && ln -s \(host.path) /hd && ln -s /etc /dl && ln -s ../../../../../.. /up
            FROM busybox
            COPY --from=s1 /hd/secret /a
            COPY --from=s1 /dl/passwd /b
            COPY --from=s1 /up\(host.path)/secret /c

            """, to: context + "/Dockerfile")
        let build = root.skiff(["build", "-t", "stage:1", context], timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        guard build.status == 0 else { return }
        #expect(
            try Self.savedBytes(root, "stage:1").range(of: Data(secret.utf8)) == nil, "the host file reached the image")
        let passwd = try String(contentsOfFile: TestImage.busyboxRootfs + "/etc/passwd", encoding: .utf8)
        let run = root.skiff("run", "--rm", "stage:1", "cat", "/a", "/b", "/c")
        #expect(run.out == "stage-decoy\n" + passwd + "stage-decoy\n", "\(run.out)\(run.err)")
    }

    /// `.dockerignore` leaves out `private/`; a symlink to it (`p -> private`) must not bring it back.
    @Test func dockerignoreAppliesWhereSymlinksLead() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let key = "IGNORED-KEY-\(UUID().uuidString)"
        let context = root.path + "/context"
        try Self.write(key, to: context + "/private/key")
        try Self.write("private/\n", to: context + "/.dockerignore")
        try Self.symlink(context + "/p", to: "private")
        try Self.symlink(context + "/pp", to: "/sub/../private")

        for source in ["p/key", "pp/key", "p*/key"] {
            try Self.write("FROM busybox\nCOPY \(source) /k\n", to: context + "/Dockerfile")
            let build = root.skiff(["build", "-t", "ignored:1", context], timeout: 300)
            #expect(build.status != 0, "COPY \(source) read an excluded file")
            #expect(build.err.contains("excluded by .dockerignore"), "\(build.err)")
        }
        try Self.write("FROM busybox\nCOPY . /all/\n", to: context + "/Dockerfile")
        let build = root.skiff(["build", "-t", "ignored:2", context], timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(
            try Self.savedBytes(root, "ignored:2").range(of: Data(key.utf8)) == nil,
            "an excluded file reached the image")
    }

    // MARK: skiff build: destinations

    /// One COPY source puts a symlink to a host directory in the layer (`one/evil -> /host/dir`), the
    /// next writes a directory of the same name: the write must replace the link, not follow it to the
    /// host. An image symlink on the destination's path is followed inside the image.
    @Test func copyDestinationsStayInTheLayer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let host = try HostDirectory()
        let context = root.path + "/context"
        try Self.symlink(context + "/one/evil", to: host.path)
        try Self.write("pwned\n", to: context + "/two/evil/pwned")
        try Self.write("through-link\n", to: context + "/f")
        try Self.write(
            """
            FROM busybox
            COPY one two /x/
            RUN ln -s \(host.path) /lnk
            COPY f /lnk/

            """, to: context + "/Dockerfile")
        let build = root.skiff(["build", "-t", "dest:1", context], timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(host.entries.isEmpty, "the build wrote on the host: \(host.entries)")
        let run = root.skiff("run", "--rm", "dest:1", "sh", "-c", "cat /x/evil/pwned; readlink /lnk; cat /lnk/f")
        #expect(run.out == "pwned\n\(host.path)\nthrough-link\n", "\(run.out)\(run.err)")

        // ADD: the first source leaves `evil -> /host/dir` in the layer, then an archive with the single
        // member evil/pwned is extracted over it (tar follows a symlink it finds on disk).
        try Self.write("from-archive\n", to: root.path + "/archive/evil/pwned")
        try Self.write("kept\n", to: root.path + "/archive/keep/f")
        try TestImage.run("/bin/tar", ["-cf", context + "/evil.tar", "-C", root.path + "/archive", "evil/pwned"])
        try TestImage.run(
            "/bin/tar",
            [
                "-rf", context + "/evil.tar", "--owner=1234", "--group=5678", "--mode=0640",
                "-C", root.path + "/archive", "keep/f",
            ])
        try Self.write("FROM busybox\nADD one evil.tar /y/\n", to: context + "/Dockerfile")
        let add = root.skiff(["build", "-t", "dest:2", context], timeout: 300)
        #expect(add.status == 0, "\(add.out)\(add.err)")
        #expect(host.entries.isEmpty, "ADD extracted onto the host: \(host.entries)")
        let added = root.skiff("run", "--rm", "dest:2", "sh", "-c", "cat /y/evil/pwned; stat -c '%u:%g %a' /y/keep/f")
        #expect(added.out == "from-archive\n1234:5678 640\n", "\(added.out)\(added.err)")
    }

    /// After a RUN, the build removes the empty /etc/hosts, /etc/hostname and /etc/resolv.conf the
    /// runtime made as mount points. A RUN that turns /etc into a symlink to a host directory must not
    /// make that clean-up delete the host's files.
    @Test func runStepCleanUpStaysInTheLayer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let host = try HostDirectory()
        for name in ["hosts", "hostname", "resolv.conf"] { try Self.write("", to: host.path + "/" + name) }
        let bare = root.path + "/bare"
        try TestImage.run("/bin/cp", ["-a", TestImage.busyboxRootfs, bare])
        FileIO.removeTree(bare + "/etc")
        try TestImage.make(
            "bare", layers: [bare], config: TestImage.busyboxConfig(), store: root.engine.images, scratch: root.path)
        let context = root.path + "/context"
        try Self.write("FROM bare\nRUN mv /etc /etc.old && ln -s \(host.path) /etc\n", to: context + "/Dockerfile")
        let build = root.skiff(["build", "-t", "etclink:1", context], timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(
            host.entries.sorted() == ["hostname", "hosts", "resolv.conf"],
            "the build removed host files: \(host.entries)")
    }

    // MARK: working directories

    /// `run -w /../../…/x`: the directory is made inside the container (as `/x`), not at the host's `/x`.
    @Test func runWorkdirWithDotDotStaysInTheContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let target = HostRootName()
        let run = root.skiff("run", "--rm", "-w", Self.climbing(to: target.name), "busybox", "pwd")
        #expect(!target.existsOnHost, "run -w created \(target.hostPath) on the host")
        #expect(run.status == 0 && run.out == target.hostPath + "\n", "\(run.out)\(run.err)")
    }

    /// An image whose config says `WorkingDir: /../../…/x`, and one whose WorkingDir goes through an
    /// image symlink to a host directory's path.
    @Test func imageWorkingDirStaysInTheContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let target = HostRootName()
        var config = TestImage.busyboxConfig()
        config.WorkingDir = Self.climbing(to: target.name)
        try TestImage.make(
            "workdir:dotdot", layers: [TestImage.busyboxRootfs], config: config,
            store: root.engine.images, scratch: root.path)
        let run = root.skiff("run", "--rm", "workdir:dotdot", "pwd")
        #expect(!target.existsOnHost, "the image's WorkingDir created \(target.hostPath) on the host")
        #expect(run.status == 0 && run.out == target.hostPath + "\n", "\(run.out)\(run.err)")

        let host = try HostDirectory()
        let layer = root.path + "/link-layer"
        try Self.symlink(layer + "/wd", to: host.path)
        try Self.symlink(layer + "/etcwd", to: "/etc")
        config.WorkingDir = "/wd/sub"
        try TestImage.make(
            "workdir:link", layers: [TestImage.busyboxRootfs, layer], config: config,
            store: root.engine.images, scratch: root.path)
        let linked = root.skiff("run", "--rm", "workdir:link", "pwd")
        #expect(host.entries.isEmpty, "the image's WorkingDir created \(host.entries) in \(host.path) on the host")
        // pwd prints the physical path: where the link leads in the image.
        #expect(linked.status == 0 && linked.out == host.path + "/sub\n", "\(linked.out)\(linked.err)")
        let etc = root.skiff(
            "run", "--rm", "-w", "/etcwd/made-here", "workdir:link", "sh", "-c", "pwd; ls -d /etc/made-here")
        #expect(access("/etc/made-here", F_OK) != 0, "a working directory was made in the host's /etc")
        #expect(etc.status == 0 && etc.out == "/etc/made-here\n/etc/made-here\n", "\(etc.out)\(etc.err)")
    }

    /// The Dockerfile's WORKDIR with `..` above the root is the cleaned path, as in Docker.
    @Test func buildWorkdirWithDotDotIsCleaned() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let target = HostRootName()
        let context = root.path + "/context"
        try Self.write("FROM busybox\nWORKDIR \(Self.climbing(to: target.name))\n", to: context + "/Dockerfile")
        let build = root.skiff(["build", "-t", "wd:1", context], timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(!target.existsOnHost)
        #expect(try root.engine.images.resolve("wd:1").config.config?.WorkingDir == target.hostPath)
        let run = root.skiff("run", "--rm", "wd:1", "pwd")
        #expect(run.out == target.hostPath + "\n", "\(run.out)\(run.err)")

        // WORKDIR through an image symlink to a host directory's path: made in the image's directory.
        let host = try HostDirectory()
        try Self.write("FROM busybox\nRUN ln -s \(host.path) /wd\nWORKDIR /wd/sub\n", to: context + "/Dockerfile")
        let linked = root.skiff(["build", "-t", "wd:2", context], timeout: 300)
        #expect(linked.status == 0, "\(linked.out)\(linked.err)")
        #expect(host.entries.isEmpty, "WORKDIR created \(host.entries) on the host")
        let inside = root.skiff("run", "--rm", "wd:2", "sh", "-c", "pwd; readlink /wd")
        #expect(inside.out == "\(host.path)/sub\n\(host.path)\n", "\(inside.out)\(inside.err)")
    }

    /// A compose service's `working_dir: /../../…/x`.
    @Test func composeWorkingDirStaysInTheContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let target = HostRootName()
        let file = root.path + "/project/compose.yaml"
        try Self.write(
            """
            services:
              app:
                image: busybox
                network_mode: none
                working_dir: \(Self.climbing(to: target.name))

            """, to: file)
        let run = root.skiff(
            ["compose", "--file", file, "--project-name", "pathattack", "run", "--rm", "-T", "app", "pwd"], timeout: 120
        )
        root.skiff(["compose", "--file", file, "--project-name", "pathattack", "down"])
        #expect(!target.existsOnHost, "working_dir created \(target.hostPath) on the host")
        #expect(run.status == 0 && run.out == target.hostPath + "\n", "\(run.out)\(run.err)")
    }

    /// `exec -w /../../…/x` runs in the container's `/x`; a missing one is an error, not made anywhere.
    @Test func execWorkdirWithDotDotStaysInTheContainer() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let target = HostRootName()
        #expect(root.skiff("run", "-d", "--name", "victim", "busybox", "sleep", "300").status == 0)
        let tmp = root.skiff("exec", "-w", Self.climbing(to: "tmp"), "victim", "pwd")
        #expect(tmp.status == 0 && tmp.out == "/tmp\n", "\(tmp.out)\(tmp.err)")
        let missing = root.skiff("exec", "-w", Self.climbing(to: target.name), "victim", "pwd")
        #expect(missing.status != 0)
        #expect(!target.existsOnHost, "exec -w created \(target.hostPath) on the host")
    }
}
