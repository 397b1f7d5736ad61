import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// runc's `update` flags Skiff lacked (--blkio-weight, --cpu-rt-period, --cpu-rt-runtime) and
/// `linux.resources.blockIO` from a spec or `update -r`, on the real kernel (cgroup v1 here: blkio
/// throttles and cpu.rt_*; v2 takes io.max and refuses a real-time budget, as it has none).
@Suite(
    "skiff-oci update: block I/O and real-time CPU",
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct OCIUpdateBlockIOTests {
    let commands = OCIRuncCommandsTests()
    var isV1: Bool { FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio") }

    /// The numbers of a block device the host has (a loop device node, e.g. 7:0).
    func blockDevice() -> (Int64, Int64)? {
        for path in (0..<8).map({ "/dev/loop\($0)" }) {
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFBLK {
                return (
                    Int64((((UInt64(st.st_rdev) >> 32) & 0xffff_f000) | ((UInt64(st.st_rdev) >> 8) & 0xfff))),
                    Int64((((UInt64(st.st_rdev) >> 12) & 0xffff_ff00) | (UInt64(st.st_rdev) & 0xff)))
                )
            }
        }
        return nil
    }

    @Test func blockIOFromTheSpecAndFromUpdate() throws {
        let (major, minor) = try #require(blockDevice(), "no /dev/loopN block device on this host")
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("blkio")
            try commands.started(id, [commands.probe, "sleep", "60"], sandbox) { spec in
                spec.linux?.resources = LinuxResources(
                    blockIO: LinuxBlockIO(
                        throttleReadBpsDevice: [LinuxThrottleDevice(major: major, minor: minor, rate: 1_048_576)]))
            }
            let json = #"{"blockIO":{"throttleWriteIOPSDevice":[{"major":\#(major),"minor":\#(minor),"rate":300}]}}"#
            let bundleJSON = sandbox.directory + "/res.json"
            try json.write(toFile: bundleJSON, atomically: true, encoding: .utf8)
            let update = try commands.oci(["update", "-r", bundleJSON, id], sandbox)
            #expect(update.status == 0, "update -r: \(update.stderr)")
            if isV1 {
                #expect(
                    commands.read(commands.cgroupFile(id, controller: "blkio", "blkio.throttle.read_bps_device"))
                        == "\(major):\(minor) 1048576")
                #expect(
                    commands.read(commands.cgroupFile(id, controller: "blkio", "blkio.throttle.write_iops_device"))
                        == "\(major):\(minor) 300")
            } else {
                let max = commands.read(commands.cgroupFile(id, controller: "", "io.max"))
                #expect(max.contains("rbps=1048576") && max.contains("wiops=300"), "\(max)")
            }
            // --blkio-weight: written, or (no weight file: no CFQ/BFQ scheduler) an error naming the file.
            let weight = try commands.oci(["update", "--blkio-weight", "300", id], sandbox)
            let weightFiles = ["blkio.bfq.weight", "blkio.weight"].map {
                commands.cgroupFile(id, controller: "blkio", $0)
            }
            .filter { FileManager.default.fileExists(atPath: $0) }
            if let file = weightFiles.first {
                // BFQ's file reads "default 300", the old one "300".
                #expect(weight.status == 0 && commands.read(file).hasSuffix("300"), "\(file): \(weight.stderr)")
            } else if isV1 {
                #expect(weight.status != 0 && weight.stderr.contains("blkio"), "\(weight.stderr)")
            }
            #expect(try commands.oci(["update", "--blkio-weight", "5", id], sandbox).status != 0, "below runc's range")
            #expect(try commands.oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    @Test func realtimePeriodAndRuntime() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("rt")
            try commands.started(id, [commands.probe, "sleep", "60"], sandbox)
            let update = try commands.oci(["update", "--cpu-rt-period", "900000", id], sandbox)
            if isV1 {
                #expect(update.status == 0, "\(update.stderr)")
                #expect(commands.read(commands.cgroupFile(id, controller: "cpu", "cpu.rt_period_us")) == "900000")
                // A runtime beyond what the parent cgroup has is the kernel's EINVAL, reported with the file.
                let runtime = try commands.oci(["update", "--cpu-rt-runtime", "950000", id], sandbox)
                #expect(runtime.status != 0 && runtime.stderr.contains("cpu.rt_runtime_us"), "\(runtime.stderr)")
            } else {
                #expect(update.status != 0 && update.stderr.contains("real-time"), "\(update.stderr)")
            }
            #expect(try commands.oci(["delete", "--force", id], sandbox).status == 0)
        }
    }
}

/// blockIO on cgroup v2 (this machine runs v1): io enabled down the path only when asked for, the
/// weight converted onto io.weight's scale as runc converts it, throttles as io.max lines.
@Suite("blockIO on a fake cgroup v2 tree")
struct CgroupV2BlockIOTests {
    @Test func ioIsEnabledAndWritten() throws {
        let root = try CgroupV2FakeTreeTests.fakeRoot(controllers: "cpuset cpu io memory pids")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try CgroupV2FakeTreeTests.manager(root: root, id: "io1")
        try cg.create(
            resources: LinuxResources(
                blockIO: LinuxBlockIO(
                    weight: 500, throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 2048)])))
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        #expect(try CgroupTestSupport.get(root + "/cgroup.subtree_control") == "+cpu +memory +pids +cpuset +io")
        #expect(try CgroupTestSupport.get(root + "/skiff/io1/io.weight") == "4950")
        #expect(try CgroupTestSupport.get(root + "/skiff/io1/io.max") == "8:0 wbps=2048")
        #expect(throws: CgroupError.self) {
            try cg.update(LinuxResources(cpu: LinuxCPU(realtimeRuntime: 1000, realtimePeriod: 10000)))
        }
    }
}
