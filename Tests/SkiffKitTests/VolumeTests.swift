import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import Testing

/// Volumes end to end, driving the built `skiff` CLI as a user would, each test in its own SKIFF_ROOT:
/// named volumes outlive containers, copy-up, read-only mounts, binds, tmpfs, anonymous volumes,
/// `skiff volume …`, and symlinks in an image that try to send a mount onto the host.
@Suite(
    "Volumes (-v, --mount, --tmpfs, --volumes-from, skiff volume)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct VolumeTests {
    final class Root: CLIRoot, @unchecked Sendable {
        init() throws { try super.init(prefix: "skiff-vol-test-") }

        /// An image: busybox plus layers made by `layers` (each closure fills one directory), with VOLUMEs.
        func makeImage(_ name: String, volumes: [String] = [], layers: [(String) throws -> Void]) throws {
            var dirs = [TestImage.busyboxRootfs]
            for (i, fill) in layers.enumerated() {
                let dir = path + "/layer-\(name.replacingOccurrences(of: ":", with: "-"))-\(i)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try fill(dir)
                dirs.append(dir)
            }
            var config = TestImage.busyboxConfig()
            if !volumes.isEmpty {
                config.Volumes = Dictionary(uniqueKeysWithValues: volumes.map { ($0, EmptyObject()) })
            }
            try TestImage.make(name, layers: dirs, config: config, store: engine.images, scratch: path)
        }

        func volumeNames() -> [String] {
            skiff("volume", "ls", "-q").out.split(separator: "\n").map(String.init)
        }

        func cleanUp() { cleanUp(removeVolumes: true) }

        /// No half-made or half-removed volume directory.
        override func checkBeforeRemoval() {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path + "/volumes")) ?? []
            #expect(
                !entries.contains { $0.hasPrefix(".new-") || $0.hasPrefix(".rm-") }, "volume temp dirs left: \(entries)"
            )
        }
    }

    // MARK: named volumes

    /// The talk's database case: what one container writes to a named volume is there in the next one,
    /// after the first is removed.
    @Test func namedVolumeOutlivesItsContainer() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let first = root.skiff(
            "run", "--name", "db", "-v", "dbdata:/var/lib/db", "busybox", "sh", "-c",
            "echo superuser > /var/lib/db/users && echo record-1 >> /var/lib/db/records")
        #expect(first.status == 0, "stderr: \(first.err)")
        #expect(root.volumeNames() == ["dbdata"])
        #expect(root.skiff("rm", "-v", "db").status == 0)
        #expect(root.volumeNames() == ["dbdata"], "rm -v keeps named volumes")
        let second = root.skiff(
            "run", "--rm", "-v", "dbdata:/var/lib/db", "busybox", "cat", "/var/lib/db/users", "/var/lib/db/records")
        #expect(second.out == "superuser\nrecord-1\n", "stderr: \(second.err)")
        // --mount names the same volume.
        let third = root.skiff("run", "--rm", "--mount", "type=volume,src=dbdata,dst=/d", "busybox", "cat", "/d/users")
        #expect(third.out == "superuser\n")

        let inspect = root.skiff("volume", "inspect", "dbdata")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [[String: Any]]).first
        #expect(doc?["Name"] as? String == "dbdata")
        #expect(doc?["Driver"] as? String == "local")
        #expect(doc?["Mountpoint"] as? String == root.path + "/volumes/dbdata/_data")
        #expect(root.skiff("volume", "rm", "dbdata").status == 0)
        #expect(root.volumeNames().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/volumes/dbdata"))
    }

    @Test func volumeCommands() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let made = root.skiff("volume", "create", "--label", "tier=db", "--label", "team=x", "vol1")
        #expect(made.status == 0 && made.out == "vol1\n", "stderr: \(made.err)")
        #expect(root.skiff("volume", "create", "vol1").status == 0, "creating an existing volume is no error")
        #expect(root.skiff("volume", "inspect", "-f", "{{.Labels.tier}} {{.Driver}}", "vol1").out == "db local\n")
        let bad = root.skiff("volume", "create", "no/slash")
        #expect(bad.status != 0 && bad.err.contains("invalid characters for a local volume name"))
        #expect(root.skiff("volume", "create", "vol2").status == 0)
        #expect(root.skiff("run", "--name", "user", "-v", "vol2:/v", "busybox", "true").status == 0)
        #expect(root.skiff("volume", "ls", "-q", "--filter", "dangling=true").out == "vol1\n")
        #expect(root.skiff("volume", "ls", "-q", "--filter", "dangling=false").out == "vol2\n")
        #expect(root.skiff("volume", "ls", "-q", "--filter", "label=tier=db").out == "vol1\n")
        let table = root.skiff("volume", "ls").out
        #expect(table.hasPrefix("DRIVER") && table.contains("local") && table.contains("vol2"))
        let missing = root.skiff("volume", "inspect", "nope")
        #expect(missing.status != 0 && missing.err.contains("no such volume: nope"))
        #expect(root.skiff("volume", "rm", "nope").status != 0)
        #expect(root.skiff("volume", "rm", "-f", "nope").status == 0)
        // prune: anonymous ones by default, every unused one with -a; a used one stays.
        #expect(root.skiff("volume", "prune", "-f").out.contains("Total reclaimed space"))
        #expect(root.volumeNames() == ["vol1", "vol2"])
        #expect(root.skiff("volume", "prune", "-a", "-f").out.contains("vol1"))
        #expect(root.volumeNames() == ["vol2"])
        // system df counts them; system prune --volumes removes unused anonymous ones.
        #expect(root.skiff("run", "--name", "anon", "-v", "/a", "busybox", "true").status == 0)
        let df = root.skiff("system", "df").out
        let line = df.split(separator: "\n").first { $0.hasPrefix("Local Volumes") }?.split(separator: " ").map(
            String.init)
        #expect(line?.prefix(4) == ["Local", "Volumes", "2", "2"], "df: \(df)")
        #expect(root.skiff("rm", "anon").status == 0)
        #expect(root.skiff("system", "prune", "-f", "--volumes").out.contains("Deleted Volumes"))
        #expect(root.volumeNames() == ["vol2"])
    }

    /// `volume rm` is refused while a container uses the volume, naming the container; `-f` removes it
    /// from a stopped container (which gets an empty one back at its next start), never from a running one.
    @Test func removingAVolumeInUseIsRefused() throws {
        let root = try Root()
        defer { root.cleanUp() }
        #expect(
            root.skiff("run", "--name", "keeper", "-v", "busy:/d", "busybox", "sh", "-c", "echo x > /d/f").status == 0)
        let refused = root.skiff("volume", "rm", "busy")
        #expect(refused.status != 0)
        #expect(refused.err.contains("volume is in use") && refused.err.contains("keeper"), "stderr: \(refused.err)")
        #expect(root.volumeNames() == ["busy"])

        #expect(root.skiff("run", "-d", "--name", "runner", "-v", "live:/d", "busybox", "sleep", "1000").status == 0)
        let running = root.skiff("volume", "rm", "-f", "live")
        #expect(running.status != 0 && running.err.contains("runner"), "stderr: \(running.err)")

        #expect(root.skiff("volume", "rm", "-f", "busy").status == 0)
        #expect(!root.volumeNames().contains("busy"))
        // The stopped container starts again with a fresh, empty volume.
        let again = root.skiff("start", "-a", "keeper")
        #expect(again.status == 0, "stderr: \(again.err)")
        #expect(root.volumeNames().contains("busy"))
        #expect(root.skiff("rm", "-f", "runner").status == 0)
        #expect(root.skiff("volume", "rm", "live").status == 0)
    }

    /// A --rm container whose monitor and process were SIGKILLed: `volume rm` neither hangs nor calls it
    /// running, and the repair that follows removes the container and its anonymous volume.
    @Test func volumeRmAfterAKilledMonitor() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--rm", "--name", "doomed", "-v", "kept:/k", "-v", "/anon", "busybox", "sleep", "1000")
        #expect(run.status == 0, "stderr: \(run.err)")
        let record = try root.engine.containers.find("doomed")
        let monitor = try #require(record.monitorPid)
        let pid = try #require(record.pid)
        kill(monitor, SIGKILL)
        kill(pid, SIGKILL)
        #expect(root.eventually { kill(pid, 0) != 0 && kill(monitor, 0) != 0 })
        let refused = root.skiff("volume", "rm", "kept", timeout: 20)
        #expect(
            refused.status != 0 && refused.err.contains("doomed") && !refused.err.contains("running"),
            "stderr: \(refused.err)")
        #expect(root.skiff("volume", "rm", "-f", "kept", timeout: 20).status == 0)
        #expect(root.skiff("ps", "-a", "-q").out == "")
        #expect(root.volumeNames().isEmpty)
    }

    // MARK: copy-up

    /// A new, empty volume over an image directory gets its content (owners, modes, symlinks; whiteouts
    /// of a later layer respected); a volume with data is never written; nocopy keeps it empty.
    @Test func copyUpOfImageContent() throws {
        let root = try Root()
        defer { root.cleanUp() }
        try root.makeImage(
            "seeded:1",
            layers: [
                { dir in
                    let data = dir + "/srv/data"
                    try FileManager.default.createDirectory(
                        atPath: data + "/sub/deeper", withIntermediateDirectories: true)
                    try "seed\n".write(toFile: data + "/seed.txt", atomically: false, encoding: .utf8)
                    try "deep\n".write(toFile: data + "/sub/deeper/file", atomically: false, encoding: .utf8)
                    try "doomed\n".write(toFile: data + "/gone.txt", atomically: false, encoding: .utf8)
                    try FileManager.default.createSymbolicLink(atPath: data + "/link", withDestinationPath: "seed.txt")
                    try "linked\n".write(toFile: data + "/sub/hard1", atomically: false, encoding: .utf8)
                    try FileManager.default.linkItem(atPath: data + "/sub/hard1", toPath: data + "/sub/deeper/hard2")
                    chown(data, 1000, 1001); chmod(data, 0o750)
                    chown(data + "/seed.txt", 1000, 1001); chmod(data + "/seed.txt", 0o640)
                    chmod(data + "/sub", 0o711)
                },
                { dir in
                    // A later layer deletes gone.txt (an OCI whiteout).
                    try FileManager.default.createDirectory(
                        atPath: dir + "/srv/data", withIntermediateDirectories: true)
                    _ = FileManager.default.createFile(atPath: dir + "/srv/data/.wh.gone.txt", contents: Data())
                    try "later\n".write(toFile: dir + "/srv/data/later.txt", atomically: false, encoding: .utf8)
                    chown(dir + "/srv/data", 1000, 1001); chmod(dir + "/srv/data", 0o750)
                },
            ])
        let listing =
            "cd /srv/data && ls -A && cat seed.txt sub/deeper/file later.txt link && stat -c '%a %u:%g' . seed.txt sub"
        let expected =
            "later.txt\nlink\nseed.txt\nsub\nseed\ndeep\nlater\nseed\n750 1000:1001\n640 1000:1001\n711 0:0\n"
        let first = root.skiff("run", "--rm", "-v", "seeded:/srv/data", "seeded:1", "sh", "-c", listing)
        #expect(first.out == expected, "stderr: \(first.err)")
        // The data is in the volume on the host, too.
        let data = root.path + "/volumes/seeded/_data"
        #expect((try? String(contentsOfFile: data + "/seed.txt", encoding: .utf8)) == "seed\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: data + "/link")) == "seed.txt")
        // Hard links stay links.
        var one = stat(), two = stat()
        #expect(lstat(data + "/sub/hard1", &one) == 0 && lstat(data + "/sub/deeper/hard2", &two) == 0)
        #expect(one.st_ino == two.st_ino && one.st_nlink == 2)

        // Eight containers made at once over one new volume: one copy-up, every run sees it whole.
        final class Statuses: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int32] = []
        }
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let r = root.skiff("run", "--rm", "-v", "racing:/srv/data", "seeded:1", "cat", "/srv/data/sub/deeper/file")
            statuses.lock.withLock {
                statuses.values.append(r.status == 0 && r.out == "deep\n" ? 0 : r.status == 0 ? -1 : r.status)
            }
        }
        #expect(statuses.values == Array(repeating: 0, count: 8))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: root.path + "/volumes/racing/_data").sorted()
                == ["later.txt", "link", "seed.txt", "sub"])

        // An existing volume is never overwritten: changes stay, deleted files stay deleted.
        #expect(
            root.skiff(
                "run", "--rm", "-v", "seeded:/srv/data", "seeded:1", "sh", "-c",
                "echo changed > /srv/data/seed.txt && rm /srv/data/later.txt"
            ).status == 0)
        let after = root.skiff(
            "run", "--rm", "-v", "seeded:/srv/data", "-w", "/srv/data", "seeded:1", "sh", "-c", "cat seed.txt; ls -A")
        #expect(after.out == "changed\nlink\nseed.txt\nsub\n", "stderr: \(after.err)")

        // A volume that already has content gets nothing from the image.
        #expect(root.skiff("run", "--rm", "-v", "other:/elsewhere", "busybox", "touch", "/elsewhere/mine").status == 0)
        #expect(root.skiff("run", "--rm", "-v", "other:/srv/data", "seeded:1", "ls", "-A", "/srv/data").out == "mine\n")
        // nocopy: empty.
        #expect(
            root.skiff(
                "run", "--rm", "--mount", "type=volume,src=bare,dst=/srv/data,volume-nocopy", "seeded:1",
                "ls", "-A", "/srv/data"
            ).out == "")
        #expect(
            root.skiff("run", "--rm", "-v", "bare2:/srv/data:nocopy", "seeded:1", "ls", "-A", "/srv/data").out == "")
        // A bind mount is never copied into.
        let host = root.path + "/bind-empty"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        #expect(root.skiff("run", "--rm", "-v", "\(host):/srv/data", "seeded:1", "ls", "-A", "/srv/data").out == "")
    }

    // MARK: read-only, binds, tmpfs

    @Test func readOnlyMountsRefuseWrites() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let host = root.path + "/ro-host"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        for args in [
            ["-v", "rov:/data:ro"], ["--mount", "type=volume,source=rov,target=/data,readonly"],
            ["-v", "\(host):/data:ro"], ["--mount", "type=bind,src=\(host),dst=/data,ro=true"],
            ["--tmpfs", "/data:ro"],
        ] {
            let r = root.skiff(["run", "--rm"] + args + ["busybox", "sh", "-c", "echo x > /data/f"])
            #expect(r.status != 0 && r.err.contains("Read-only file system"), "\(args): \(r.status) \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: host + "/f"))
        #expect(root.skiff("run", "--rm", "-v", "rov:/data", "busybox", "sh", "-c", "echo x > /data/f").status == 0)
    }

    /// The talk's "your code in the container": host edits show live, and files the container makes
    /// appear on the host. `-v` creates a missing host path; `--mount type=bind` refuses it.
    @Test func bindMountIsLive() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let host = root.path + "/code"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try "v1\n".write(toFile: host + "/app.txt", atomically: false, encoding: .utf8)
        let run = root.skiff("run", "-d", "--name", "dev", "-v", "\(host):/app", "busybox", "sleep", "1000")
        #expect(run.status == 0, "stderr: \(run.err)")
        #expect(root.skiff("exec", "dev", "cat", "/app/app.txt").out == "v1\n")
        try "v2\n".write(toFile: host + "/app.txt", atomically: false, encoding: .utf8)
        #expect(root.skiff("exec", "dev", "cat", "/app/app.txt").out == "v2\n")
        #expect(root.skiff("exec", "dev", "sh", "-c", "echo built > /app/out.log").status == 0)
        #expect((try? String(contentsOfFile: host + "/out.log", encoding: .utf8)) == "built\n")

        // inspect shows the mount Docker's way.
        let mounts = root.skiff("inspect", "-f", "{{json .Mounts}}", "dev").out
        #expect(
            mounts.contains("\"Type\":\"bind\"") && mounts.contains("\"Source\":\"\(host)\"")
                && mounts.contains("\"Destination\":\"/app\""),
            "Mounts: \(mounts)")

        // A single file can be bound too.
        let one = root.skiff(
            "run", "--rm", "--mount", "type=bind,src=\(host)/app.txt,dst=/etc/app.txt,readonly", "busybox",
            "cat", "/etc/app.txt")
        #expect(one.out == "v2\n", "stderr: \(one.err)")

        let created = root.path + "/made/by/dash-v"
        #expect(root.skiff("run", "--rm", "-v", "\(created):/m", "busybox", "true").status == 0)
        #expect(FileIO.isDirectory(created))
        let missing = root.skiff(
            "run", "--rm", "--mount", "type=bind,src=\(root.path)/absent,dst=/m", "busybox", "true")
        #expect(missing.status != 0 && missing.err.contains("bind source path does not exist"))
        #expect(!FileManager.default.fileExists(atPath: root.path + "/absent"))
        let relative = root.skiff("run", "--rm", "-v", "code/dir:/m", "busybox", "true")
        #expect(
            relative.status != 0 && relative.err.contains("-v code/dir:/m")
                && relative.err.contains("use absolute path"))
    }

    /// tmpfs is empty at every start, while volumes and the writable layer keep their data across
    /// stop/start (the mounts come back).
    @Test func tmpfsIsEmptyOnEachStart() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "t", "--tmpfs", "/scratch:size=8m", "-v", "keep:/keep", "busybox",
            "sleep", "1000")
        #expect(run.status == 0, "stderr: \(run.err)")
        #expect(
            root.skiff("exec", "t", "sh", "-c", "echo x > /scratch/f && echo y > /keep/f && echo z > /upper-f").status
                == 0)
        #expect(root.skiff("exec", "t", "ls", "-A", "/scratch").out == "f\n")
        #expect(root.skiff("stop", "-t", "1", "t").status == 0)
        #expect(root.skiff("start", "t").status == 0)
        #expect(root.skiff("exec", "t", "ls", "-A", "/scratch").out == "")
        #expect(root.skiff("exec", "t", "cat", "/keep/f", "/upper-f").out == "y\nz\n")
        let mounts = root.skiff("exec", "t", "cat", "/proc/mounts").out
        #expect(mounts.contains("tmpfs /scratch tmpfs") && mounts.contains(" /keep "), "mounts: \(mounts)")
        #expect(root.skiff("rm", "-f", "t").status == 0)
    }

    // MARK: anonymous volumes

    /// Every image VOLUME (and `-v /path`) gets an anonymous volume, with copy-up; `--rm` and `rm -v`
    /// remove them, plain `rm` leaves them dangling for `volume prune`.
    @Test func anonymousVolumesGoWithTheContainer() throws {
        let root = try Root()
        defer { root.cleanUp() }
        try root.makeImage(
            "app:1", volumes: ["/var/lib/app"],
            layers: [
                { dir in
                    try FileManager.default.createDirectory(
                        atPath: dir + "/var/lib/app", withIntermediateDirectories: true)
                    try "initial\n".write(toFile: dir + "/var/lib/app/state", atomically: false, encoding: .utf8)
                }
            ])
        let rm = root.skiff(
            "run", "--rm", "app:1", "sh", "-c", "cat /var/lib/app/state; grep -c ' /var/lib/app ' /proc/mounts")
        #expect(rm.out == "initial\n1\n", "stderr: \(rm.err)")
        #expect(root.volumeNames().isEmpty, "--rm removes the anonymous volume")

        #expect(root.skiff("run", "--name", "a", "-v", "/cache", "app:1", "true").status == 0)
        let names = root.volumeNames()
        #expect(names.count == 2 && names.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }, "\(names)")
        let mounts = root.skiff("inspect", "-f", "{{json .Mounts}}", "a").out
        #expect(
            mounts.contains("\"Type\":\"volume\"") && mounts.contains("\"Destination\":\"/var/lib/app\"")
                && mounts.contains("\"Destination\":\"/cache\"") && mounts.contains("\"Driver\":\"local\""),
            "Mounts: \(mounts)")
        #expect(root.skiff("rm", "-v", "a").status == 0)
        #expect(root.volumeNames().isEmpty, "rm -v removes anonymous volumes")

        // A named volume at the VOLUME path replaces the anonymous one; rm -v keeps it.
        #expect(root.skiff("run", "--name", "b", "-v", "named:/var/lib/app", "app:1", "true").status == 0)
        #expect(root.volumeNames() == ["named"])
        #expect(root.skiff("rm", "-v", "b").status == 0)
        #expect(root.volumeNames() == ["named"])

        // Plain rm leaves the anonymous volume dangling; prune removes it.
        #expect(root.skiff("run", "--name", "c", "app:1", "true").status == 0)
        #expect(root.skiff("rm", "c").status == 0)
        let dangling = root.skiff("volume", "ls", "-q", "--filter", "dangling=true").out.split(separator: "\n").map(
            String.init)
        #expect(dangling.count == 2 && dangling.contains("named"))
        #expect(root.skiff("volume", "prune", "-f").status == 0)
        #expect(root.volumeNames() == ["named"])

        // Build RUN steps mount no volumes (BuildKit's way): a write under a VOLUME path stays in the
        // image, and a container of it gets that content copied up into its anonymous volume.
        let context = root.path + "/context"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\nVOLUME /vol\nRUN mkdir -p /vol && echo built > /vol/f\n".write(
            toFile: context + "/Dockerfile", atomically: false, encoding: .utf8)
        let build = root.skiff("build", "-q", "-t", "built:1", context)
        #expect(build.status == 0, "stderr: \(build.err)")
        #expect(root.volumeNames() == ["named"], "a build leaves no volume")
        #expect(root.skiff("run", "--rm", "built:1", "cat", "/vol/f").out == "built\n")
        #expect(root.volumeNames() == ["named"])

        // A detached --rm container: the monitor removes it and its anonymous volume.
        #expect(root.skiff("run", "-d", "--rm", "app:1", "true").status == 0)
        #expect(root.eventually { root.engine.containers.all().isEmpty })
        #expect(root.eventually { root.volumeNames() == ["named"] })
    }

    @Test func volumesFrom() throws {
        let root = try Root()
        defer { root.cleanUp() }
        let host = root.path + "/shared-host"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        #expect(
            root.skiff(
                "run", "--name", "src", "-v", "shared:/shared", "-v", "\(host):/h", "--tmpfs", "/t", "busybox", "sh",
                "-c",
                "echo s > /shared/f && echo h > /h/f"
            ).status == 0)
        let rw = root.skiff(
            "run", "--rm", "--volumes-from", "src", "busybox", "sh", "-c",
            "cat /shared/f /h/f; echo more >> /shared/f; grep -c ' /t ' /proc/mounts")
        #expect(rw.out == "s\nh\n0\n", "stderr: \(rw.err)")
        let ro = root.skiff(
            "run", "--rm", "--volumes-from", "src:ro", "busybox", "sh", "-c", "cat /shared/f; echo x > /shared/g")
        #expect(ro.out == "s\nmore\n" && ro.err.contains("Read-only file system"), "\(ro.out) \(ro.err)")
        let missing = root.skiff("run", "--rm", "--volumes-from", "ghost", "busybox", "true")
        #expect(missing.status != 0 && missing.err.contains("ghost"))
    }

    // MARK: symlinks in the image

    /// An image whose mount target is a symlink out of the rootfs (/data -> /etc, or -> ../../..)
    /// cannot make a mount, or a write through it, reach the host's files.
    @Test func symlinkInImageCannotRedirectAMountToTheHost() throws {
        let root = try Root()
        defer { root.cleanUp() }
        try root.makeImage(
            "evil:etc",
            layers: [
                { dir in
                    try FileManager.default.createSymbolicLink(atPath: dir + "/data", withDestinationPath: "/etc")
                }
            ])
        try root.makeImage(
            "evil:up",
            layers: [
                { dir in
                    try FileManager.default.createSymbolicLink(atPath: dir + "/data", withDestinationPath: "../../..")
                    try FileManager.default.createDirectory(atPath: dir + "/srv", withIntermediateDirectories: true)
                    try FileManager.default.createSymbolicLink(
                        atPath: dir + "/srv/data", withDestinationPath: "../../../../tmp")
                }
            ])
        let marker = "skiff-escape-\(UUID().uuidString)"
        let hostEtcBefore = try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted()
        let hostTmpBefore = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp"))

        // Volume on /data -> /etc: the mount lands on the container's /etc (inside the rootfs).
        let viaVolume = root.skiff(
            "run", "--rm", "-v", "esc:/data", "evil:etc", "sh", "-c", "echo pwned > /data/\(marker)")
        #expect(viaVolume.status == 0, "stderr: \(viaVolume.err)")
        #expect(!FileManager.default.fileExists(atPath: "/etc/" + marker))
        #expect(FileManager.default.fileExists(atPath: root.path + "/volumes/esc/_data/" + marker))
        // Copy-up followed the link inside the image only: the image's /etc, not the host's.
        #expect(FileManager.default.fileExists(atPath: root.path + "/volumes/esc/_data/passwd"))

        // A bind mount onto the same symlink: the host directory appears at the container's /etc.
        let host = root.path + "/bind-src"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        let viaBind = root.skiff(
            "run", "--rm", "-v", "\(host):/data", "evil:etc", "sh", "-c", "echo pwned > /data/\(marker)")
        #expect(viaBind.status == 0, "stderr: \(viaBind.err)")
        #expect(FileManager.default.fileExists(atPath: host + "/" + marker))
        #expect(!FileManager.default.fileExists(atPath: "/etc/" + marker))

        // A link that climbs out (../../..) resolves to the container's root: refused with a clear error.
        let climb = root.skiff("run", "--rm", "-v", "esc2:/data", "evil:up", "sh", "-c", "echo pwned > /data/\(marker)")
        #expect(
            climb.status != 0 && climb.err.contains("/data") && climb.err.contains("root"),
            "\(climb.status) \(climb.err)")
        // ../../../../tmp from /srv stays inside: the container's /tmp, never the host's.
        let tmp = root.skiff(
            "run", "--rm", "-v", "esc3:/srv/data", "evil:up", "sh", "-c",
            "echo pwned > /srv/data/\(marker) && ls /tmp/\(marker)")
        #expect(tmp.status == 0, "stderr: \(tmp.err)")
        #expect(FileManager.default.fileExists(atPath: root.path + "/volumes/esc3/_data/" + marker))

        // A symlink one container plants in a volume cannot redirect the next container's nested mount.
        #expect(
            root.skiff("run", "--rm", "-v", "plant:/data", "busybox", "ln", "-s", "../../../../../../etc", "/data/sub")
                .status == 0)
        let planted = root.path + "/planted-src"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        let nested = root.skiff(
            "run", "--rm", "-v", "plant:/data", "-v", "\(planted):/data/sub", "busybox", "sh", "-c",
            "echo pwned > /data/sub/\(marker)")
        #expect(nested.status == 0, "stderr: \(nested.err)")
        #expect(FileManager.default.fileExists(atPath: planted + "/" + marker))

        #expect(!FileManager.default.fileExists(atPath: "/" + marker))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + marker))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted() == hostEtcBefore)
        let newInTmp = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp")).subtracting(hostTmpBefore)
        #expect(!newInTmp.contains(marker))
    }

    @Test func malformedFlagsNameTheFlag() throws {
        let root = try Root()
        defer { root.cleanUp() }
        for (args, message) in [
            (["-v", "./here:/x"], "-v ./here:/x"),
            (["-v", "data:relative"], "mount path must be absolute"),
            (["--mount", "type=bind,target=/x"], "--mount type=bind,target=/x"),
            (["--mount", "type=volume,src=v,dst=/x,bogus=1"], "unexpected key 'bogus'"),
            (["--tmpfs", "relative"], "--tmpfs relative"),
            (["-v", "a1:/x", "-v", "a2:/x"], "Duplicate mount point: /x"),
            (["--volumes-from", "x:rx"], "--volumes-from x:rx"),
        ] {
            let r = root.skiff(["run", "--rm"] + args + ["busybox", "true"])
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
        }
        #expect(root.volumeNames().isEmpty, "a refused run makes no volume")
        #expect(root.engine.containers.all().isEmpty)
    }
}
