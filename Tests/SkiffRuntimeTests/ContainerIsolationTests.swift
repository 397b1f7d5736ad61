import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// A real container on this kernel: namespaces, rootfs, process settings.
@Suite("Container isolation (root, real kernel)", .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct ContainerIsolationTests {
    let probe = BusyboxFixture.probe

    @Test func processIsPidOneOfItsNamespace() throws {
        try ContainerSandbox.with { sandbox in
            let result = try sandbox.run(try BusyboxFixture.spec([probe, "pid"]))
            #expect(result.status == SkiffRuntime.ExitStatus(code: 0, signal: nil), "stderr: \(result.stderr)")
            #expect(result.trimmed == "1")
        }
    }

    @Test func hostnameIsTheSpecs() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([probe, "hostname"])
            spec.hostname = "skiff-box-7"
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            #expect(result.trimmed == "skiff-box-7")
        }
    }

    @Test func procShowsOnlyTheContainersProcesses() throws {
        try ContainerSandbox.with { sandbox in
            // Only the shell (pid 1) runs: `echo` and the glob are shell built-ins. The host has hundreds.
            let script = "cd /proc && echo [0-9]*"
            let result = try sandbox.run(try BusyboxFixture.spec(["/bin/sh", "-c", script]))
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let pids = result.trimmed.split(separator: " ").compactMap { Int($0) }
            #expect(pids == [1], "the container sees other processes: \(result.trimmed)")
        }
    }

    @Test func mountMadeInsideIsInvisibleOutside() throws {
        try ContainerSandbox.with { sandbox in
            let tag = "skiffinside\(UInt32.random(in: 0...UInt32.max))"
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c", "mount -t tmpfs \(tag) /mnt && echo mounted && exec sleep 30",
            ])
            spec.process?.capabilities = .uniform(DockerDefaults.capabilities + ["CAP_SYS_ADMIN"])
            let (id, out, err) = try sandbox.runDetached(spec)
            let mounted = sandbox.waitFor { sandbox.read(out).contains("mounted") }
            #expect(mounted, "the container did not mount: \(sandbox.read(err))")
            let pid = try sandbox.runtime.state(id: id).pid
            let inside = (try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8)) ?? ""
            let outside = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            #expect(inside.contains(tag), "the mount is not in the container's own table")
            #expect(!outside.contains(tag), "the container's mount leaked to the host")
            try sandbox.runtime.delete(id: id, force: true)
            sandbox.reap(pid: pid)
        }
    }

    @Test func userNamespaceMapsRootToAnUnprivilegedHostID() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c", "\(probe) ids; \(probe) cat /proc/self/uid_map; \(probe) cat /proc/self/gid_map",
            ])
            spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
            spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
            spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.contains("uid=0"), "\(result.stdout)")
            let maps = result.stdout.split(separator: "\n").filter { $0.contains("200000") }
                .map { $0.split(separator: " ").joined(separator: " ") }
            #expect(maps == ["0 200000 65536", "0 200000 65536"], "\(result.stdout)")
        }
    }

    @Test func joinsAnExistingNamespaceByPath() throws {
        try ContainerSandbox.with { sandbox in
            var first = try BusyboxFixture.spec([probe, "sleep", "30"])
            first.hostname = "skiff-first"
            let (firstID, _, firstErr) = try sandbox.runDetached(first)
            let pid = try sandbox.runtime.state(id: firstID).pid
            #expect(pid > 0, "\(sandbox.read(firstErr))")

            var second = try BusyboxFixture.spec(["/bin/sh", "-c", "\(probe) hostname; \(probe) pid"])
            second.hostname = nil
            let namespaces = second.linux?.namespaces?.map { ns in
                switch ns.type {
                case "uts": LinuxNamespace(type: "uts", path: "/proc/\(pid)/ns/uts")
                case "pid": LinuxNamespace(type: "pid", path: "/proc/\(pid)/ns/pid")
                default: ns
                }
            }
            second.linux?.namespaces = namespaces
            let result = try sandbox.run(second)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "skiff-first", "\(lines)")
            // In the first container's pid namespace, where pid 1 is taken by its init.
            #expect(lines.count == 2 && lines[1] != "1", "\(lines)")
            try sandbox.runtime.delete(id: firstID, force: true)
            sandbox.reap(pid: pid)
        }
    }

    @Test func readonlyRootRefusesWrites() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([probe, "write", "/etc/skiff-written", "x"])
            spec.root?.readonly = true
            let result = try sandbox.run(spec)
            #expect(result.status.code == 1)
            #expect(result.stderr.contains("EROFS"), "stderr: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: BusyboxFixture.rootfs + "/etc/skiff-written"))
        }
    }

    @Test func maskedAndReadonlyPaths() throws {
        try ContainerSandbox.with { sandbox in
            let script = """
                echo kcore=$(\(probe) cat /proc/kcore | wc -c)
                echo acpi=$(ls /proc/acpi 2>/dev/null | wc -l)
                echo hostname-file=$(\(probe) cat /etc/hostname | wc -c)
                \(probe) write /proc/sys/kernel/domainname x 2>&1 | sed 's/^/sysctl-write=/'
                echo ping-range=$(cat /proc/sys/net/ipv4/ping_group_range)
                """
            var spec = try BusyboxFixture.spec(["/bin/sh", "-c", script])
            spec.linux?.maskedPaths = ["/proc/kcore", "/proc/acpi", "/etc/hostname"]
            spec.linux?.readonlyPaths = ["/proc/sys"]
            // The spec's sysctls are written before /proc/sys turns read-only (Podman sets this one).
            spec.linux?.sysctl = ["net.ipv4.ping_group_range": "0 0"]
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let v = result.values
            #expect(v["kcore"] == "0", "\(result.stdout)")
            #expect(v["acpi"] == "0", "\(result.stdout)")
            #expect(v["hostname-file"] == "0", "\(result.stdout)")
            #expect(v["sysctl-write"]?.contains("EROFS") == true, "\(result.stdout)")
            #expect(v["ping-range"] == "0 0", "\(result.stdout)")
        }
    }

    @Test func rlimitsApply() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([probe, "rlimit", "nofile"])
            spec.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 456, soft: 123)]
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            #expect(result.values["soft"] == "123" && result.values["hard"] == "456", "\(result.stdout)")
        }
    }

    @Test func userCwdEnvAndUmask() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([
                "/bin/sh", "-c", "\(probe) ids; \(probe) cwd; \(probe) umask; \(probe) env",
            ])
            spec.process?.user = User(uid: 1000, gid: 1001, umask: 0o027, additionalGids: [5])
            spec.process?.cwd = "/tmp"
            spec.process?.env?.append("SKIFF_TEST=yes")
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let v = result.values
            #expect(v["uid"] == "1000" && v["gid"] == "1001", "\(result.stdout)")
            #expect(v["groups"]?.split(separator: ",").contains("5") == true, "\(result.stdout)")
            #expect(result.stdout.contains("\n/tmp\n"), "\(result.stdout)")
            #expect(result.stdout.contains("0027"), "\(result.stdout)")
            #expect(v["SKIFF_TEST"] == "yes", "\(result.stdout)")
        }
    }
}
