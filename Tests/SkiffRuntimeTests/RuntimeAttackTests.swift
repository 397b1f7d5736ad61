import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// A static helper the attacks run inside containers, compiled with gcc into a sandbox at test time.
/// Each command prints "ok" or "errno=ENAME".
enum AttackHelper {
    static let source = #"""
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/io_uring.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        static int report(int rc) {
            if (rc < 0) printf("errno=%s\n", strerrorname_np(errno));
            else printf("ok\n");
            return 0;
        }

        int main(int argc, char **argv) {
            if (argc == 4 && strcmp(argv[1], "open") == 0) {
                int flags = strcmp(argv[3], "r") == 0 ? O_RDONLY : strcmp(argv[3], "w") == 0 ? O_WRONLY : O_RDWR;
                return report(open(argv[2], flags | O_NONBLOCK | O_NOCTTY));
            }
            if (argc == 2 && strcmp(argv[1], "pty") == 0) {
                int master = open("/dev/ptmx", O_RDWR | O_NOCTTY);
                if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return report(-1);
                return report(open(ptsname(master), O_RDWR | O_NOCTTY));
            }
            if (argc == 2 && strcmp(argv[1], "io_uring") == 0) {
                struct io_uring_params params;
                memset(&params, 0, sizeof params);
                return report((int)syscall(SYS_io_uring_setup, 4, &params));
            }
            fprintf(stderr, "usage: attack open PATH r|w|rw | pty | io_uring\n");
            return 2;
        }
        """#

    static var gccAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// Compile into `directory`/bin/attack; returns the directory to bind into the container.
    static func build(in directory: String) throws -> String {
        let bin = directory + "/helper"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
        try source.write(toFile: directory + "/attack.c", atomically: true, encoding: .utf8)
        let gcc = Process()
        gcc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
        gcc.arguments = ["-static", "-O1", "-o", bin + "/attack", directory + "/attack.c"]
        let err = Pipe()
        gcc.standardError = err
        try gcc.run()
        gcc.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(gcc.terminationStatus == 0, "gcc: \(text)")
        return bin
    }

    /// The helper's directory bound read-only on /home (which the busybox rootfs has), so the shared
    /// fixture rootfs is never written to.
    static func mount(_ bin: String) -> Mount {
        Mount(destination: "/home", type: "bind", source: bin, options: ["rbind", "ro"])
    }

    static let path = "/home/attack"
}

/// Each defence of the runtime, attacked for real from inside a container.
@Suite(
    "Runtime attacks (root, real kernel)",
    .enabled(if: BusyboxFixture.available && AttackHelper.gccAvailable, BusyboxFixture.skipReason))
struct RuntimeAttackTests {
    /// Docker's spec running `script` under /bin/sh with the helper at /home/attack.
    func dockerSpec(_ sandbox: ContainerSandbox, _ script: String) throws -> Spec {
        var spec = BusyboxFixture.dockerSpec(["/bin/sh", "-c", script])
        spec.mounts?.append(AttackHelper.mount(try AttackHelper.build(in: sandbox.directory)))
        return spec
    }

    // MARK: devices cgroup

    /// The host's /dev/kmsg bound into a container with Docker's rules: reading it would leak the host's
    /// kernel log, writing it would forge log lines. Both must fail with EPERM from the devices cgroup,
    /// while Docker's standard devices keep working.
    @Test func deniedDeviceCannotBeOpenedWhileStandardDevicesWork() throws {
        try ContainerSandbox.with { sandbox in
            let a = AttackHelper.path
            let script = [
                "\(a) open /dev/kmsg r", "\(a) open /dev/kmsg w", "\(a) open /dev/null rw",
                "\(a) open /dev/zero r", "\(a) open /dev/full w", "\(a) open /dev/urandom r",
                "\(a) open /dev/tty rw", "\(a) pty",
            ].joined(separator: "; ")
            var spec = try dockerSpec(sandbox, script)
            spec.mounts?.append(Mount(destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]))
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            try #require(lines.count == 8, "\(result.stdout) \(result.stderr)")
            #expect(lines[0] == "errno=EPERM", "read /dev/kmsg: \(lines[0])")
            #expect(lines[1] == "errno=EPERM", "write /dev/kmsg: \(lines[1])")
            #expect(Array(lines[2...5]) == ["ok", "ok", "ok", "ok"], "null, zero, full, urandom: \(lines)")
            // No controlling terminal: the tty driver says ENXIO, which it only gets to say once the
            // devices cgroup let the open through.
            #expect(lines[6] == "ok" || lines[6] == "errno=ENXIO", "/dev/tty: \(lines[6])")
            #expect(lines[7] == "ok", "/dev/ptmx and /dev/pts/N: \(lines[7])")

            // Control: with a rule allowing it, the same open for writing works, so the EPERM above is the
            // cgroup's. (Not for reading: without CAP_SYSLOG the kmsg driver itself refuses readers when
            // dmesg_restrict is set. Only the open is tried; nothing is written to the host's log.)
            spec.linux?.resources?.devices?.append(
                LinuxDeviceCgroup(
                    allow: true, type: "c", major: 1, minor: 11,
                    access: "w"))
            spec.process?.args = ["/bin/sh", "-c", "\(a) open /dev/kmsg w"]
            let control = try sandbox.run(spec)
            #expect(control.trimmed == "ok", "\(control.stdout) \(control.stderr)")
        }
    }

    /// "Everything except /dev/kmsg": a deny after allow-all must hold.
    @Test func denyAfterAllowAllHolds() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try dockerSpec(
                sandbox, "\(AttackHelper.path) open /dev/kmsg w; \(AttackHelper.path) open /dev/null w")
            spec.mounts?.append(Mount(destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]))
            spec.linux?.resources?.devices = [
                LinuxDeviceCgroup(allow: true, access: "rwm"),
                LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 11, access: "rwm"),
            ]
            let result = try sandbox.run(spec)
            #expect(result.stdout.split(separator: "\n") == ["errno=EPERM", "ok"], "\(result.stdout) \(result.stderr)")
        }
    }

    /// "All char devices, but not /dev/kmsg": the v1 kernel cannot take a device out of a wildcard allow
    /// and ignores the deny in silence, so the container could open /dev/kmsg to forge host log lines. The start must be refused
    /// with an error naming the rule; it must never run with the device open.
    @Test func denyInsideAWildcardAllowIsRefusedNotIgnored() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try dockerSpec(sandbox, "\(AttackHelper.path) open /dev/kmsg w")
            spec.mounts?.append(Mount(destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]))
            spec.linux?.resources?.devices = [
                LinuxDeviceCgroup(allow: false, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", access: "rwm"),
                LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 11, access: "rwm"),
            ]
            let id = sandbox.newID("hole")
            do {
                let result = try sandbox.run(spec, id: id)
                Issue.record("the container ran; opening /dev/kmsg for writing said \(result.trimmed)")
            } catch {
                #expect("\(error)".contains("linux.resources.devices[2]"), "\(error)")
            }
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    // MARK: masking with /dev/null

    /// A private copy of the busybox rootfs (the attacks change its /dev).
    func privateRootfs(_ sandbox: ContainerSandbox) throws -> String {
        let copy = sandbox.directory + "/rootfs"
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", BusyboxFixture.rootfs, copy]
        try cp.run()
        cp.waitUntilExit()
        try #require(cp.terminationStatus == 0, "cp -a of the fixture rootfs")
        return copy
    }

    /// linux.devices makes /dev/null another node (a FIFO: a masked file would hang whoever reads it).
    /// The start is refused at the mask step, saying what /dev/null is.
    @Test func maskRefusesADevNullThatIsNotTheNullDevice() throws {
        try ContainerSandbox.with { sandbox in
            var spec = BusyboxFixture.dockerSpec(["/bin/true"])
            spec.linux?.devices = [LinuxDevice(path: "/dev/null", type: "p", fileMode: 0o666)]
            let id = sandbox.newID("fifo")
            do {
                let result = try sandbox.run(spec, id: id)
                Issue.record("the container ran with a FIFO as /dev/null: \(result.status)")
            } catch {
                let text = "\(error)"
                #expect(
                    text.contains("mask path") && text.contains("/dev/null, which is a FIFO")
                        && text.contains("not the null device (c 1:3)"), "\(text)")
            }
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// CVE-2025-31133: while the container starts, a process sharing its /dev swaps /dev/null for a
    /// symlink to /proc/sys/kernel/hostname. A mask that binds /dev/null by path then puts that procfs
    /// file on the masked path, outside the read-only /proc/sys, and the container writes through it.
    /// (kernel.hostname belongs to the container's UTS namespace, so a lost race stays harmless.)
    /// Attempts run until the defence has fired at least once; no attempt may write through the mask.
    @Test func racingSymlinkOnDevNullIsRefusedAndNothingIsExposed() throws {
        try ContainerSandbox.with { sandbox in
            let rootfs = try privateRootfs(sandbox)
            try "secret\n".write(toFile: rootfs + "/etc/masked", atomically: false, encoding: .utf8)
            var spec = BusyboxFixture.dockerSpec(["/bin/sh", "-c", "echo pwned > /etc/masked; hostname"])
            spec.root = Root(path: rootfs)
            spec.hostname = "skiff-race"
            // No tmpfs on /dev: the container's /dev is the rootfs's own directory, shared with the racer.
            spec.mounts = [
                Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"])
            ]
            spec.linux?.maskedPaths = ["/etc/masked"]
            spec.linux?.readonlyPaths = ["/proc/sys"]

            let racer = DevNullRacer(dev: rootfs + "/dev", target: "/proc/sys/kernel/hostname")
            racer.start()
            defer { racer.stop() }

            var refusedAtMask = 0, exposed = 0, ran = 0, otherFailures: [String] = []
            for _ in 0..<60 where refusedAtMask < 3 {
                do {
                    let result = try sandbox.run(spec)
                    ran += 1
                    if result.trimmed == "pwned" { exposed += 1 }
                } catch {
                    let text = "\(error)"
                    if text.contains("step \"mask path\"") && text.contains("/dev/null") {
                        refusedAtMask += 1
                    } else {
                        otherFailures.append(text)  // the racer hit mknod itself: not this defence
                    }
                }
            }
            racer.stop()
            #expect(exposed == 0, "wrote through the mask into /proc/sys \(exposed) time(s)")
            #expect(refusedAtMask > 0, "the race was never won: ran \(ran), other failures \(otherFailures.prefix(3))")
        }
    }

    // MARK: seccomp

    /// io_uring runs syscalls the filter never sees (and is a common kernel exploit path): Docker 25+
    /// and containerd 2 refuse io_uring_setup; so must the default profile.
    @Test func ioUringSetupIsEPERMInADefaultContainer() throws {
        try ContainerSandbox.with { sandbox in
            let spec = try dockerSpec(sandbox, "\(AttackHelper.path) io_uring")
            let result = try sandbox.run(spec)
            #expect(result.trimmed == "errno=EPERM", "\(result.stdout) \(result.stderr)")

            // Control: without the profile the kernel takes the call, so the EPERM above is the filter's.
            var open = spec
            open.linux?.seccomp = nil
            let control = try sandbox.run(open)
            #expect(control.trimmed != "errno=EPERM", "io_uring_setup fails even without seccomp: \(control.stdout)")
        }
    }
}

/// Swaps `dev`/null for a symlink to `target` as fast as it can (symlink + rename, so /dev/null always
/// exists), from a thread of the test process: the racing process of CVE-2025-31133.
final class DevNullRacer: @unchecked Sendable {
    let dev: String
    let target: String
    private let lock = NSLock()
    private var running = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(dev: String, target: String) {
        self.dev = dev
        self.target = target
    }

    func start() {
        lock.lock(); running = true; lock.unlock()
        let thread = Thread { [self] in
            let tmp = dev + "/.null-race"
            while isRunning {
                unlink(tmp)
                if symlink(target, tmp) == 0 { rename(tmp, dev + "/null") }
            }
            unlink(tmp)
            done.signal()
        }
        self.thread = thread
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { done.wait() }
    }
}
