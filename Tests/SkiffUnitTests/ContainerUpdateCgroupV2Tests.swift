import Foundation
import SkiffOCI
import SkiffRuntime
import SkiffSystem
import Testing

@testable import SkiffKit

/// `skiff update`'s live writes on cgroup v2, through the runtime's one cgroup writer, against a fake
/// cgroupfs tree (this host is v1; the v1 side is ContainerUpdateTests, on the real kernel).
@Suite("container update on cgroup v2 (fake tree)")
struct ContainerUpdateCgroupV2Tests {
    @Test func thePlansWritesLandInTheV2Files() throws {
        let root = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-update-cgv2-")
        defer { FileIO.removeTree(root) }
        try FileIO.create(root + "/cgroup.controllers", contents: Array("cpuset cpu io memory pids\n".utf8))
        try FileIO.create(root + "/cgroup.subtree_control", contents: [])
        let cg = try CgroupManager(layout: .v2(root: root), path: "/skiff/up2", fakeFilesystem: true)
        let created = LinuxResources(memory: LinuxMemory(limit: 64 << 20, swap: 64 << 20), pids: LinuxPids(limit: 10))
        try cg.create(resources: created)
        defer { try? cg.destroy() }
        func get(_ file: String) throws -> String {
            try FileIO.readString(root + "/skiff/up2/" + file).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        let current = ResourceSettings(resources: created, nanoCpus: nil)
        var request = ContainerUpdateRequest()
        request.memorySwap = 256 << 20
        request.nanoCpus = 500_000_000
        request.pidsLimit = -1
        request.cpuShares = 512
        let plan = try ContainerUpdatePlan.make(
            current: current, request: request, autoRemove: false,
            host: UpdateHostFacts(cpuCount: 2, onlineCpus: "0-1", onlineMems: "0"))
        try cg.update(plan.live)
        #expect(try get("memory.max") == String(64 << 20), "the limit stays")
        #expect(try get("memory.swap.max") == String(192 << 20), "v2's swap alone: memory+swap minus the limit")
        #expect(try get("cpu.max") == "50000 100000")
        #expect(try get("cpu.weight") == String(CgroupValues.cpuWeight(shares: 512)))
        #expect(try get("pids.max") == "max")
    }
}
