import Foundation
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// `pause`/`resume` and `update` on cgroup v2, against a fake cgroupfs tree (this host is v1).
@Suite("Cgroup v2 freeze and update against a fake tree")
struct CgroupV2FreezeUpdateTests {
    @Test func freezeWritesCgroupFreezeAndReadsItBack() throws {
        let root = try CgroupV2FakeTreeTests.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try CgroupV2FakeTreeTests.manager(root: root, id: "fz")
        try cg.create(resources: nil)
        defer { #expect(throws: Never.self) { try cg.destroy() } }

        #expect(!cg.isFrozen)
        try cg.setFrozen(true)
        #expect(try CgroupTestSupport.get(root + "/skiff/fz/cgroup.freeze") == "1")
        #expect(cg.isFrozen)
        try cg.setFrozen(false)
        #expect(try CgroupTestSupport.get(root + "/skiff/fz/cgroup.freeze") == "0")
        #expect(!cg.isFrozen)
    }

    @Test func updateWritesTheNewLimitsAndLeavesDevicesAlone() throws {
        let root = try CgroupV2FakeTreeTests.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try CgroupV2FakeTreeTests.manager(root: root, id: "up")
        try cg.create(resources: LinuxResources(memory: LinuxMemory(limit: 64 << 20), pids: LinuxPids(limit: 10)))
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        let get = { (file: String) throws -> String in try CgroupTestSupport.get(root + "/skiff/up/" + file) }

        try cg.update(
            LinuxResources(
                devices: [LinuxDeviceCgroup(allow: false, access: "rwm")],
                memory: LinuxMemory(limit: 128 << 20, swap: 256 << 20),
                cpu: LinuxCPU(shares: 512, quota: 20000, period: 100000, cpus: "0"),
                pids: LinuxPids(limit: 0)))
        #expect(try get("memory.max") == String(128 << 20))
        #expect(try get("memory.swap.max") == String(128 << 20), "v2 swap.max is memory+swap minus memory")
        #expect(try get("cpu.max") == "20000 100000")
        #expect(try get("cpu.weight") == String(CgroupValues.cpuWeight(shares: 512)))
        #expect(try get("cpuset.cpus") == "0")
        #expect(try get("pids.max") == "10", "a pids limit of 0 leaves the old one (runc)")
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff/up/cgroup.devices.bpf"))

        try cg.update(LinuxResources(pids: LinuxPids(limit: 99)))
        #expect(try get("pids.max") == "99")
        #expect(try get("memory.max") == String(128 << 20), "what the update does not name stays")
    }

    @Test func updateRefusesBadValuesByName() throws {
        let root = try CgroupV2FakeTreeTests.fakeRoot(controllers: "cpu memory")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try CgroupV2FakeTreeTests.manager(root: root, id: "bad")
        try cg.create(resources: nil)
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        #expect(throws: CgroupError.self) { try cg.update(LinuxResources(pids: LinuxPids(limit: 5))) }
        #expect(throws: CgroupError.self) {
            try cg.update(LinuxResources(memory: LinuxMemory(limit: 100 << 20, swap: 50 << 20)))
        }
    }
}
