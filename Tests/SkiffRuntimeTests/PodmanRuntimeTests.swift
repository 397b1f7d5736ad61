import Foundation
import Glibc
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// Podman (Debian's, with conmon) driving `skiff-oci` as its OCI runtime (`--runtime`): the proof that
/// runc's command line is taken as runc's callers use it (create --bundle --pid-file, start, state,
/// exec --process, kill, delete, pause, resume; a terminal through --console-socket). Podman's default nofile limit
/// (1048576) is above this machine's hard limit, hence the --ulimit flags, as with crun.
@Suite(
    "Podman with skiff-oci as its runtime", .serialized,
    .enabled(if: PodmanFixture.available, "needs podman, Scripts/make-fixtures and make-images"))
struct PodmanRuntimeTests {
    static var image: String { PodmanFixture.image }
    /// Written outside any --root: podman's blob-info cache and network dir, and skiff-oci's default
    /// state root (podman passes no --root to its runtime, and its clean-up command would not keep one).
    static let globalDirs = ["/var/lib/containers", "/run/containers", "/run/skiff/oci"]
    /// Podman's parent cgroups (cgroupfs manager), in every v1 hierarchy or on v2.
    static var parentCgroups: [String] {
        let v1 = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return (v1.map { "/sys/fs/cgroup/\($0)/libpod_parent" } + ["/sys/fs/cgroup/libpod_parent"])
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Run a bash command line; output is stdout and stderr together, through a file. Not with
    /// Foundation's Process: it learns of the exit through a socket the child inherits, which the conmon
    /// of a detached container would keep open. Every fd above stderr is closed by the shell first, so
    /// conmon holds none of this process's pipes either (glibc's addclosefrom_np is not in Swift's Glibc).
    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) { TestShell.run(command) }

    @Test func runExecStopStartAndATerminal() throws {
        let oci = try #require(SkiffBinary.ociPath, "skiff-oci was not built")
        let lock = try PodmanLock()
        defer { lock.release() }
        let preexisting = Self.globalDirs.filter { FileManager.default.fileExists(atPath: $0) } + Self.parentCgroups
        var template = Array("/tmp/skiff-test-podman-rt-XXXXXX".utf8CString)
        try #require(mkdtemp(&template) != nil)
        let dir = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let podman =
            "podman --root '\(dir)/root' --runroot '\(dir)/run' --tmpdir '\(dir)/tmp' --storage-driver vfs "
            + "--cgroup-manager cgroupfs --events-backend none --runtime '\(oci)'"
        let limits = "--network none --ulimit nofile=20000:20000 --ulimit nproc=1024:1024"
        @discardableResult
        func run(_ args: String) -> (status: Int32, output: String) { Self.shell(podman + " " + args) }
        defer {
            run("rm -fa")
            // conmon runs `podman container cleanup` when a container exits, in the background; wait for
            // those, or one would make podman's global cache again after it is removed below.
            let name = (dir as NSString).lastPathComponent
            let pattern = "[" + String(name.prefix(1)) + "]" + name.dropFirst()
            Self.shell("for i in $(seq 200); do pgrep -f '\(pattern)' >/dev/null || break; sleep 0.05; done")
            run("system reset -f")
            Self.shell("umount -R '\(dir)/root' '\(dir)/run' 2>/dev/null; rm -rf '\(dir)'")
            for path in Self.globalDirs where !preexisting.contains(path) { FileIO.removeTree(path) }
            for cgroup in Self.parentCgroups where !preexisting.contains(cgroup) {
                Self.shell("find '\(cgroup)' -depth -type d -exec rmdir {} \\;")
            }
        }
        try #require(run("load -q -i '\(Self.image)'").status == 0)

        // Attached: output and the exit code come through.
        let once = run("run --rm \(limits) busybox sh -c 'echo hello from $(hostname); exit 3'")
        #expect(once.status == 3 && once.output.hasPrefix("hello from "), "\(once.output)")

        // Detached, then exec (its exit code too), stop, start again, remove.
        let started = run("run -d --name web \(limits) busybox sh -c 'echo kept > /data; exec sleep 1000'")
        try #require(started.status == 0, "\(started.output)")
        #expect(run("ps --format '{{.Names}} {{.Status}}'").output.hasPrefix("web Up"))
        let procs = run("exec web ps -o pid,args")
        #expect(procs.output.contains("1 sleep 1000"), "\(procs.output)")
        #expect(run("exec web sh -c 'exit 5'").status == 5)
        // pause/unpause: podman calls the runtime's pause and resume.
        #expect(run("pause web").status == 0)
        #expect(run("inspect -f '{{.State.Status}}' web").output == "paused\n")
        #expect(run("unpause web").status == 0)
        #expect(run("inspect -f '{{.State.Status}}' web").output == "running\n")
        #expect(run("stop -t 1 web").status == 0)
        #expect(run("ps -a --format '{{.Names}} {{.Status}}'").output.hasPrefix("web Exited (137)"))
        #expect(run("start web").status == 0)
        #expect(run("exec web cat /data").output == "kept\n")
        #expect(run("rm -f web").status == 0)

        // -t: conmon receives the terminal over --console-socket.
        let tty = Self.shell(
            "script -qec \"\(podman) run --rm -t \(limits) busybox sh -c 'test -t 0 && test -t 1 && echo on-a-tty'\" /dev/null"
        )
        #expect(tty.output.contains("on-a-tty"), "\(tty.output)")
        #expect(run("ps -aq").output.isEmpty)
    }
}

enum PodmanFixture {
    static let image = (BusyboxFixture.bundle as NSString).deletingLastPathComponent + "/images/busybox.tar"
    static var available: Bool {
        BusyboxFixture.available && FileManager.default.fileExists(atPath: image)
            && PodmanRuntimeTests.shell("command -v podman conmon").status == 0
    }
}

/// Podman's tests (this suite and the archive interop one) take this lock: they share podman's global
/// directories, which each removes afterwards when it made them. It is a flock on the podman binary
/// itself, so there is no lock file to leave behind.
struct PodmanLock {
    let fd: Int32

    init() throws {
        fd = open("/usr/bin/podman", O_RDONLY | O_CLOEXEC)
        guard fd >= 0, flock(fd, LOCK_EX) == 0 else { throw SystemError("lock", path: "/usr/bin/podman") }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
