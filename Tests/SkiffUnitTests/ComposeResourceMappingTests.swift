import Foundation
import SkiffKit
import SkiffOCI
import Testing

/// cpu_quota, cpu_period, cpu_rt_*, mem_swappiness, oom_kill_disable and blkio_config → RunOptions →
/// OCI linux.resources, and what a host without a controller's file does to them (Docker's warnings).
@Suite("compose resource keys → OCI resources")
struct ComposeResourceMappingTests {
    static func load(_ compose: String) throws(ComposeError) -> ComposeProject {
        let dir = NSTemporaryDirectory() + "compose-res-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try? compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:]))
    }

    @Test func keysBecomeRunOptionsAndResources() throws {
        let project = try Self.load(
            """
            services:
              app:
                image: busybox
                cpu_quota: 50000
                cpu_period: 100000
                cpu_rt_runtime: 400ms
                cpu_rt_period: 1s
                mem_swappiness: 10
                oom_kill_disable: true
                blkio_config:
                  weight: 300
                  weight_device: [{path: /dev/sda, weight: 400}]
                  device_read_bps: [{path: /dev/sda, rate: 12mb}]
                  device_write_bps: [{path: /dev/sdb, rate: 1024}]
                  device_read_iops: [{path: /dev/sda, rate: 120}]
                  device_write_iops: [{path: /dev/sdb, rate: 30}]
            """)
        let app = try #require(project.service("app"))
        let options = try ComposeWiring(project: project).runOptions(app, name: "x-app-1", number: 1, configHash: "H")
        var expected = ContainerResourceOptions()
        expected.cpuQuota = 50000
        expected.cpuPeriod = 100_000
        expected.cpuRealtimeRuntime = 400_000
        expected.cpuRealtimePeriod = 1_000_000
        expected.memorySwappiness = 10
        expected.oomKillDisable = true
        expected.blockIO.weight = 300
        expected.blockIO.weightDevices = [.init(path: "/dev/sda", value: 400)]
        expected.blockIO.readBps = [.init(path: "/dev/sda", value: 12 * 1024 * 1024)]
        expected.blockIO.writeBps = [.init(path: "/dev/sdb", value: 1024)]
        expected.blockIO.readIOPS = [.init(path: "/dev/sda", value: 120)]
        expected.blockIO.writeIOPS = [.init(path: "/dev/sdb", value: 30)]
        #expect(options.resources == expected)

        var spec = Spec(linux: Linux())
        options.resources.apply(to: &spec)
        let r = try #require(spec.linux?.resources)
        #expect(r.cpu == LinuxCPU(quota: 50000, period: 100_000, realtimeRuntime: 400_000, realtimePeriod: 1_000_000))
        #expect(r.memory == LinuxMemory(swappiness: 10, disableOOMKiller: true))

        let devices: [String: (major: Int64, minor: Int64)] = ["/dev/sda": (8, 0), "/dev/sdb": (8, 16)]
        let b = try #require(try options.resources.blockIO.linux { devices[$0] })
        #expect(
            b
                == LinuxBlockIO(
                    weight: 300, weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 400)],
                    throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 12 * 1024 * 1024)],
                    throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 16, rate: 1024)],
                    throttleReadIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 120)],
                    throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 16, rate: 30)]))
        #expect(throws: KitError.self) { try options.resources.blockIO.linux { _ in nil } }
    }

    @Test func aHostWithoutTheFilesDiscardsWithDockersWarnings() {
        var r = ContainerResourceOptions()
        r.memorySwappiness = 10
        r.oomKillDisable = true
        r.blockIO.weight = 300
        r.blockIO.weightDevices = [.init(path: "/dev/sda", value: 400)]
        r.blockIO.readBps = [.init(path: "/dev/sda", value: 1)]
        let (kept, none) = r.discarding(unsupportedBy: CgroupSupport())
        #expect(kept == r && none.isEmpty)
        // cgroup v2 with no io weight file (no BFQ): all four go, the throttle stays.
        let v2 = CgroupSupport(
            memorySwappiness: false, oomKillDisable: false, blkioWeight: false, blkioWeightDevice: false)
        let (left, warnings) = r.discarding(unsupportedBy: v2)
        var expected = ContainerResourceOptions()
        expected.blockIO.readBps = r.blockIO.readBps
        #expect(left == expected)
        #expect(warnings.count == 4 && warnings.allSatisfy { $0.hasPrefix("WARNING: Your kernel does not support") })
        #expect(warnings.first?.contains("Memory swappiness discarded") == true)
    }

    @Test func badValuesNameTheirKey() {
        func error(_ service: String) -> String {
            do {
                _ = try Self.load("services:\n  app:\n    image: busybox\n" + service)
                return "(loaded)"
            } catch { return error.description }
        }
        #expect(error("    cpu_period: 10\n").contains("services.app.cpu_period: cpu_period 10: must be between"))
        #expect(error("    mem_swappiness: 101\n").contains("services.app.mem_swappiness: invalid value \"101\""))
        #expect(error("    oom_kill_disable: maybe\n").contains("services.app.oom_kill_disable: must be a boolean"))
        #expect(
            error("    blkio_config:\n      device_read_bps: [{path: sda, rate: 1}]\n")
                .contains("services.app.blkio_config.device_read_bps[0].path: an absolute device path"))
        #expect(
            error("    blkio_config:\n      weight_device: [{path: /dev/sda, weight: 5}]\n")
                .contains("services.app.blkio_config.weight_device[0].weight: invalid value \"5\""))
        #expect(
            error("    blkio_config:\n      wieght: 5\n").contains("services.app.blkio_config.wieght: unknown key"))
        #expect(
            error("    cpu_rt_runtime: 2000\n    cpu_rt_period: 1000\n")
                .contains("cpu_rt_runtime 2000 cannot be greater than cpu_rt_period 1000"))
    }
}
