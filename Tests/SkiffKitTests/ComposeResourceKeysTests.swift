import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// Compose's cpu_quota / cpu_period / cpu_rt_period, mem_swappiness, oom_kill_disable and blkio_config, and
/// the `run` flags of the same names, reach the container's cgroup files (read from the host) as Docker
/// puts them there. This machine runs cgroup v1, where Docker applies swappiness and the OOM switch.
@Suite(
    "Compose and run CPU, memory and block I/O settings", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")))
struct ComposeResourceKeysTests {
    typealias Project = ComposeEndToEndTests.Project

    static func cgroupFile(_ controller: String, _ id: String, _ file: String) -> String {
        ((try? String(contentsOfFile: "/sys/fs/cgroup/\(controller)/skiff/\(id)/\(file)", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var blkioWeightSupported: Bool {
        ["blkio.weight", "blkio.bfq.weight"].contains { FileIO.exists("/sys/fs/cgroup/blkio/" + $0) }
    }

    @Test func composeKeysReachTheCgroup() throws {
        let scratch = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-compat-cres-")
        defer { FileIO.removeTree(scratch) }
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: scratch + "/disk.img"))
        let loop = try #require(LoopDevice(file: scratch + "/disk.img"))
        defer { loop.detach() }
        let p = try Project(
            """
            name: cmpres
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                mem_limit: 64m
                cpu_period: 200000
                cpu_quota: 50000
                cpu_rt_period: 900000
                mem_swappiness: 17
                oom_kill_disable: true
                blkio_config:
                  weight: 300
                  device_read_bps:
                    - path: \(loop.path)
                      rate: 1mb
                  device_write_iops:
                    - path: \(loop.path)
                      rate: 120
            """)
        defer { p.cleanUp() }
        let config = p.compose("config")
        #expect(config.status == 0, "\(config.err)")
        for key in [
            "cpu_quota: 50000", "cpu_period: 200000", "cpu_rt_period: 900000", "mem_swappiness: 17",
            "oom_kill_disable: true", "blkio_config:", "device_read_bps:", "rate: 1048576",
        ] {
            #expect(config.out.contains(key), "\(key): \(config.out)")
        }
        let up = p.compose("up", "-d")
        try #require(up.status == 0, "\(up.err)")
        let id = try #require(p.container("cmpres-app-1")).id
        #expect(Self.cgroupFile("cpu", id, "cpu.cfs_period_us") == "200000")
        #expect(Self.cgroupFile("cpu", id, "cpu.cfs_quota_us") == "50000")
        #expect(Self.cgroupFile("cpu", id, "cpu.rt_period_us") == "900000")
        #expect(Self.cgroupFile("memory", id, "memory.swappiness") == "17")
        #expect(Self.cgroupFile("memory", id, "memory.oom_control").contains("oom_kill_disable 1"))
        #expect(
            Self.cgroupFile("blkio", id, "blkio.throttle.read_bps_device") == "\(loop.major):\(loop.minor) 1048576")
        #expect(Self.cgroupFile("blkio", id, "blkio.throttle.write_iops_device") == "\(loop.major):\(loop.minor) 120")
        if Self.blkioWeightSupported {
            #expect(
                Self.cgroupFile("blkio", id, "blkio.weight") == "300"
                    || Self.cgroupFile("blkio", id, "blkio.bfq.weight") == "300")
        } else {
            // No CFQ/BFQ here: Docker discards the weight with its warning; the container still starts.
            #expect(up.err.contains("Block I/O weight"), "\(up.err)")
        }
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: [id])
    }

    @Test func runFlagsReachTheCgroup() throws {
        let root = try CLIRoot(prefix: "skiff-compat-rres-")
        defer { root.cleanUp() }
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: root.path + "/disk.img"))
        let loop = try #require(LoopDevice(file: root.path + "/disk.img"))
        defer { loop.detach() }
        let run = root.skiff(
            "run", "-d", "--name", "rres", "--cpu-period", "50000", "--cpu-quota", "25000", "--cpu-rt-period",
            "800000", "--memory-swappiness", "3", "--oom-kill-disable", "-m", "32m", "--device-write-bps",
            "\(loop.path):2mb", "--device-read-iops", "\(loop.path):77", "busybox", "sleep", "1000")
        try #require(run.status == 0, "\(run.err)")
        let id = root.inspect("rres", "{{.Id}}")
        #expect(Self.cgroupFile("cpu", id, "cpu.cfs_period_us") == "50000")
        #expect(Self.cgroupFile("cpu", id, "cpu.cfs_quota_us") == "25000")
        #expect(Self.cgroupFile("cpu", id, "cpu.rt_period_us") == "800000")
        #expect(Self.cgroupFile("memory", id, "memory.swappiness") == "3")
        #expect(Self.cgroupFile("memory", id, "memory.oom_control").contains("oom_kill_disable 1"))
        #expect(
            Self.cgroupFile("blkio", id, "blkio.throttle.write_bps_device") == "\(loop.major):\(loop.minor) 2097152")
        #expect(Self.cgroupFile("blkio", id, "blkio.throttle.read_iops_device") == "\(loop.major):\(loop.minor) 77")
        #expect(root.skiff("rm", "-f", "rres").status == 0)
        // A real-time budget beyond the parent cgroup's (0 under /skiff, as under Docker's without
        // dockerd --cpu-rt-runtime) is the kernel's EINVAL, named by its file, as runc reports it to Docker.
        let rt = root.skiff("run", "--rm", "--cpu-rt-runtime", "10000", "busybox", "true")
        #expect(rt.status != 0 && rt.err.contains("cpu.rt_runtime_us"), "\(rt.err)")
    }

    @Test func badValuesAreRefusedByName() throws {
        let root = try CLIRoot(prefix: "skiff-compat-bres-")
        defer { root.cleanUp() }
        let both = root.skiff("run", "--rm", "--cpus", "1", "--cpu-quota", "50000", "busybox", "true")
        #expect(both.status == 125 && both.err.contains("--cpu-quota"), "\(both.err)")
        let period = root.skiff("run", "--rm", "--cpu-period", "10", "busybox", "true")
        #expect(period.status == 125 && period.err.contains("cpu_period 10"), "\(period.err)")
        let device = root.skiff("run", "--rm", "--device-read-bps", "sda:1mb", "busybox", "true")
        #expect(device.status == 125 && device.err.contains("--device-read-bps"), "\(device.err)")
        let missing = root.skiff("run", "--rm", "--device-read-bps", "/dev/skiff-no-such-disk:1mb", "busybox", "true")
        #expect(missing.status == 125 && missing.err.contains("/dev/skiff-no-such-disk"), "\(missing.err)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)

        let p = try Project(
            """
            services:
              app:
                image: busybox
                blkio_config:
                  weight: 5
            """)
        defer { p.cleanUp() }
        let bad = p.compose("config")
        #expect(bad.status != 0 && bad.err.contains("services.app.blkio_config.weight"), "\(bad.err)")
    }
}
