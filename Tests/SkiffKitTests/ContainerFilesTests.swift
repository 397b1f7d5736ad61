import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// What a container's directory holds, and when its record is written (issue 15: every file a start makes
/// is an inode to allocate, and a record written twice is one more to free).
@Suite(
    "Container files (what run -d makes, the record written once by create)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ContainerFilesTests {
    static func entries(_ root: CLIRoot, _ id: String) -> [String] {
        let dir = root.engine.containers.directory(of: id)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    /// The container directories under the store (no record, no matter: a leftover is a leftover).
    static func directories(_ root: CLIRoot) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.engine.containers.root)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func aDetachedStartMakesOnlyItsOwnFiles() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff("run", "-d", "--network", "none", "busybox", "sleep", "1000")
        #expect(run.status == 0, "stderr: \(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        // `run -d` returns once the container runs, before its monitor has made the log (the launching
        // process reports the start, then execs the monitor): wait for that, then nothing more may be there.
        #expect(
            root.eventually(10) { Self.entries(root, id).contains("log.jsonl") },
            "no log.jsonl: \(Self.entries(root, id))")
        // No lock file (records are locked by a flock of the directory), no monitor.pid, no temp file.
        #expect(
            Self.entries(root, id) == [
                "attach.sock", "config.json", "container.json", "hostname", "hosts", "log.jsonl", "resolv.conf",
                "rootfs", "upper", "work",
            ])
        #expect(root.inspect(id, "{{.State.Status}}") == "running")
        #expect(root.skiff("rm", "-f", id).status == 0)
        #expect(Self.directories(root).isEmpty)
    }

    /// A taken --name is refused before anything is made; a create that fails after its directory was made
    /// (a working directory through a file of the image) leaves no directory, and no record.
    @Test func aFailedCreateLeavesNothing() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("create", "--name", "taken", "busybox", "true").status == 0)
        let again = root.skiff("create", "--name", "taken", "busybox", "true")
        #expect(
            again.status == 125 && again.err.contains("the container name \"taken\" is already in use"),
            "stderr: \(again.err)")
        #expect(Self.directories(root).count == 1)

        let late = root.skiff("create", "--name", "late", "-w", "/bin/sh/x", "busybox", "true")
        #expect(late.status == 125 && late.err.contains("working directory /bin/sh/x"), "stderr: \(late.err)")
        #expect(Self.directories(root).count == 1)
        #expect(root.skiff("ps", "-a", "--format", "{{.Names}}").out == "taken\n")
        #expect(root.skiff("rm", "taken").status == 0)
        #expect(Self.directories(root).isEmpty)
    }

    /// A create killed half-way leaves a directory without a record (the record is written last):
    /// `container prune` removes it once it has sat untouched for an hour, and never one being made now.
    @Test func pruneRemovesWhatAKilledCreateLeft() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let store = root.engine.containers
        for id in ["a", "b"].map({ String(repeating: $0, count: 64) }) {
            try FileManager.default.createDirectory(
                atPath: store.directory(of: id) + "/upper/etc", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(
                atPath: store.directory(of: id) + "/config.json", contents: Data("{}".utf8))
        }
        let old = Date().addingTimeInterval(-7200)
        try FileManager.default.setAttributes(
            [.modificationDate: old], ofItemAtPath: store.directory(of: String(repeating: "a", count: 64)))
        #expect(root.skiff("container", "prune", "-f").status == 0)
        #expect(Self.directories(root) == [String(repeating: "b", count: 64)])
        try FileManager.default.removeItem(atPath: store.directory(of: String(repeating: "b", count: 64)))
    }

    /// A container made before records were locked through their directory has a `lock` file (and its
    /// monitor a `monitor.pid`): it still stops, starts and is removed with everything in it.
    @Test func aContainerWithTheOldLockFileStillWorks() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff("run", "-d", "--network", "none", "--name", "old", "busybox", "sleep", "1000")
        #expect(run.status == 0, "stderr: \(run.err)")
        let id = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = root.engine.containers.directory(of: id)
        #expect(FileManager.default.createFile(atPath: dir + "/lock", contents: Data()))
        #expect(root.skiff("stop", "-t", "1", "old").status == 0)
        #expect(root.inspect("old", "{{.State.Status}}") == "exited")
        #expect(root.skiff("start", "old").status == 0)
        #expect(root.inspect("old", "{{.State.Status}}") == "running")
        #expect(root.skiff("rm", "-f", "old").status == 0)
        #expect(Self.directories(root).isEmpty)
    }
}
