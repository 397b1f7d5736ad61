import Foundation
import SkiffKit
import Testing

/// Docker's namespace modes, `--pid`, `--ipc`, `--uts` and `--cgroupns`, driven through the built CLI as
/// a user would: what the container then sees of the host or of another container, the refusals, and
/// that a container without them still sees nothing of the host's processes, IPC or hostname.
@Suite(.serialized) struct NamespaceModeTests {
    static func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func run(_ root: CLIRoot, _ flags: [String], _ script: String) -> CLIRoot.Result {
        root.skiff(["run", "--rm", "--network", "none"] + flags + ["busybox", "sh", "-c", script])
    }

    static func hostLink(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    }

    @Test func pidHostSeesTheHostsProcessesAndADefaultContainerDoesNot() throws {
        let root = try CLIRoot(prefix: "skiff-ns-pid-")
        defer { root.cleanUp() }
        let me = getpid()
        let hostInit = try String(contentsOfFile: "/proc/1/cmdline", encoding: .utf8)
        let shared = Self.run(
            root, ["--pid", "host"],
            "cat /proc/1/cmdline; echo; test -d /proc/\(me) && echo SEES-$((40+2)); ps -o pid | wc -l")
        #expect(shared.status == 0, "\(shared)")
        let lines = shared.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines.first == hostInit.replacingOccurrences(of: "\n", with: ""), "pid 1 is not the host's init: \(shared)")
        #expect(shared.out.contains("SEES-42"), "the test process (pid \(me)) is not visible: \(shared)")
        #expect((Int(Self.trimmed(lines.last { !$0.isEmpty } ?? "")) ?? 0) > 10, "ps lists few processes: \(shared)")

        // The attack: a default container looks for the same host process, and for the host's init.
        let own = Self.run(
            root, [],
            "cat /proc/1/cmdline; echo; test -d /proc/\(me) && echo SEES-$((40+2)); ls /proc | grep -c '^[0-9]'")
        #expect(own.status == 0, "\(own)")
        #expect(!own.out.contains("SEES-42"), "a default container sees a host process: \(own)")
        let ownInit = own.out.split(separator: "\n").first.map(String.init) ?? ""
        #expect(ownInit.contains("/proc/1/cmdline") && ownInit != lines.first, "pid 1 is not its own command: \(own)")
        let visible = Int(Self.trimmed(own.out.split(separator: "\n").last.map(String.init) ?? "")) ?? 99
        #expect(visible <= 3, "a default container sees \(visible) processes: \(own)")
    }

    @Test func pidContainerJoinsTheDonorAndFollowsItsRestarts() throws {
        let root = try CLIRoot(prefix: "skiff-ns-pidc-")
        defer { root.cleanUp() }
        let a = root.skiff("run", "-d", "--name", "ns-a", "--network", "none", "busybox", "sleep", "31337")
        #expect(a.status == 0, "\(a)")
        let joined = Self.run(root, ["--pid", "container:ns-a"], "ps -o pid,args")
        #expect(joined.status == 0 && joined.out.contains("sleep 31337"), "\(joined)")
        #expect(root.inspect("ns-a", "{{.HostConfig.PidMode}}") == "")

        // A long-lived joiner: its namespace is the donor's, so it ends with the donor's init, and a
        // start after the donor's restart joins the donor's new process.
        let b = root.skiff(
            "run", "-d", "--name", "ns-b", "--network", "none", "--pid", "container:ns-a", "busybox", "sleep", "4242")
        #expect(b.status == 0, "\(b)")
        #expect(root.inspect("ns-b", "{{.HostConfig.PidMode}}") == "container:ns-a")
        let seen = root.skiff("exec", "ns-b", "ps", "-o", "args")
        #expect(seen.out.contains("sleep 31337") && seen.out.contains("sleep 4242"), "\(seen)")
        let oldPid = root.inspect("ns-a", "{{.State.Pid}}")
        #expect(root.skiff("restart", "-t", "0", "ns-a").status == 0)
        #expect(root.inspect("ns-a", "{{.State.Pid}}") != oldPid)
        #expect(root.eventually(10) { root.inspect("ns-b", "{{.State.Running}}") == "false" })
        let started = root.skiff("start", "ns-b")
        #expect(started.status == 0, "\(started)")
        let again = root.skiff("exec", "ns-b", "ps", "-o", "args")
        #expect(again.out.contains("sleep 31337") && again.out.contains("sleep 4242"), "\(again)")

        // The donor stopped: refused with Docker's words, and nothing is left of the attempt.
        #expect(root.skiff("stop", "-t", "0", "ns-a").status == 0)
        let refused = root.skiff("run", "--rm", "--network", "none", "--pid", "container:ns-a", "busybox", "true")
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.err.contains("cannot join PID of a non running container: ns-a"), "\(refused)")
        let missing = root.skiff("run", "--rm", "--pid", "container:ns-nope", "busybox", "true")
        #expect(missing.status == 125 && missing.err.contains("ns-nope"), "\(missing)")
        #expect(root.skiff("ps", "-aq").out.split(separator: "\n").count == 2, "a refused run left a container")
    }

    @Test func ipcModesShareAndWithholdNamespaceAndShm() throws {
        let root = try CLIRoot(prefix: "skiff-ns-ipc-")
        defer { root.cleanUp() }
        let hostIPC = Self.hostLink("/proc/self/ns/ipc")
        let marker = "/dev/shm/skiff-ns-test-\(getpid())"
        try "from-the-host".write(toFile: marker, atomically: false, encoding: .utf8)
        defer { unlink(marker) }

        // Default (private): its own namespace, and the host's /dev/shm is out of sight (the attack).
        let own = Self.run(root, [], "readlink /proc/self/ns/ipc; cat \(marker) 2>&1")
        #expect(!own.out.contains(hostIPC) && !own.out.contains("from-the-host"), "\(own)")
        // host: the host's namespace and /dev/shm.
        let host = Self.run(root, ["--ipc", "host"], "readlink /proc/self/ns/ipc; cat \(marker)")
        #expect(host.status == 0 && host.out.contains(hostIPC) && host.out.contains("from-the-host"), "\(host)")
        // none: its own namespace and no /dev/shm mount at all.
        let none = Self.run(root, ["--ipc", "none"], "readlink /proc/self/ns/ipc; grep -c ' /dev/shm ' /proc/mounts")
        #expect(!none.out.contains(hostIPC) && Self.trimmed(none.out).hasSuffix("0"), "\(none)")

        // container: a shareable donor's namespace and /dev/shm.
        let a = root.skiff(
            "run", "-d", "--name", "ns-shm", "--network", "none", "--ipc", "shareable", "busybox",
            "sh", "-c", "echo from-the-donor > /dev/shm/note; exec sleep 1000")
        #expect(a.status == 0, "\(a)")
        #expect(root.eventually(10) { root.skiff("exec", "ns-shm", "cat", "/dev/shm/note").out.contains("donor") })
        let donorIPC = Self.trimmed(root.skiff("exec", "ns-shm", "readlink", "/proc/self/ns/ipc").out)
        let joined = Self.run(
            root, ["--ipc", "container:ns-shm"],
            "readlink /proc/self/ns/ipc; cat /dev/shm/note; echo back > /dev/shm/reply")
        #expect(
            joined.status == 0 && joined.out.contains(donorIPC) && joined.out.contains("from-the-donor"), "\(joined)")
        #expect(root.skiff("exec", "ns-shm", "cat", "/dev/shm/reply").out.contains("back"))
        #expect(root.inspect("ns-shm", "{{.HostConfig.IpcMode}}") == "shareable")

        // The donor's /dev/shm is a tmpfs on the host while it runs, gone once it stops (nothing left).
        let shmDir = root.engine.containers.directory(of: root.inspect("ns-shm", "{{.Id}}")) + "/shm"
        func mounted() -> Bool {
            ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").contains(" \(shmDir) ")
        }
        #expect(mounted(), "no host-side tmpfs at \(shmDir)")
        #expect(root.skiff("stop", "-t", "0", "ns-shm").status == 0)
        #expect(root.eventually(10) { !mounted() }, "the stopped donor's /dev/shm is still mounted")
        #expect(root.skiff("start", "ns-shm").status == 0)
        #expect(root.eventually(10) { root.skiff("exec", "ns-shm", "cat", "/dev/shm/note").out.contains("donor") })
        #expect(mounted())

        // A private donor is refused (Docker 20.10+'s default is private), as is an unknown mode.
        #expect(
            root.skiff("run", "-d", "--name", "ns-private", "--network", "none", "busybox", "sleep", "1000").status == 0
        )
        #expect(root.inspect("ns-private", "{{.HostConfig.IpcMode}}") == "private")
        let privateDonor = root.skiff("run", "--rm", "--ipc", "container:ns-private", "busybox", "true")
        #expect(privateDonor.status == 125 && privateDonor.err.contains("non-shareable IPC"), "\(privateDonor)")
        let bad = root.skiff("run", "--rm", "--ipc", "sharable", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("--ipc \"sharable\""), "\(bad)")
    }

    @Test func utsHostHasTheHostsHostnameAndRefusesAnother() throws {
        let root = try CLIRoot(prefix: "skiff-ns-uts-")
        defer { root.cleanUp() }
        let hostname = ProcessInfo.processInfo.hostName
        let shared = Self.run(root, ["--uts", "host"], "hostname; readlink /proc/self/ns/uts")
        #expect(shared.status == 0, "\(shared)")
        #expect(
            shared.out.hasPrefix(hostname + "\n") && shared.out.contains(Self.hostLink("/proc/self/ns/uts")),
            "\(shared)")
        let own = Self.run(root, [], "hostname; readlink /proc/self/ns/uts")
        #expect(!own.out.hasPrefix(hostname + "\n") && !own.out.contains(Self.hostLink("/proc/self/ns/uts")), "\(own)")
        let conflict = root.skiff("run", "--rm", "--uts", "host", "-h", "other", "busybox", "true")
        #expect(
            conflict.status == 125 && conflict.err.contains("conflicting options: hostname and the UTS mode"),
            "\(conflict)")
        let bad = root.skiff("run", "--rm", "--uts", "private", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("--uts"), "\(bad)")
    }

    @Test func cgroupnsHostAndPrivateAndDockersDefault() throws {
        let root = try CLIRoot(prefix: "skiff-ns-cg-")
        defer { root.cleanUp() }
        let hostCgroupNS = Self.hostLink("/proc/self/ns/cgroup")
        let host = root.skiff(
            "run", "--name", "ns-cg-host", "--network", "none", "--cgroupns", "host", "busybox",
            "sh", "-c", "readlink /proc/self/ns/cgroup; cat /proc/self/cgroup")
        let id = root.inspect("ns-cg-host", "{{.Id}}")
        #expect(host.status == 0 && host.out.contains(hostCgroupNS) && host.out.contains("/skiff/" + id), "\(host)")
        #expect(root.inspect("ns-cg-host", "{{.HostConfig.CgroupnsMode}}") == "host")
        let own = root.skiff(
            "run", "--name", "ns-cg-private", "--network", "none", "--cgroupns", "private", "busybox",
            "sh", "-c", "readlink /proc/self/ns/cgroup; cat /proc/self/cgroup")
        #expect(own.status == 0 && !own.out.contains(hostCgroupNS) && !own.out.contains("/skiff/"), "\(own)")
        #expect(root.inspect("ns-cg-private", "{{.HostConfig.CgroupnsMode}}") == "private")
        // Docker's default: private on a cgroup v2 host, host on v1 and hybrid ones.
        let unified =
            (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))?
            .split(separator: "\n").contains { $0.contains(" /sys/fs/cgroup ") && $0.contains(" - cgroup2 ") } ?? false
        #expect(root.skiff("create", "--name", "ns-cg-default", "busybox", "true").status == 0)
        #expect(root.inspect("ns-cg-default", "{{.HostConfig.CgroupnsMode}}") == (unified ? "private" : "host"))
        let bad = root.skiff("run", "--rm", "--cgroupns", "shared", "busybox", "true")
        #expect(bad.status == 125 && bad.err.contains("--cgroupns"), "\(bad)")
    }
}
