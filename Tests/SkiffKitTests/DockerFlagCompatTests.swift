import Foundation
import SkiffKit
import Testing

/// Issue 14 ("find the rest of their kind"), through the built CLI as a Docker user types it:
/// `--format` of the list commands, `--device`, `--device-cgroup-rule`, `--group-add`, `--volumes-from`.
@Suite(
    "Docker's run flags and list formats", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct DockerFlagCompatTests {
    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    /// `docker version --format '{{.Server.Version}}'` is how scripts ask what they talk to.
    @Test func versionTakesDockersFormat() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let text = root.skiff("version")
        #expect(
            text.status == 0 && text.out.hasPrefix("Client:\n Version:") && text.out.contains("\nServer: "), "\(text)")
        let server = root.skiff("version", "--format", "{{.Server.Version}} {{.Client.Os}}")
        #expect(
            server.out.hasSuffix(" linux\n") && server.out.split(separator: " ").first?.contains(".") == true,
            "\(server)")
        let json = root.skiff("version", "-f", "json").out
        #expect(json.hasPrefix("{\"Client\":{") && json.contains("\"Components\":[{\"Details\""), "\(json)")
        #expect(root.skiff("version", "--format", "{{.Nope}}").status != 0)
    }

    @Test func listCommandsTakeDockersFormats() throws {
        let root = try CLIRoot(prefix: "skiff-compat-fmt-")
        defer { root.cleanUp() }
        // images: a template per row, a table of chosen columns, json, the default table.
        #expect(root.skiff("images", "--format", "{{.Repository}}:{{.Tag}}").out == "busybox:latest\n")
        let id = root.skiff("images", "-q").out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.skiff("image", "ls", "--format", "{{.ID}} {{.Size}}").out.hasPrefix(id + " "))
        let table = root.skiff("images", "--format", "table {{.Repository}}\t{{.ID}}\t{{.CreatedSince}}").out
        let lines = table.split(separator: "\n")
        #expect(
            lines.count == 2 && lines[0].hasPrefix("REPOSITORY") && lines[0].contains("IMAGE ID")
                && lines[0].contains("CREATED"),
            "\(table)")
        let images = try Self.jsonLines(root.skiff("images", "--format", "json").out)
        #expect(images.count == 1)
        #expect(images.first?["Repository"] as? String == "busybox" && images.first?["Tag"] as? String == "latest")
        #expect((images.first?["Digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect((images.first?["CreatedAt"] as? String)?.hasSuffix(" +0000 UTC") == true, "\(images)")
        #expect(root.skiff("images", "--format", "table").out == root.skiff("images").out)
        #expect(root.skiff("images", "--digests").out.contains("DIGEST"))
        // --filter, as in `docker images -f dangling=true -q`.
        #expect(root.skiff("tag", "busybox", "team/tool:1.0").status == 0)
        #expect(root.skiff("images", "-f", "dangling=true", "-q").out == "")
        #expect(root.skiff("images", "-f", "dangling=false", "-q").out == id + "\n")
        #expect(
            root.skiff("images", "--filter", "reference=team/*", "--format", "{{.Repository}}:{{.Tag}}").out
                == "team/tool:1.0\n")
        #expect(root.skiff("images", "--filter", "reference=busybox", "--format", "{{.Tag}}").out == "latest\n")
        #expect(root.skiff("images", "--filter", "label=nope", "-q").out == "")
        let badFilter = root.skiff("images", "--filter", "colour=red")
        #expect(badFilter.status != 0 && badFilter.err.contains("--filter colour=red"), "\(badFilter)")
        #expect(root.skiff("rmi", "team/tool:1.0").status == 0)
        let bad = root.skiff("images", "--format", "{{.Nope}}")
        #expect(bad.status != 0 && bad.err.contains("Nope"), "\(bad.err)")

        // ps: json is one object per container, with Docker's fields.
        #expect(root.skiff("run", "-d", "--name", "fmt1", "-l", "tier=web", "busybox", "sleep", "1000").status == 0)
        let ps = try Self.jsonLines(root.skiff("ps", "--format", "json").out)
        #expect(
            ps.count == 1 && ps.first?["Names"] as? String == "fmt1" && ps.first?["State"] as? String == "running",
            "\(ps)")
        #expect(ps.first?["Labels"] as? String == "tier=web")
        #expect(root.skiff("ps", "--format", "table {{.Names}}\t{{.State}}").out.hasPrefix("NAMES"))

        // volume ls and network ls: the same three forms.
        #expect(root.skiff("volume", "create", "--label", "a=b", "fmtvol").status == 0)
        let vols = try Self.jsonLines(root.skiff("volume", "ls", "--format", "json").out)
        #expect(
            vols.first?["Name"] as? String == "fmtvol" && vols.first?["Driver"] as? String == "local"
                && vols.first?["Labels"] as? String == "a=b",
            "\(vols)")
        #expect(
            root.skiff("volume", "ls", "--format", "table {{.Name}}\t{{.Scope}}").out
                == "VOLUME NAME   SCOPE\nfmtvol        local\n")
        #expect(root.skiff("network", "create", "--label", "x=y", "fmtnet").status == 0)
        let nets = try Self.jsonLines(root.skiff("network", "ls", "--format", "json").out)
        let fmtnet = try #require(nets.first { $0["Name"] as? String == "fmtnet" }, "\(nets)")
        #expect(
            fmtnet["Driver"] as? String == "bridge" && fmtnet["Scope"] as? String == "local"
                && fmtnet["Labels"] as? String == "x=y")
        #expect(root.skiff("network", "ls", "--format", "{{.Name}} {{.Internal}}").out.contains("fmtnet false\n"))
        #expect(root.skiff("network", "ls").out.split(separator: "\n").first?.hasPrefix("NETWORK ID") == true)
        #expect(root.skiff("rm", "-f", "fmt1").status == 0)
        #expect(root.skiff("network", "rm", "fmtnet").status == 0)
    }

    /// A loop device backed by a file of the test: given with --device, the container reads the file's
    /// bytes through it at another path; a node it makes itself for another loop device is denied by the
    /// devices cgroup (the container has CAP_MKNOD, as in Docker, so only the cgroup stops it).
    @Test func deviceIsGivenAndOnlyThatDevice() throws {
        let root = try CLIRoot(prefix: "skiff-compat-dev-")
        defer { root.cleanUp() }
        let backing = root.path + "/disk.img"
        try Data(("skiff-device-bytes" + String(repeating: "\0", count: 4096 - 18)).utf8).write(
            to: URL(fileURLWithPath: backing))
        let loop = try #require(LoopDevice(file: backing))
        defer { loop.detach() }
        let other = try #require(LoopDevice(file: backing))
        defer { other.detach() }

        var r = root.skiff(
            "run", "--rm", "--device", "\(loop.path):/dev/xvdb:r", "busybox", "head", "-c", "18", "/dev/xvdb")
        #expect(r.status == 0 && r.out == "skiff-device-bytes", "read through the given device: \(r.out) \(r.err)")
        // The permissions are the cgroup's: "r" gives no write, "rw" does.
        r = root.skiff(
            "run", "--rm", "--device", "\(loop.path):/dev/xvdb:r", "busybox", "sh", "-c", "echo w > /dev/xvdb")
        #expect(r.status != 0 && r.err.contains("Operation not permitted"), "write through an r device: \(r.err)")
        // The node is made with the host's type and numbers.
        r = root.skiff(
            "run", "--rm", "--device", "\(loop.path):/dev/xvdb", "busybox", "stat", "-c", "%F %t:%T", "/dev/xvdb")
        #expect(r.out.hasPrefix("block special file"), "\(r.out) \(r.err)")
        // Another device, not listed: the node can be made, but not opened.
        r = root.skiff(
            "run", "--rm", "--device", "\(loop.path):/dev/xvdb", "busybox", "sh", "-c",
            "mknod /tmp/other b \(other.major) \(other.minor) && head -c 18 /tmp/other")
        #expect(r.status != 0 && r.err.contains("Operation not permitted"), "unlisted device: \(r.out) \(r.err)")
        // --device-cgroup-rule opens it (Docker's way to allow nodes made later).
        r = root.skiff(
            "run", "--rm", "--device-cgroup-rule", "b \(other.major):\(other.minor) rwm", "busybox", "sh", "-c",
            "mknod /tmp/other b \(other.major) \(other.minor) && head -c 18 /tmp/other")
        #expect(r.status == 0 && r.out == "skiff-device-bytes", "\(r.out) \(r.err)")
        // Without --device the path does not exist.
        r = root.skiff("run", "--rm", "busybox", "ls", "/dev/xvdb")
        #expect(r.status != 0)
        // (last: it changes the bytes the reads above expect)
        r = root.skiff(
            "run", "--rm", "--device", "\(loop.path):/dev/xvdb:rw", "busybox", "sh", "-c",
            "printf skiff-DEVICE > /dev/xvdb")
        #expect(r.status == 0, "write through an rw device: \(r.err)")
        // Bad input is refused by name, before a container exists.
        r = root.skiff("run", "--rm", "--device", "/nonexistent/dev", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("/nonexistent/dev"), "\(r.err)")
        r = root.skiff("run", "--rm", "--device", "/etc/passwd", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("not a device"), "\(r.err)")
        #expect(root.engine.containers.all().isEmpty)
    }

    @Test func groupAddAndVolumesFrom() throws {
        let root = try CLIRoot(prefix: "skiff-compat-grp-")
        defer { root.cleanUp(removeVolumes: true) }
        var r = root.skiff(
            "run", "--rm", "--group-add", "tty", "--group-add", "4321", "-u", "1000:1000", "busybox",
            "grep", "^Groups:", "/proc/self/status")
        let ids: [String] = r.out.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).dropFirst().map {
            String($0)
        }
        // Docker 20.10 (Scripts/parity): the primary group is among the supplementary ones (kernel-sorted).
        #expect(ids == ["5", "1000", "4321"], "\(r.out) \(r.err)")
        r = root.skiff("run", "--rm", "--group-add", "nosuchgroup", "busybox", "true")
        #expect(r.status == 125 && r.err.contains("nosuchgroup"), "\(r.err)")

        #expect(
            root.skiff("run", "--name", "vsrc", "-v", "vfdata:/data", "busybox", "sh", "-c", "echo shared > /data/f")
                .status == 0)
        r = root.skiff(
            "run", "--rm", "--volumes-from", "vsrc:ro", "busybox", "sh", "-c", "cat /data/f; echo x > /data/g")
        #expect(r.out == "shared\n" && r.err.contains("Read-only file system"), "\(r.out) \(r.err)")
    }

    /// Docker sends the stop signal to a paused container and then thaws it, so its handler runs at
    /// once: the exit is the handler's (3), not the SIGKILL (137) that ends a wait for a frozen process.
    @Test func stopOfAPausedContainerDeliversTheSignal() throws {
        let root = try CLIRoot(prefix: "skiff-compat-pause-")
        defer { root.cleanUp() }
        let r = root.skiff(
            "run", "-d", "--name", "frozen", "busybox", "sh", "-c",
            "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.2; done")
        try #require(r.status == 0, "\(r.err)")
        #expect(root.eventually(20) { root.skiff("logs", "frozen").out.contains("ready") })
        #expect(root.skiff("pause", "frozen").status == 0)
        #expect(root.inspect("frozen", "{{.State.Status}}") == "paused")
        // Docker refuses an exec into a paused container (it would hang in the frozen cgroup).
        let exec = root.skiff(["exec", "frozen", "true"], timeout: 20)
        #expect(exec.status != 0 && exec.err.contains("is paused, unpause the container before exec"), "\(exec.err)")
        let stop = root.skiff(["stop", "-t", "120", "frozen"], timeout: 150)
        #expect(stop.status == 0, "\(stop.err)")
        #expect(root.inspect("frozen", "{{.State.ExitCode}}") == "3")
        #expect(root.skiff("logs", "frozen").out.contains("got-term"))
    }
}

/// A loop device over a file, detached by the test.
struct LoopDevice {
    let path: String
    let major: Int
    let minor: Int

    init?(file: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
        p.arguments = ["-f", "--show", file]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var st = stat()
        guard p.terminationStatus == 0, stat(path, &st) == 0 else { return nil }
        self.path = path
        major = Int((((UInt64(st.st_rdev) >> 32) & 0xffff_f000) | ((UInt64(st.st_rdev) >> 8) & 0xfff)))
        minor = Int((((UInt64(st.st_rdev) >> 12) & 0xffff_ff00) | (UInt64(st.st_rdev) & 0xff)))
    }

    func detach() {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
        p.arguments = ["-d", path]
        try? p.run()
        p.waitUntilExit()
    }
}
