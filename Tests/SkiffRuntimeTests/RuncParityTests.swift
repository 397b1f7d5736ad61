import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Behaviours of the runtime-spec where runc and crun succeed, tried on the real kernel: root propagation,
/// read-only and recursive mount options, --no-pivot, the process user's terminal and working directory.
@Suite("runc parity (root, real kernel)", .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct RuncParityTests {
    let probe = BusyboxFixture.probe

    /// The mountinfo line of "/" in `text` (the container's own root).
    static func rootLine(_ text: String) -> String? {
        text.split(separator: "\n").first { $0.split(separator: " ").dropFirst(4).first == "/" }.map(String.init)
    }

    /// A host program run to its end, output captured in the sandbox.
    static func tool(_ binary: String, _ args: [String], sandbox: ContainerSandbox) throws -> SkiffBinary.Output {
        let name = "tool-\(UInt32.random(in: 0...UInt32.max))"
        let pid = try SkiffBinary.spawn(args, sandbox: sandbox, name: name, binary: binary)
        let status = SkiffBinary.wait(pid)
        return SkiffBinary.Output(
            status: status, stdout: sandbox.read(sandbox.directory + "/\(name).out"),
            stderr: sandbox.read(sandbox.directory + "/\(name).err"))
    }

    /// How many mounts the host has on "/" (a leaked rootfs would add one, runc's issue 1961).
    static func hostRootMounts() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.split(separator: " ").dropFirst(4).first == "/" }.count
    }

    @Test(arguments: [
        ("shared", "shared:"), ("rshared", "shared:"), ("unbindable", "unbindable"), ("runbindable", "unbindable"),
        ("private", ""), ("rprivate", ""), ("slave", ""), ("rslave", ""),
    ])
    func rootfsPropagationIsTheContainersRoot(_ propagation: String, _ tag: String) throws {
        try ContainerSandbox.with { sandbox in
            let before = Self.hostRootMounts()
            var spec = try BusyboxFixture.spec(["/bin/cat", "/proc/self/mountinfo"])
            spec.linux?.rootfsPropagation = propagation
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "\(propagation): \(result.stderr)")
            let root = Self.rootLine(result.stdout) ?? ""
            #expect(!root.isEmpty, "no mount on / inside: \(result.stdout)")
            if tag.isEmpty {
                #expect(!root.contains("shared:") && !root.contains("unbindable"), "\(propagation): \(root)")
            } else {
                #expect(root.contains(tag), "\(propagation): \(root)")
            }
            #expect(Self.hostRootMounts() == before, "the rootfs leaked onto the host's /")
        }
    }

    @Test func readOnlyDevTmpfsStillGetsItsNodesAndSubmounts() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c",
                "test -d /dev/pts/. && test -c /dev/null && test -d /dev/mqueue/. && echo ok; touch /dev/skiff-x",
            ])
            spec.mounts = spec.mounts?.map { mount in
                var mount = mount
                if mount.destination == "/dev" { mount.options = (mount.options ?? []) + ["ro"] }
                return mount
            }
            let result = try sandbox.run(spec)
            #expect(result.stdout.contains("ok"), "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("Read-only file system"), "/dev is writable: \(result.stderr)")
            #expect(result.status.code == 1)
        }
    }

    /// A read-only rootfs with /dev bound read-only from elsewhere (here the host's): the runtime makes no
    /// node or link in it (runc's needsSetupDev), and the container starts.
    @Test func readOnlyBoundDevIsTakenAsItIs() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec(["/bin/sh", "-c", "test -c /dev/null && echo ok; touch /dev/skiff-x"])
            spec.root?.readonly = true
            spec.mounts =
                (spec.mounts ?? []).filter { !$0.destination.hasPrefix("/dev") }
                + [Mount(destination: "/dev", type: "bind", source: "/dev", options: ["rbind", "ro"])]
            let result = try sandbox.run(spec)
            #expect(result.stdout.contains("ok"), "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("Read-only file system"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "/dev/skiff-x"))
        }
    }

    @Test func recursiveReadOnlyBindCoversTheSubmounts() throws {
        try ContainerSandbox.with { sandbox in
            let source = sandbox.directory + "/rro-source"
            try FileManager.default.createDirectory(atPath: source + "/sub", withIntermediateDirectories: true)
            #expect(mount("skiff-rro-test", source + "/sub", "tmpfs", 0, "size=1m") == 0, "mount tmpfs: \(errno)")
            defer { umount2(source + "/sub", Int32(MNT_DETACH)) }
            let script = "touch /mnt/a 2>&1; touch /mnt/sub/b 2>&1; grep ' /mnt' /proc/self/mountinfo"
            var spec = try BusyboxFixture.spec(["/bin/sh", "-c", script])
            spec.mounts?.append(Mount(destination: "/mnt", type: "bind", source: source, options: ["rbind", "rro"]))
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let refused = result.stdout.split(separator: "\n").filter { $0.contains("Read-only file system") }
            #expect(refused.count == 2, "a write went through: \(result.stdout)")
            let mounts = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
                .filter { $0.count > 5 && $0[4].hasPrefix("/mnt") }
            #expect(
                mounts.count == 2 && mounts.allSatisfy { $0[5].hasPrefix("ro") },
                "\(mounts)")
            #expect(!FileManager.default.fileExists(atPath: source + "/sub/b"))
        }
    }

    /// --no-pivot as runc's: the rootfs is moved onto "/", the host's procfs is gone from the namespace (a
    /// nested user namespace cannot mount a proc of its own), and nothing leaks onto the host's "/".
    @Test func noPivotMovesTheRootfsAndHidesTheHostsProc() throws {
        try ContainerSandbox.with { sandbox in
            let before = Self.hostRootMounts()
            let id = sandbox.newID("nopivot")
            let script = """
                awk '$5 == "/"' /proc/self/mountinfo | wc -l
                unshare -mrpf sh -c 'mount -t proc none /proc && echo mounted' 2>&1; echo end
                """
            var spec = try BusyboxFixture.spec(["/bin/sh", "-c", script])
            spec.linux?.rootfsPropagation = "rshared"
            let bundle = try sandbox.bundle(spec)
            var (options, closeAll, out, err) = try sandbox.stdioOptions(id: id)
            options.noPivot = true
            let status = try sandbox.runtime.run(id: id, bundle: bundle, options: options)
            closeAll()
            let stdout = sandbox.read(out)
            #expect(status.code == 0, "stderr: \(sandbox.read(err))")
            #expect(stdout.hasPrefix("1\n"), "the rootfs is not the mount on /: \(stdout)")
            #expect(stdout.contains("end") && !stdout.contains("mounted"), "proc was mountable: \(stdout)")
            #expect(Self.hostRootMounts() == before, "the rootfs leaked onto the host's /")
        }
    }

    /// A terminal is the process user's (runc's tty owner test): uid of the user, devpts' group, 0620.
    @Test func terminalBelongsToTheProcessUser() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("ttyowner")
            var spec = try BusyboxFixture.spec(["/bin/stat", "-L", "-c", "owner=%u:%g:%a", "/proc/self/fd/0"])
            spec.process?.terminal = true
            spec.process?.user = User(uid: 1000, gid: 1000)
            let bundle = try sandbox.bundle(spec)
            let socketPath = sandbox.directory + "/console.sock"
            let listener = try UnixListener(path: socketPath)
            defer { listener.close() }
            var options = OCIRuntime.StartOptions()
            options.consoleSocket = socketPath
            try sandbox.runtime.create(id: id, bundle: bundle, options: options)
            let master = try listener.receiveFD()
            defer { close(master) }
            try sandbox.runtime.start(id: id)
            let output = readAll(master, seconds: 10)
            #expect(output.contains("owner=1000:5:620"), "\(output)")
            #expect(sandbox.waitFor { (try? sandbox.runtime.state(id: id).status) == .stopped })
            try sandbox.runtime.delete(id: id, force: false)
        }
    }

    /// A cwd only root may enter, for a non-root user: runc changes directory before switching user (its
    /// "create can chdir if runc has access" test).
    @Test func cwdOnlyRootMayEnterWorksForAnotherUser() throws {
        try ContainerSandbox.with { sandbox in
            let dir = sandbox.directory + "/root-only"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            chmod(dir, 0o700)
            var spec = try BusyboxFixture.spec([probe, "cwd"])
            spec.process?.user = User(uid: 42, gid: 42)
            spec.process?.cwd = "/home"
            spec.mounts?.append(Mount(destination: "/home", type: "bind", source: dir, options: ["bind"]))
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            #expect(result.trimmed == "/home")
        }
    }

    /// A FIFO in linux.devices next to device cgroup rules (the fixture denies every device): made with
    /// mknod, with the spec's mode, as runc does.
    /// In a user namespace too, where device nodes are bound from the host: a FIFO has no host node to bind.
    @Test(arguments: [false, true])
    func fifoDeviceIsMadeWithDeviceRulesPresent(userNamespace: Bool) throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c", "test -p /dev/skiff-fifo && stat -c %a /dev/skiff-fifo",
            ])
            if userNamespace {
                spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
                spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
                spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
            }
            #expect(spec.linux?.resources?.devices?.isEmpty == false)
            spec.linux?.devices = [LinuxDevice(path: "/dev/skiff-fifo", type: "p", fileMode: 0o640)]
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            #expect(result.trimmed == "640", "\(result.stdout)")
        }
    }

    /// No mount namespace (runc's "host mount ns" test): the process is chrooted into the rootfs in the host's
    /// mount namespace, its mounts are made there, and delete removes them (runc leaves them behind).
    @Test func specWithoutMountNamespaceRunsInTheHostsAndCleansUp() throws {
        try ContainerSandbox.with { sandbox in
            let rootfs = sandbox.directory + "/hostns-rootfs"
            let copy = try Self.tool("/bin/cp", ["-a", BusyboxFixture.rootfs, rootfs], sandbox: sandbox)
            #expect(copy.status == 0, "\(copy.stderr)")
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c", "readlink /proc/self/ns/mnt; test -x /bin/skiff-probe && echo chrooted",
            ])
            spec.root = Root(path: rootfs)
            let namespaces = spec.linux?.namespaces?.filter { $0.type != "mount" }
            spec.linux?.namespaces = namespaces
            spec.linux?.maskedPaths = []
            spec.linux?.readonlyPaths = []
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let hostNS = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")) ?? "?"
            #expect(result.stdout == "\(hostNS)\nchrooted\n", "\(result.stdout)")
            #expect(sandbox.mountsInside().isEmpty, "mounts left: \(sandbox.mountsInside())")
        }
    }

    /// hugetlb, net_cls and net_prio on this (v1) host: the hierarchies are mounted in a private mount
    /// namespace of a shell that runs skiff-oci, so the host's own cgroup mounts are not touched. The
    /// container joins them and its limits are written.
    @Test func hugetlbAndNetClassControllersAreJoinedAndWritten() throws {
        let oci = try #require(SkiffBinary.ociPath, "skiff-oci was not built")
        // The v2 side is CgroupV2FakeTreeTests'.
        guard !(try CgroupLayout.detect()).v1Hierarchies.isEmpty else { return }
        let sizes = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/mm/hugepages")) ?? [])
        guard sizes.contains("hugepages-2048kB") else { return }
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hugetlb")
            var spec = try BusyboxFixture.spec(["/bin/cat", "/proc/self/cgroup"])
            spec.linux?.resources?.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 20)]
            spec.linux?.resources?.network = LinuxNetwork(
                classID: 0x100001, priorities: [LinuxInterfacePriority(name: "lo", priority: 7)])
            spec.linux?.resources?.memory = LinuxMemory(kernelTCP: 64 << 20)
            spec.linux?.cgroupsPath = "/skiff-parity/\(id)"
            let bundle = try sandbox.bundle(spec)
            let h = sandbox.directory + "/hugetlb", n = sandbox.directory + "/netcls"
            let script = """
                set -e
                mkdir -p \(h) \(n)
                mount -t cgroup -o hugetlb skiff-hugetlb \(h)
                mount -t cgroup -o net_cls,net_prio skiff-netcls \(n)
                \(oci) --root \(sandbox.root) create --pid-file \(sandbox.directory)/hugetlb.pid --bundle \(bundle) \(id) </dev/null >/dev/null
                echo "hugetlb=$(cat \(h)/skiff-parity/\(id)/hugetlb.2MB.limit_in_bytes)"
                echo "classid=$(cat \(n)/skiff-parity/\(id)/net_cls.classid)"
                echo "prio=$(grep '^lo ' \(n)/skiff-parity/\(id)/net_prio.ifpriomap)"
                echo "tcp=$(cat /sys/fs/cgroup/memory/skiff-parity/\(id)/memory.kmem.tcp.limit_in_bytes)"
                pid=$(cat \(sandbox.directory)/hugetlb.pid)
                grep -qx "$pid" \(h)/skiff-parity/\(id)/cgroup.procs && echo joined-hugetlb
                grep -qx "$pid" \(n)/skiff-parity/\(id)/cgroup.procs && echo joined-netcls
                \(oci) --root \(sandbox.root) delete --force \(id)
                test ! -e \(h)/skiff-parity && test ! -e \(n)/skiff-parity && echo removed
                """
            let run = try Self.tool(
                "/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script],
                sandbox: sandbox)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let expected = [
                "hugetlb=4194304", "classid=1048577", "prio=lo 7", "tcp=67108864",
                "joined-hugetlb", "joined-netcls", "removed",
            ]
            #expect(run.stdout.split(separator: "\n").map(String.init) == expected, "\(run.stdout)")
        }
    }

    /// A limit for a controller the host does not have is an error naming it (runc's), never dropped.
    @Test func limitForAnAbsentControllerNamesIt() throws {
        try ContainerSandbox.with { sandbox in
            let hierarchies = try CgroupLayout.detect().v1Hierarchies
            guard !hierarchies.isEmpty, hierarchies["net_prio"] == nil else { return }
            var spec = try BusyboxFixture.spec(["/bin/true"])
            spec.linux?.resources?.network = LinuxNetwork(priorities: [LinuxInterfacePriority(name: "lo", priority: 7)])
            let id = sandbox.newID("netprio")
            #expect {
                _ = try sandbox.run(spec, id: id)
            } throws: { error in
                "\(error)".contains("net_prio")
            }
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// runc's "exec (cgroup v1+hybrid) joins correct cgroup": from the config.json `skiff-oci spec` writes,
    /// an exec'd process sees the container's cgroup in its own /proc/self/cgroup, the same line the host
    /// sees for the init (runc's spec has a cgroup namespace on v2 hosts only).
    @Test func execSeesTheContainersCgroupWithTheDefaultSpec() throws {
        let oci = try #require(SkiffBinary.ociPath, "skiff-oci was not built")
        guard !(try CgroupLayout.detect()).v1Hierarchies.isEmpty else { return }
        try ContainerSandbox.with { sandbox in
            let made = try SkiffBinary.run(["spec", "--bundle", sandbox.directory], sandbox: sandbox, binary: oci)
            #expect(made.status == 0, "\(made.stderr)")
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.directory + "/config.json"))
            var spec = try JSONDecoder().decode(Spec.self, from: data)
            #expect(spec.linux?.namespaces?.contains { $0.type == "cgroup" } == false)
            spec.root = Root(path: BusyboxFixture.rootfs, readonly: true)
            spec.process?.args = [probe, "sleep", "60"]
            spec.process?.terminal = false
            let id = sandbox.newID("execcg")
            spec.linux?.cgroupsPath = "/skiff-parity-\(id)"
            let (_, _, err) = try sandbox.runDetached(spec, id: id)
            let pid = try sandbox.runtime.state(id: id).pid
            let hostView = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
            let out = try sandbox.outputFile("exec.out")
            var options = OCIRuntime.ExecOptions()
            options.stdio = (-1, out.fd, -1)
            let status = try sandbox.runtime.exec(
                id: id, process: Process(args: ["/bin/cat", "/proc/self/cgroup"], cwd: "/"),
                options: options)
            close(out.fd)
            let execView = sandbox.read(out.path)
            #expect(status?.code == 0, "\(sandbox.read(err))")
            let last = { (text: String) in text.split(separator: "\n").last.map(String.init) ?? "" }
            #expect(last(execView).contains("skiff-parity-\(id)"), "\(execView)")
            #expect(last(execView) == last(hostView), "exec: \(execView) init: \(hostView)")
            try sandbox.runtime.delete(id: id, force: true)
            sandbox.reap(pid: pid)
        }
    }
}
