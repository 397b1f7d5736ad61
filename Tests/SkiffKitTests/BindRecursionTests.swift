import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Read-only binds over a host directory that has a mount inside it, driven through the built CLI: Docker
/// 25+ makes `-v …:ro` and `--mount …,readonly` read-only all the way down, `bind-recursive=writable`
/// keeps the submount writable, `disabled` (and the older `bind-nonrecursive`) leaves it out. Also
/// `bind-create-src` and `volume-opt`.
@Suite(
    "Bind recursion and volume options (kernel)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct BindRecursionTests {
    /// A host directory with a tmpfs mounted at `sub` (holding `marker`); unmounted and removed by `close`.
    final class HostTree {
        let top: String
        var sub: String { top + "/sub" }
        init() throws {
            top = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-bind-recursion-")
            try FileIO.makeDirectories(top + "/sub")
            guard mount("tmpfs", top + "/sub", "tmpfs", 0, "size=1m") == 0 else {
                FileIO.removeTree(top)
                throw SystemError("mount tmpfs", path: top + "/sub")
            }
            try FileIO.writeAtomically(top + "/sub/marker", contents: Array("here\n".utf8))
        }
        func close() {
            _ = umount2(sub, Int32(MNT_DETACH))
            FileIO.removeTree(top)
        }
    }

    /// Writes into the submount, then into the bind's own top; prints what each did.
    static let probe = """
        cat /m/sub/marker 2>&1; touch /m/sub/new 2>&1 && echo sub-ok; touch /m/top-new 2>&1 && echo top-ok; true
        """

    @Test func readOnlyVolumeFlagIsRecursive() throws {
        let root = try CLIRoot(prefix: "skiff-rro-v-")
        let tree = try HostTree()
        defer { root.cleanUp(); tree.close() }
        let r = root.skiff("run", "--rm", "-v", "\(tree.top):/m:ro", "busybox", "sh", "-c", Self.probe)
        #expect(r.status == 0, "\(r)")
        #expect(r.out.hasPrefix("here\n"), "the submount is seen: \(r.out)")
        #expect(r.out.contains("/m/sub/new") && r.out.contains("Read-only file system"), "\(r.out)")
        #expect(!r.out.contains("sub-ok") && !r.out.contains("top-ok"), "\(r.out)")
        #expect(!FileIO.exists(tree.sub + "/new"))
    }

    @Test func readOnlyMountFlagIsRecursive() throws {
        let root = try CLIRoot(prefix: "skiff-rro-mount-")
        let tree = try HostTree()
        defer { root.cleanUp(); tree.close() }
        for extra in ["", ",bind-recursive=enabled", ",bind-propagation=rprivate,bind-recursive=readonly"] {
            let r = root.skiff(
                "run", "--rm", "--mount", "type=bind,src=\(tree.top),dst=/m,readonly" + extra, "busybox", "sh", "-c",
                Self.probe)
            #expect(r.status == 0, "\(extra): \(r)")
            #expect(r.out.hasPrefix("here\n") && r.out.contains("Read-only file system"), "\(extra): \(r.out)")
            #expect(!r.out.contains("sub-ok") && !r.out.contains("top-ok"), "\(extra): \(r.out)")
        }
        #expect(!FileIO.exists(tree.sub + "/new"))
    }

    @Test func writableRecursionKeepsTheSubmountWritable() throws {
        let root = try CLIRoot(prefix: "skiff-rro-writable-")
        let tree = try HostTree()
        defer { root.cleanUp(); tree.close() }
        let r = root.skiff(
            "run", "--rm", "--mount", "type=bind,src=\(tree.top),dst=/m,readonly,bind-recursive=writable", "busybox",
            "sh", "-c", Self.probe)
        #expect(r.status == 0, "\(r)")
        #expect(r.out.contains("sub-ok") && !r.out.contains("top-ok"), "\(r.out)")
        #expect(r.out.contains("/m/top-new") && r.out.contains("Read-only file system"), "\(r.out)")
        #expect(FileIO.exists(tree.sub + "/new"))
        let flag = "type=bind,src=\(tree.top),dst=/m,readonly,bind-recursive=writable"
        #expect(root.skiff("create", "--name", "w", "--mount", flag, "busybox").status == 0)
        #expect(
            root.inspect("w", "{{json .HostConfig.Mounts}}")
                == #"[{"BindOptions":{"ReadOnlyNonRecursive":true},"ReadOnly":true,"Source":""#
                + tree.top + #"","Target":"/m","Type":"bind"}]"#)
    }

    @Test(arguments: ["bind-recursive=disabled", "bind-nonrecursive", "bind-nonrecursive=true"])
    func disabledRecursionLeavesTheSubmountOut(_ option: String) throws {
        let root = try CLIRoot(prefix: "skiff-rbind-off-")
        let tree = try HostTree()
        defer { root.cleanUp(); tree.close() }
        let r = root.skiff(
            "run", "--rm", "--mount", "type=bind,src=\(tree.top),dst=/m,\(option)", "busybox", "sh", "-c",
            "ls -A /m/sub; echo end; grep -c ' /m/sub ' /proc/self/mountinfo; true")
        #expect(r.status == 0, "\(r)")
        #expect(r.out == "end\n0\n", "the container sees the empty directory: \(r.out)")
    }

    /// Compose: a read-only bind is recursive, `bind.recursive: disabled` leaves the submount out.
    @Test func composeBindRecursion() throws {
        let root = try CLIRoot(prefix: "skiff-rro-compose-")
        let tree = try HostTree()
        defer {
            root.skiff("compose", "-f", root.path + "/proj/compose.yaml", "down")
            root.cleanUp()
            tree.close()
        }
        try FileIO.makeDirectories(root.path + "/proj")
        let yaml = """
            services:
              app:
                image: busybox
                command: sh -c "cat /a/sub/marker; touch /a/sub/x 2>&1; ls -A /b/sub; echo end"
                volumes:
                  - type: bind
                    source: \(tree.top)
                    target: /a
                    read_only: true
                  - type: bind
                    source: \(tree.top)
                    target: /b
                    bind:
                      recursive: disabled
            """
        try FileIO.writeAtomically(root.path + "/proj/compose.yaml", contents: Array(yaml.utf8))
        let r = root.skiff("compose", "-f", root.path + "/proj/compose.yaml", "run", "--rm", "app")
        #expect(r.status == 0, "\(r)")
        #expect(r.out == "here\ntouch: /a/sub/x: Read-only file system\nend\n", "\(r)")
    }

    /// `bind-create-src` makes a missing source, as `-v` does; without it --mount refuses one.
    @Test func createSource() throws {
        let root = try CLIRoot(prefix: "skiff-bind-create-src-")
        defer { root.cleanUp() }
        let missing = root.path + "/host/made/here"
        let refused = root.skiff("run", "--rm", "--mount", "type=bind,src=\(missing),dst=/m", "busybox", "true")
        #expect(refused.status == 125 && refused.err.contains("bind source path does not exist"), "\(refused)")
        let r = root.skiff(
            "run", "--rm", "--mount", "type=bind,src=\(missing),dst=/m,bind-create-src", "busybox", "sh", "-c",
            "echo hi > /m/f")
        #expect(r.status == 0, "\(r)")
        #expect((try? String(contentsOfFile: missing + "/f", encoding: .utf8)) == "hi\n")
    }

    /// `volume-opt`: the local driver's options for the volume the mount makes; ignored (as Docker does)
    /// once the volume exists.
    @Test func volumeOptions() throws {
        let root = try CLIRoot(prefix: "skiff-volume-opt-")
        defer {
            _ = root.skiff("volume", "rm", "-f", "vo")
            root.cleanUp()
        }
        let opts = "volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=2m"
        let r = root.skiff(
            "run", "--rm", "--mount", "type=volume,src=vo,dst=/v,\(opts)", "busybox", "sh", "-c",
            "grep ' /v ' /proc/self/mountinfo | cut -d' ' -f9-")
        #expect(r.status == 0 && r.out.hasPrefix("tmpfs rw") && r.out.contains("size=2048k"), "\(r)")
        #expect(
            root.skiff("volume", "inspect", "-f", "{{json .Options}}", "vo").out
                == #"{"device":"tmpfs","o":"size=2m","type":"tmpfs"}"# + "\n")
        let again = root.skiff(
            "run", "--rm", "--mount", "type=volume,src=vo,dst=/v,volume-opt=type=nfs", "busybox", "true")
        #expect(again.status == 0, "\(again)")
        #expect(
            root.skiff("volume", "inspect", "-f", "{{json .Options}}", "vo").out
                == #"{"device":"tmpfs","o":"size=2m","type":"tmpfs"}"# + "\n")
        let bad = root.skiff("run", "--rm", "--mount", "type=volume,src=vo2,dst=/v,volume-opt=colour=red", "busybox")
        #expect(bad.status == 125 && bad.err.contains("invalid option key: \"colour\""), "\(bad)")
        #expect(root.skiff("volume", "ls", "-q").out == "vo\n")
    }
}
