import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14: Docker's `diff`, `export` and `commit` (top-level and under `container`), driven through the
/// CLI as a Docker user types them: Docker's output, order and exit codes; export | import round-trips; a
/// committed image runs, has its history, is a FROM base for build and pushes like any other; and a
/// container's planted symlinks never lead any of them to the host's files.
@Suite(
    "diff, export and commit",
    .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ContainerDiffExportCommitTests {
    /// Changes of every kind: a file added in a new tree, one in an image directory, one appended to, one
    /// deleted, a directory deleted, a directory replaced (opaque), and a volume written (not listed).
    static let changes =
        "echo new > /root/new.txt; echo more >> /etc/os-release; rm /etc/nsswitch.conf; rm -rf /etc/network; "
        + "mkdir -p /srv/a; echo y > /srv/a/f; echo v > /data/v; rm -rf /var/spool; mkdir /var/spool; "
        + "touch /var/spool/fresh"

    static let expectedDiff = """
        C /etc
        D /etc/network
        D /etc/nsswitch.conf
        C /etc/os-release
        C /root
        A /root/new.txt
        A /srv
        A /srv/a
        A /srv/a/f
        C /var
        D /var/spool
        A /var/spool/fresh

        """

    @Test func diffListsTheChangesInDockersOrderRunningOrStopped() throws {
        let root = try CLIRoot(prefix: "skiff-diff-")
        defer { root.cleanUp(removeVolumes: true) }
        let run = root.skiff("run", "--name", "stopped", "-v", "/data", "busybox", "sh", "-c", Self.changes)
        #expect(run.status == 0, "\(run.err)")
        let diff = root.skiff("diff", "stopped")
        #expect(diff.status == 0, "\(diff.err)")
        #expect(diff.out == Self.expectedDiff)
        #expect(root.skiff("container", "diff", "stopped").out == Self.expectedDiff)

        // Running: the same changes, listed while it runs.
        let started = root.skiff(
            "run", "-d", "--name", "running", "-v", "/data", "busybox", "sh", "-c",
            Self.changes + "; touch /tmp/ready; exec sleep 600")
        #expect(started.status == 0, "\(started.err)")
        #expect(root.eventually { root.skiff("diff", "running").out.contains("A /tmp/ready") })
        let running = root.skiff("diff", "running").out
        let withReady = Self.expectedDiff.replacingOccurrences(of: "C /var\n", with: "C /tmp\nA /tmp/ready\nC /var\n")
        #expect(running == withReady, "\(running)")

        // A container that changed nothing lists nothing; an unknown one is Docker's error, status 1.
        #expect(root.skiff("create", "--name", "fresh", "busybox").status == 0)
        let fresh = root.skiff("diff", "fresh")
        #expect(fresh.status == 0 && fresh.out.isEmpty, "\(fresh)")
        let missing = root.skiff("diff", "no-such-container")
        #expect(missing.status == 1 && missing.err.contains("no-such-container"), "\(missing)")
    }

    @Test func exportIsTheWholeFilesystemAndRoundTripsThroughImport() throws {
        let root = try CLIRoot(prefix: "skiff-export-")
        defer { root.cleanUp(removeVolumes: true) }
        let run = root.skiff("run", "--name", "c", "-v", "/data", "busybox", "sh", "-c", Self.changes)
        #expect(run.status == 0, "\(run.err)")

        let file = root.path + "/c.tar"
        let export = root.skiff("export", "-o", file, "c")
        #expect(export.status == 0 && export.out.isEmpty, "\(export)")
        let names = try Self.tarNames(file)
        #expect(names.contains("root/new.txt") && names.contains("srv/a/f") && names.contains("bin/busybox"))
        #expect(names.contains("var/spool/fresh") && names.contains("etc/passwd"))
        #expect(!names.contains("etc/nsswitch.conf") && !names.contains { $0.hasPrefix("etc/network") })
        #expect(!names.contains("data/v"), "a volume's contents are not the container's filesystem")
        #expect(
            !names.contains { $0.hasPrefix("proc/") || $0.hasPrefix("sys/") },
            "\(names.filter { $0.hasPrefix("proc") })")

        // To standard output, the same archive; `container export` too.
        let piped = root.path + "/piped.tar"
        try Self.runToFile(root, ["container", "export", "c"], output: piped)
        #expect(try Self.tarNames(piped) == names)

        // export | import: an image of the same files.
        let imported = root.skiff("import", piped, "roundtrip:1")
        #expect(imported.status == 0, "\(imported.err)")
        let check = root.skiff(
            "run", "--rm", "roundtrip:1", "sh", "-c",
            "cat /root/new.txt /srv/a/f; tail -n1 /etc/os-release; ls /etc/nsswitch.conf /etc/network 2>&1 | wc -l; ls /var/spool"
        )
        #expect(check.out == "new\ny\nmore\n2\nfresh\n", "\(check)")

        // Never an archive to a terminal (Docker's message, status 1); -o of a missing container leaves no file.
        let terminal = try Self.runOnTerminal(root, ["export", "c"])
        #expect(terminal.status == 1 && terminal.err.contains("cowardly refusing to save to a terminal"), "\(terminal)")
        let missing = root.skiff("export", "-o", root.path + "/missing.tar", "no-such-container")
        #expect(missing.status == 1)
        #expect(access(root.path + "/missing.tar", F_OK) != 0)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: root.path).allSatisfy {
                !$0.hasPrefix(".skiff-export-")
            })
    }

    /// The committed config is the container's, as Docker's commit takes it: the user as `-u` gave it,
    /// the exposed and published ports, the health check and the anonymous volumes (not bind mounts).
    @Test func commitKeepsUserPortsHealthcheckAndVolumes() throws {
        let root = try CLIRoot(prefix: "skiff-commit-")
        defer { root.cleanUp(removeVolumes: true) }
        let hostDir = root.path + "/bound"
        try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true)
        let run = root.skiff(
            "run", "--name", "c", "-u", "nobody", "--expose", "9000", "-p", "127.0.0.1::7000/udp", "--health-cmd",
            "true", "--health-interval", "5s", "-v", "/cache", "-v", hostDir + ":/bound", "busybox", "true")
        #expect(run.status == 0, "\(run.err)")
        #expect(root.inspect("c", "{{.Config.User}}") == "nobody")
        #expect(root.skiff("commit", "c", "kept:1").status == 0)
        let config = root.skiff(
            "image", "inspect", "--format",
            "{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}}|{{json .Config.Volumes}}",
            "kept:1")
        #expect(
            config.out == #"nobody|{"7000/udp":{},"9000/tcp":{}}|["CMD-SHELL","true"] 5000000000|{"/cache":{}}"# + "\n",
            "\(config)")
        #expect(root.skiff("run", "--rm", "kept:1", "id", "-un").out == "nobody\n")
    }

    @Test func commitMakesAnImageThatRunsBuildsAndPushes() throws {
        let root = try CLIRoot(prefix: "skiff-commit-")
        defer { root.cleanUp(removeVolumes: true) }
        let run = root.skiff(
            "run", "--name", "c", "-v", "/data", "-e", "FROM_RUN=1", "-w", "/srv", "--label", "made=by-run",
            "busybox", "sh", "-c", Self.changes)
        #expect(run.status == 0, "\(run.err)")

        let commit = root.skiff(
            "commit", "-a", "A. U. Thor <a@example.com>", "-m", "the message", "-c", "ENV ADDED=yes", "-c",
            "EXPOSE 8080", "-c", #"CMD ["cat", "/srv/a/f"]"#, "c", "committed:1")
        #expect(commit.status == 0, "\(commit.err)")
        let id = commit.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("sha256:") && id.count == 71, "\(commit.out)")
        #expect(root.skiff("image", "inspect", "--format", "{{.Id}}", "committed:1").out == id + "\n")

        // It runs: the new CMD, the container's files, its deletions (whiteouts, the opaque directory).
        #expect(root.skiff("run", "--rm", "committed:1").out == "y\n")
        let files = root.skiff(
            "run", "--rm", "committed:1", "sh", "-c",
            "cat /root/new.txt; tail -n1 /etc/os-release; ls /etc/nsswitch.conf /etc/network 2>&1 | wc -l; ls -A /var/spool; ls -A /data; pwd; echo $FROM_RUN $ADDED"
        )
        #expect(files.out == "new\nmore\n2\nfresh\n/srv\n1 yes\n", "\(files)")
        let config = root.skiff(
            "image", "inspect", "--format",
            "{{.Author}}|{{json .Config.ExposedPorts}}|{{index .Config.Labels \"made\"}}|{{json .Config.Cmd}}",
            "committed:1")
        #expect(
            config.out == "A. U. Thor <a@example.com>|{\"8080/tcp\":{}}|by-run|[\"cat\",\"/srv/a/f\"]\n", "\(config)")
        // --format, and --human=false (Go's boolean spelling): bytes and RFC 3339 times.
        let raw = root.skiff("history", "--human=false", "--format", "{{.ID}} {{.Size}} {{.CreatedAt}}", "committed:1")
        let top = raw.out.split(separator: "\n").first.map { $0.split(separator: " ") } ?? []
        #expect(
            raw.status == 0 && top.count == 3 && top[0] == id.dropFirst(7).prefix(12) && Int(top[1]) != nil
                && top[2].hasSuffix("Z"), "\(raw)")
        #expect(root.skiff("history", "--human=maybe", "committed:1").status != 0)
        #expect(
            root.skiff("image", "history", "-q", "committed:1").out.split(separator: "\n").first
                == id.dropFirst(7).prefix(12))
        let history = root.skiff("history", "--no-trunc", "committed:1").out.split(separator: "\n")
        #expect(history.count == 3, "\(history)")
        let newest = history.dropFirst().first.map(String.init) ?? ""
        #expect(
            newest.hasPrefix(id + " ") && newest.contains("cat /srv/a/f")
                && newest.hasSuffix("the message"), "\(history)")

        // The layer: exactly the changes, deletions as OCI whiteouts, the replaced directory opaque.
        let layer = try Self.topLayerNames(root, "committed:1")
        #expect(
            layer == [
                "etc/", "etc/.wh.network", "etc/.wh.nsswitch.conf", "etc/os-release", "root/", "root/new.txt", "srv/",
                "srv/a/", "srv/a/f", "var/", "var/spool/", "var/spool/.wh..wh..opq", "var/spool/fresh",
            ], "\(layer)")

        // A FROM base for build.
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM committed:1\nRUN cat /root/new.txt /srv/a/f > /both\nCMD [\"cat\", \"/both\"]\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let build = root.skiff("build", "-q", "-t", "built-on-commit", context, timeout: 180)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(root.skiff("run", "--rm", "built-on-commit").out == "new\ny\n")

        // Push and pull back, when a registry is at hand.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") {
            let registry = try LocalRegistry()
            defer { registry.stop() }
            let remote = "\(registry.host)/commit/app:1"
            #expect(root.skiff("tag", "committed:1", remote).status == 0)
            let push = root.skiff("push", remote, timeout: 120)
            #expect(push.status == 0, "\(push.err)")
            #expect(root.skiff("rmi", remote).status == 0)
            #expect(root.skiff("rmi", "committed:1").status == 0)
            #expect(root.skiff("rmi", "built-on-commit").status == 0)
            let pull = root.skiff("pull", remote, timeout: 120)
            #expect(pull.status == 0, "\(pull.err)")
            #expect(root.skiff("run", "--rm", remote).out == "y\n")
        }

        // Without a name: an untagged image; nothing changed: no new layer. A bad -c is refused (status 1).
        #expect(root.skiff("create", "--name", "fresh", "busybox").status == 0)
        let bare = root.skiff("commit", "fresh")
        #expect(bare.status == 0 && bare.out.hasPrefix("sha256:"), "\(bare)")
        let bareID = bare.out.trimmingCharacters(in: .newlines)
        let layers = root.skiff("image", "inspect", "--format", "{{len .RootFS.Layers}}", bareID)
        #expect(layers.out == "1\n", "\(layers)")
        // Docker's dangling image: listed as <none>, run by ID, removed by `rmi ID`.
        let listed = root.skiff("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").out
        #expect(listed.contains("<none>:<none> \(bareID.dropFirst(7).prefix(12))"), "\(listed)")
        #expect(root.skiff("run", "--rm", bareID, "true").status == 0)
        let removed = root.skiff("rmi", bareID)
        #expect(removed.status == 0, "\(removed)")
        #expect(root.skiff("image", "inspect", bareID).status != 0)
        let bad = root.skiff("commit", "-c", "RUN echo no", "c", "bad:1")
        #expect(bad.status == 1 && bad.err.contains("RUN"), "\(bad)")
        #expect(root.skiff("image", "inspect", "bad:1").status != 0)
    }

    @Test func commitPausesARunningContainerUnlessTold() throws {
        let root = try CLIRoot(prefix: "skiff-commit-run-")
        defer { root.cleanUp() }
        let started = root.skiff(
            "run", "-d", "--name", "r", "busybox", "sh", "-c",
            // Renamed into place: a freeze between the truncation and the write would commit an empty file.
            "i=0; while :; do i=$((i+1)); echo $i > /counter.new; mv /counter.new /counter; sleep 0.01; done")
        #expect(started.status == 0, "\(started.err)")
        #expect(root.eventually { root.skiff("diff", "r").out.contains("A /counter") })
        let paused = root.skiff("commit", "r", "snap:1")
        #expect(paused.status == 0, "\(paused.err)")
        #expect(root.inspect("r", "{{.State.Status}}") == "running", "the container is thawed after the commit")
        let counter = root.skiff("run", "--rm", "--entrypoint", "cat", "snap:1", "/counter")
        #expect(Int(counter.out.trimmingCharacters(in: .newlines)) ?? 0 > 0, "\(counter)")
        // export of a running container: its filesystem as it is now.
        let file = root.path + "/running.tar"
        #expect(root.skiff("export", "-o", file, "r").status == 0)
        #expect(try Self.tarNames(file).contains("counter"))
        let unpaused = root.skiff("commit", "--pause=false", "r", "snap:2")
        #expect(unpaused.status == 0, "\(unpaused.err)")
        // A paused container stays paused.
        #expect(root.skiff("pause", "r").status == 0)
        #expect(root.skiff("container", "commit", "r", "snap:3").status == 0)
        #expect(root.inspect("r", "{{.State.Status}}") == "paused")
        #expect(root.skiff("unpause", "r").status == 0)
    }

    /// The attack: a container plants symlinks to the host's files (`/x -> <host secret>`, a directory
    /// symlink to `/`, and a directory replaced by a symlink to a host directory); diff, export and commit
    /// list and pack them as symlinks and never read what they point at on the host.
    @Test func plantedSymlinksNeverLeadToTheHost() throws {
        let root = try CLIRoot(prefix: "skiff-commit-attack-")
        defer { root.cleanUp() }
        let secretDir = root.path + "/host-secret"
        try FileManager.default.createDirectory(atPath: secretDir, withIntermediateDirectories: true)
        let secret = "host-secret-\(UUID().uuidString)"
        try secret.write(toFile: secretDir + "/shadow", atomically: true, encoding: .utf8)
        let plant =
            "ln -s \(secretDir)/shadow /x; ln -s / /hostroot; rm -rf /home; ln -s \(secretDir) /home; "
            + "ln -s /etc/shadow /etc/shadow-link"
        let run = root.skiff("run", "--name", "evil", "busybox", "sh", "-c", plant)
        #expect(run.status == 0, "\(run.err)")

        let diff = root.skiff("diff", "evil")
        #expect(diff.out == "C /etc\nA /etc/shadow-link\nC /home\nA /hostroot\nA /x\n", "\(diff)")

        let file = root.path + "/evil.tar"
        #expect(root.skiff("export", "-o", file, "evil").status == 0)
        let exported = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(exported.range(of: Data(secret.utf8)) == nil, "export read the host's file through a symlink")
        let listing = try Self.tarListing(file)
        #expect(listing.contains { $0.hasPrefix("l") && $0.hasSuffix("x -> \(secretDir)/shadow") }, "\(listing)")
        #expect(!(try Self.tarNames(file)).contains { $0.hasPrefix("hostroot/") || $0.hasPrefix("home/") })

        #expect(root.skiff("commit", "evil", "evil:1").status == 0)
        let layer = try Self.topLayerBytes(root, "evil:1")
        #expect(layer.range(of: Data(secret.utf8)) == nil, "commit packed the host's file")
        #expect(layer.range(of: Data("root:".utf8)) == nil, "commit packed a shadow file")
        #expect(try Self.topLayerNames(root, "evil:1") == ["etc/", "etc/shadow-link", "home", "hostroot", "x"])
        // In a container of the image the links resolve inside it, as they should.
        let inside = root.skiff("run", "--rm", "evil:1", "sh", "-c", "readlink /x; cat /x 2>/dev/null || echo none")
        #expect(inside.out == "\(secretDir)/shadow\nnone\n", "\(inside)")
    }

    // MARK: - Helpers

    /// Entry names of a tar, without a trailing `/` or leading `./`.
    static func tarNames(_ path: String) throws -> [String] {
        try tar(["-tf", path]).split(separator: "\n").map { name in
            var n = String(name)
            if n.hasPrefix("./") { n.removeFirst(2) }
            while n.hasSuffix("/") { n.removeLast() }
            return n
        }.filter { !$0.isEmpty }
    }

    static func tarListing(_ path: String) throws -> [String] {
        try tar(["-tvf", path]).split(separator: "\n").map(String.init)
    }

    static func tar(_ args: [String], input: Data? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The image's top layer, decompressed.
    static func topLayerBytes(_ root: CLIRoot, _ image: String) throws -> Data {
        let stored = try root.engine.images.resolve(image)
        let top = try #require(stored.manifest.layers.last)
        let hex = String(top.digest.dropFirst("sha256:".count))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", root.path + "/blobs/sha256/" + hex]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    /// The entry names of the image's top layer, as written (a directory ends with `/`).
    static func topLayerNames(_ root: CLIRoot, _ image: String) throws -> [String] {
        let bytes = try topLayerBytes(root, image)
        let path = root.path + "/layer-\(UUID().uuidString).tar"
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        return try tar(["-tf", path]).split(separator: "\n").map(String.init)
    }

    /// Run the CLI with its standard output going to `output`.
    static func runToFile(_ root: CLIRoot, _ args: [String], output: String) throws {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: output))
        let p = root.launch(args, stdout: handle)
        p.waitUntilExit()
        try handle.close()
        #expect(p.terminationStatus == 0, "skiff \(args) exited with \(p.terminationStatus)")
    }

    /// Run the CLI on a terminal (`script` gives it one; what it writes comes back as `err`).
    static func runOnTerminal(_ root: CLIRoot, _ args: [String]) throws -> CLIRoot.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", ([root.executable] + args).joined(separator: " "), "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = root.path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIRoot.Result(status: p.terminationStatus, out: "", err: String(decoding: data, as: UTF8.self))
    }
}
