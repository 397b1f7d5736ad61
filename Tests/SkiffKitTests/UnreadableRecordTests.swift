import Foundation
import SkiffImage
import SkiffKit
import Testing

/// Records and blobs that cannot be read are reported, never silently skipped: `ps -a` and `volume ls`
/// name them (and still list the rest), `rm -f` / `volume rm` remove them, image garbage collection
/// keeps every blob while a named manifest is unreadable, and `attach` fails when its wait does.
@Suite(
    "Unreadable records (ps -a, volume ls, rm -f, image GC, attach)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct UnreadableRecordTests {
    func corrupt(_ path: String) throws {
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func psReportsACorruptContainerRecordAndRmForceRemovesIt() throws {
        let root = try CLIRoot(prefix: "skiff-unreadable-test-")
        defer { root.cleanUp() }
        let good = root.skiff("create", "--name", "good", "busybox", "true")
        let bad = root.skiff("create", "--name", "bad", "busybox", "true")
        #expect(good.status == 0 && bad.status == 0, "\(good.err)\(bad.err)")
        let badID = bad.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let record = root.engine.containers.directory(of: badID) + "/container.json"
        try corrupt(record)

        let ps = root.skiff("ps", "-a", "--format", "{{.Names}}")
        #expect(ps.status == 0, "\(ps.err)")
        #expect(ps.out == "good\n")
        #expect(ps.err.contains("skiff: container record \(record) is unreadable: not valid JSON"), "\(ps.err)")

        let inspect = root.skiff("inspect", badID)
        #expect(inspect.status != 0)
        #expect(inspect.err.contains(record), "\(inspect.err)")

        let rm = root.skiff("rm", String(badID.prefix(12)))
        #expect(rm.status != 0 && rm.err.contains("rm -f"), "\(rm.err)")
        let rmForce = root.skiff("rm", "-f", String(badID.prefix(12)))
        #expect(rmForce.status == 0, "\(rmForce.err)")
        #expect(!FileManager.default.fileExists(atPath: root.engine.containers.directory(of: badID)))
        let after = root.skiff("ps", "-a", "--format", "{{.Names}}")
        #expect(after.out == "good\n" && after.err.isEmpty, "\(after.out)\(after.err)")
    }

    @Test func volumeLsReportsACorruptVolumeRecordAndVolumeRmRemovesIt() throws {
        let root = try CLIRoot(prefix: "skiff-unreadable-test-")
        defer { root.cleanUp() }
        #expect(root.skiff("volume", "create", "fine").status == 0)
        #expect(root.skiff("volume", "create", "broken").status == 0)
        let record = root.engine.volumes.directory(of: "broken") + "/volume.json"
        try corrupt(record)

        let ls = root.skiff("volume", "ls", "-q")
        #expect(ls.status == 0, "\(ls.err)")
        #expect(ls.out == "fine\n")
        #expect(ls.err.contains("skiff: volume record \(record) is unreadable: not valid JSON"), "\(ls.err)")

        let rm = root.skiff("volume", "rm", "broken")
        #expect(rm.status == 0, "\(rm.err)")
        #expect(!FileManager.default.fileExists(atPath: root.engine.volumes.directory(of: "broken")))
        #expect(root.skiff("volume", "ls", "-q").err.isEmpty)
    }

    @Test func imageGCKeepsTheLayersOfAnUnreadableManifest() throws {
        let root = try CLIRoot(prefix: "skiff-unreadable-test-")
        defer { root.cleanUp() }
        let busybox = try root.engine.images.resolve("busybox")
        let extra = root.path + "/extra-layer"
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
        try Data("other\n".utf8).write(to: URL(fileURLWithPath: extra + "/other"))
        try TestImage.make(
            "other", layers: [extra], config: TestImage.busyboxConfig(), store: root.engine.images, scratch: root.path)
        let manifestPath = root.engine.images.content.path(of: busybox.manifestDigest)
        try corrupt(manifestPath)

        let rmi = root.skiff("rmi", "other")
        #expect(rmi.status != 0)
        #expect(
            rmi.err.contains("image manifest \(manifestPath) (docker.io/library/busybox:latest) is unreadable"),
            "\(rmi.err)")
        for layer in busybox.manifest.layers {
            #expect(root.engine.images.content.contains(try Digest(layer.digest)), "layer \(layer.digest) was deleted")
        }
        #expect(root.engine.images.content.contains(busybox.configDigest))

        // The unreadable image itself can still be removed, and then the collection runs again.
        let rmiBad = root.skiff("rmi", "busybox")
        #expect(rmiBad.status == 0, "\(rmiBad.err)")
        #expect(root.engine.images.content.all().isEmpty, "\(root.engine.images.content.all())")
    }

    /// An attach takes the exit status from the monitor's last frame, so it reports the container's
    /// code even when the record became unreadable meanwhile; `wait`, which reads the record, fails naming it.
    @Test func attachReportsTheMonitorsStatusAndWaitNamesTheRecord() throws {
        let root = try CLIRoot(prefix: "skiff-unreadable-test-")
        defer { root.cleanUp() }
        let run = root.skiff("run", "-d", "--name", "waiter", "busybox", "sh", "-c", "sleep 2; exit 3")
        #expect(run.status == 0, "\(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let errPath = root.path + "/.attach-err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { unlink(errPath) }
        let attach = root.launch(
            ["attach", "--no-stdin", "waiter"], stdout: FileHandle.nullDevice,
            stderr: FileHandle(forWritingAtPath: errPath)!)
        usleep(800_000)
        let record = root.engine.containers.directory(of: id) + "/container.json"
        try corrupt(record)
        attach.waitUntilExit()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(attach.terminationStatus == 3, "\(err)")
        let wait = root.skiff("wait", id)
        #expect(wait.status != 0 && wait.err.contains(record), "\(wait.err)")
        #expect(root.skiff("rm", "-f", id).status == 0)
    }
}
