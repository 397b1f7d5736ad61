import Foundation
import Logging
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Helpers shared by the cgroup test files.
enum CgroupTestSupport {
    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// A fresh directory under /tmp; remove it with `removeTree`.
    static func makeTempDir(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-\(randomSuffix())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func removeTree(_ path: String) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            Issue.record("cleanup of \(path) failed: \(error)")
        }
    }

    static func put(_ text: String, _ path: String) throws {
        try FileIO.create(path, contents: Array(text.utf8))
    }

    static func get(_ path: String) throws -> String {
        CgroupFS.trim(try FileIO.readString(path))
    }

    static func jsonRoundTrip<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
    }

    static var logger: Logger {
        var logger = Logger(label: "skiff.cgroup")
        logger.logLevel = .critical
        return logger
    }
}

@Suite("Cgroup v2 against a fake cgroupfs tree")
struct CgroupV2FakeTreeTests {
    /// A fake cgroup2 root: cgroup.controllers and an empty cgroup.subtree_control.
    static func fakeRoot(controllers: String = "cpuset cpu io memory pids") throws -> String {
        let root = try CgroupTestSupport.makeTempDir("skiff-cgv2")
        try CgroupTestSupport.put(controllers + "\n", root + "/cgroup.controllers")
        try CgroupTestSupport.put("", root + "/cgroup.subtree_control")
        return root
    }

    /// A container's manager; at the skiff CLI's path (/skiff/<id>, under a shared parent) by default.
    static func manager(root: String, id: String, cgroupsPath: String? = nil) throws -> CgroupManager {
        let path = try CgroupManager.containerPath(cgroupsPath: cgroupsPath ?? "/skiff/" + id, containerID: id)
        return try CgroupManager(
            layout: .v2(root: root), path: path, fakeFilesystem: true,
            logger: CgroupTestSupport.logger)
    }

    @Test func createWritesEveryLimit() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c1")
        let get = { (file: String) throws -> String in try CgroupTestSupport.get(root + "/skiff/c1/" + file) }

        let resources = LinuxResources(
            devices: [LinuxDeviceCgroup(allow: false, access: "rwm")],
            memory: LinuxMemory(limit: 256 << 20, reservation: 128 << 20, swap: 512 << 20),
            cpu: LinuxCPU(shares: 1024, quota: 50000, period: 100000, cpus: "0-1", mems: "0"),
            pids: LinuxPids(limit: 64),
            unified: ["memory.high": "300000000"])
        try cg.create(resources: resources)
        defer { #expect(throws: Never.self) { try cg.destroy() } }

        #expect(cg.path == "/skiff/c1")
        #expect(cg.paths == ["unified": root + "/skiff/c1"])
        #expect(try CgroupTestSupport.get(root + "/cgroup.subtree_control") == "+cpu +memory +pids +cpuset")
        #expect(try CgroupTestSupport.get(root + "/skiff/cgroup.subtree_control") == "+cpu +memory +pids +cpuset")
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff/c1/cgroup.subtree_control"))
        #expect(try get("memory.max") == String(256 << 20))
        #expect(try get("memory.swap.max") == String(256 << 20))  // memory+swap 512M - memory 256M
        #expect(try get("memory.low") == String(128 << 20))
        #expect(try get("cpu.weight") == "39")
        #expect(try get("cpu.max") == "50000 100000")
        #expect(try get("cpuset.cpus") == "0-1")
        #expect(try get("cpuset.mems") == "0")
        #expect(try get("pids.max") == "64")
        #expect(try get("memory.high") == "300000000")

        try cg.addProcess(pid: 4242)
        #expect(try get("cgroup.procs") == "4242")
        #expect(try cg.processes() == [4242])
    }

    @Test func unlimitedValuesBecomeMax() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c2", cgroupsPath: "/skiff-\(CgroupTestSupport.randomSuffix())/c2")
        try cg.create(
            resources: LinuxResources(
                memory: LinuxMemory(limit: -1, swap: -1),
                cpu: LinuxCPU(quota: -1),
                pids: LinuxPids(limit: 0)))
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        let dir = try #require(cg.paths["unified"])
        #expect(try CgroupTestSupport.get(dir + "/memory.max") == "max")
        #expect(try CgroupTestSupport.get(dir + "/memory.swap.max") == "max")
        #expect(try CgroupTestSupport.get(dir + "/cpu.max") == "max 100000")
        #expect(try CgroupTestSupport.get(dir + "/pids.max") == "max")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cpu.weight"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/memory.low"))
    }

    @Test func onlyOfferedControllersAreEnabled() throws {
        let root = try Self.fakeRoot(controllers: "memory pids io")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c3")
        try cg.create(resources: LinuxResources(pids: LinuxPids(limit: 10)))
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        #expect(try CgroupTestSupport.get(root + "/cgroup.subtree_control") == "+memory +pids")
    }

    @Test func hugepageLimitsGoToHugetlbMax() throws {
        let root = try Self.fakeRoot(controllers: "cpu memory pids hugetlb")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c-huge")
        try cg.create(
            resources: LinuxResources(hugepageLimits: [
                LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 20),
                LinuxHugepageLimit(pageSize: "1GB", limit: 1 << 30),
            ]))
        defer { #expect(throws: Never.self) { try cg.destroy() } }
        #expect(try CgroupTestSupport.get(root + "/cgroup.subtree_control") == "+cpu +memory +pids +hugetlb")
        #expect(try CgroupTestSupport.get(root + "/skiff/c-huge/hugetlb.2MB.max") == String(4 << 20))
        #expect(try CgroupTestSupport.get(root + "/skiff/c-huge/hugetlb.1GB.max") == String(1 << 30))
    }

    /// Nothing is dropped in silence on v2: hugetlb not offered, and the v1-only net_cls, net_prio and
    /// kernelTCP, are errors that name what is missing, and nothing is created.
    @Test(arguments: [
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1)]), "hugetlb"),
        (LinuxResources(network: LinuxNetwork(classID: 1)), "net_cls"),
        (
            LinuxResources(network: LinuxNetwork(priorities: [LinuxInterfacePriority(name: "lo", priority: 1)])),
            "net_prio"
        ),
        (LinuxResources(memory: LinuxMemory(kernelTCP: 1 << 20)), "kernelTCP"),
    ])
    func v1OnlyOrAbsentControllersAreErrors(_ resources: LinuxResources, _ named: String) throws {
        let root = try Self.fakeRoot(controllers: "cpu memory pids")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c-v1only")
        #expect {
            try cg.create(resources: resources)
        } throws: { error in
            "\(error)".contains(named)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff/c-v1only"))
    }

    @Test func missingControllerIsAnErrorAndCreatesNothing() throws {
        let root = try Self.fakeRoot(controllers: "cpu pids")
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c4")
        do {
            try cg.create(resources: LinuxResources(memory: LinuxMemory(limit: 1 << 20)))
            Issue.record("create should have failed")
        } catch {
            guard case .controllerMissing(let controller, let setting, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(controller == "memory")
            #expect(setting == "memory limit")
            #expect(error.description.hasPrefix("memory limit set but no memory cgroup controller is"))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }

    @Test func inconsistentSwapIsRejectedBeforeAnyMkdir() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c5")
        #expect(throws: CgroupError.self) {
            try cg.create(resources: LinuxResources(memory: LinuxMemory(limit: 200, swap: 100)))
        }
        #expect(throws: CgroupError.self) {
            try cg.create(resources: LinuxResources(memory: LinuxMemory(swap: 100)))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }

    @Test func badUnifiedKeyIsRejected() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "c6")
        #expect(throws: CgroupError.invalidUnifiedKey(key: "../escape", reason: "not a cgroup interface file name")) {
            try cg.create(resources: LinuxResources(unified: ["../escape": "1"]))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }

    @Test func destroyKeepsASharedParentWhileAnotherContainerUsesIt() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let a = try Self.manager(root: root, id: "a")
        let b = try Self.manager(root: root, id: "b")
        try a.create(resources: nil)
        try b.create(resources: nil)
        try a.destroy()
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff/a"))
        #expect(FileManager.default.fileExists(atPath: root + "/skiff/b"))
        try b.destroy()
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
        // Destroying again is fine: the cgroup is already gone.
        try b.destroy()
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: root).sorted()
                == ["cgroup.controllers", "cgroup.subtree_control"])
    }

    @Test func destroyRemovesNestedChildCgroups() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "nest")
        try cg.create(resources: nil)
        try FileManager.default.createDirectory(
            atPath: root + "/skiff/nest/inner/deeper",
            withIntermediateDirectories: true)
        try CgroupTestSupport.put("", root + "/skiff/nest/inner/cgroup.procs")
        try cg.destroy()
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }

    @Test func statePathsRebuildTheSameManager() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "saved")
        try cg.create(resources: LinuxResources(pids: LinuxPids(limit: 5)))
        let saved = try CgroupTestSupport.jsonRoundTrip(cg.statePaths)
        #expect(saved == cg.statePaths)
        let again = try CgroupManager(statePaths: saved, logger: CgroupTestSupport.logger)
        #expect(again.paths == cg.paths)
        #expect(again.path == "/skiff/saved")
        try again.destroy()
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }

    @Test func deviceRulesBecomeOneFilterOnTheContainersOwnCgroup() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let parent = "skiff-\(CgroupTestSupport.randomSuffix())"
        let cg = try Self.manager(root: root, id: "dev", cgroupsPath: "/\(parent)/dev")
        let rules = DeviceRules.resources(for: DockerDefaults.spec(rootfs: "/", args: ["true"]))?.devices
        try cg.create(resources: LinuxResources(devices: rules))
        defer { #expect(throws: Never.self) { try cg.destroy() } }

        let file = CgroupFS.fakeDeviceFilterFile
        let expected = DeviceFilterProgram(try DeviceRuleSet.emulate(try #require(rules))).listing
        #expect(try CgroupTestSupport.get(root + "/\(parent)/dev/" + file) == expected)
        // On the leaf only: a filter on a shared parent would bind every container below it.
        #expect(!FileManager.default.fileExists(atPath: root + "/\(parent)/" + file))
        #expect(!FileManager.default.fileExists(atPath: root + "/" + file))
        // No files of the v1 controller on v2.
        #expect(!FileManager.default.fileExists(atPath: root + "/\(parent)/dev/devices.deny"))
    }

    @Test func allowAllDevicesAttachesNoFilterAndAHoleIsRefusedBeforeMkdir() throws {
        let root = try Self.fakeRoot()
        defer { CgroupTestSupport.removeTree(root) }
        let cg = try Self.manager(root: root, id: "open")
        try cg.create(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: true, access: "rwm")]))
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff/open/" + CgroupFS.fakeDeviceFilterFile))
        try cg.destroy()

        let holed = [
            LinuxDeviceCgroup(allow: false), LinuxDeviceCgroup(allow: true, type: "c", access: "rw"),
            LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 11, access: "rw"),
        ]
        #expect(throws: CgroupError.self) { try cg.create(resources: LinuxResources(devices: holed)) }
        #expect(!FileManager.default.fileExists(atPath: root + "/skiff"))
    }
}

@Suite("Cgroup values and paths")
struct CgroupValuesTests {
    @Test(arguments: [(UInt64(2), UInt64(1)), (1024, 39), (262_144, 10_000), (1, 1), (1_000_000, 10_000)])
    func cpuWeightFromShares(shares: UInt64, weight: UInt64) {
        #expect(CgroupValues.cpuWeight(shares: shares) == weight)
    }

    @Test func cpuMax() {
        #expect(CgroupValues.cpuMax(quota: nil, period: nil) == nil)
        #expect(CgroupValues.cpuMax(quota: 50000, period: nil) == "50000 100000")
        #expect(CgroupValues.cpuMax(quota: 50000, period: 200000) == "50000 200000")
        #expect(CgroupValues.cpuMax(quota: -1, period: 100000) == "max 100000")
        #expect(CgroupValues.cpuMax(quota: nil, period: 250000) == "max 250000")
    }

    @Test func swapConversion() throws {
        #expect(try CgroupValues.v2SwapMax(swap: nil, limit: 100) == nil)
        #expect(try CgroupValues.v2SwapMax(swap: nil, limit: -1) == "max")
        #expect(try CgroupValues.v2SwapMax(swap: -1, limit: 100) == "max")
        #expect(try CgroupValues.v2SwapMax(swap: 300, limit: 100) == "200")
        #expect(try CgroupValues.v2SwapMax(swap: 100, limit: 100) == "0")
        #expect(throws: CgroupError.self) { try CgroupValues.v2SwapMax(swap: 50, limit: 100) }
        #expect(throws: CgroupError.self) { try CgroupValues.v2SwapMax(swap: 50, limit: nil) }
        #expect(throws: CgroupError.self) { try CgroupValues.v2SwapMax(swap: 50, limit: -1) }
    }

    @Test func deviceRules() throws {
        #expect(
            try CgroupValues.deviceRule(LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"))
                == "c 1:3 rwm")
        #expect(
            try CgroupValues.deviceRule(LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rw"))
                == "c 136:* rw")
        #expect(try CgroupValues.deviceRule(LinuxDeviceCgroup(allow: false)) == "a *:* rwm")
        #expect(throws: CgroupError.self) { try CgroupValues.deviceRule(LinuxDeviceCgroup(allow: true, type: "x")) }
        #expect(throws: CgroupError.self) {
            try CgroupValues.deviceRule(LinuxDeviceCgroup(allow: true, type: "c", access: "rwx"))
        }
    }

    @Test func containerPaths() throws {
        // No path: a cgroup of its own at the top, as crun's /<id>, with Skiff's prefix.
        #expect(try CgroupManager.containerPath(cgroupsPath: nil, containerID: "abc") == "/skiff-abc")
        #expect(try CgroupManager.containerPath(cgroupsPath: "", containerID: "abc") == "/skiff-abc")
        #expect(try CgroupManager.containerPath(cgroupsPath: "/machine//x/", containerID: "abc") == "/machine/x")
        #expect(try CgroupManager.containerPath(cgroupsPath: "group/x", containerID: "abc") == "/skiff/group/x")
        #expect(throws: CgroupError.self) {
            try CgroupManager.containerPath(cgroupsPath: "/a/../b", containerID: "abc")
        }
        #expect(throws: CgroupError.self) { try CgroupManager.containerPath(cgroupsPath: "/", containerID: "abc") }
        #expect(throws: CgroupError.self) { try CgroupManager.containerPath(cgroupsPath: nil, containerID: "a/b") }
    }

    @Test func errorMessagesNameFileAndValue() {
        let write = CgroupError.writeFailed(path: "/sys/fs/cgroup/pids/skiff/x/pids.max", value: "12", errno: EINVAL)
        #expect(write.description == "write \"12\" to /sys/fs/cgroup/pids/skiff/x/pids.max: Invalid argument")
        let missing = CgroupError.controllerMissing(controller: "memory", setting: "memory limit", detail: "mounted")
        #expect(missing.description == "memory limit set but no memory cgroup controller is mounted")
    }
}
