import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Real cgroup v1 (or hybrid) on this machine: needs root and a mounted v1 memory hierarchy.
extension CgroupTestSupport {
    /// Root, and a v1 memory hierarchy mounted (v1 or hybrid layout).
    static var hostHasV1: Bool {
        guard getuid() == 0 else { return false }
        do {
            return try CgroupLayout.detect().v1Hierarchies["memory"] != nil
        } catch {
            return false
        }
    }
}

@Suite("Cgroup v1 on this host", .enabled(if: CgroupTestSupport.hostHasV1))
struct CgroupV1Tests {
    /// A unique parent per test so parallel tests never share a cgroup.
    static func uniqueManager(id: String = "c1") throws -> (CgroupManager, parent: String) {
        let parent = "skiff-test-\(CgroupTestSupport.randomSuffix())"
        let cg = try CgroupManager.forContainer(
            id: id, cgroupsPath: "/\(parent)/\(id)", logger: CgroupTestSupport.logger)
        return (cg, parent)
    }

    /// Every place a test cgroup could be left behind: each v1 mount and the cgroup2 mount.
    static func leftovers(parent: String, layout: CgroupLayout) -> [String] {
        var mounts = Set(layout.v1Hierarchies.values)
        if let unified = layout.unifiedMount { mounts.insert(unified) }
        return mounts.sorted().map { $0 + "/" + parent }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Last-resort cleanup for a failed test: kill what is in the cgroup and remove it.
    static func cleanUp(_ cg: CgroupManager, parent: String) {
        do {
            try cg.destroy(force: true)
        } catch {
            Issue.record("destroy failed: \(error)")
        }
        let left = leftovers(parent: parent, layout: cg.layout)
        #expect(left.isEmpty, "cgroup directories left behind: \(left)")
        for dir in left {
            rmdir(dir + "/" + (cg.path.split(separator: "/").last.map(String.init) ?? ""))
            rmdir(dir)
        }
    }

    static func spawnSleep() throws -> pid_t {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ)
        try #require(rc == 0, "posix_spawn /bin/sleep: \(errnoText(rc))")
        return pid
    }

    /// Reap `pid`; returns the signal that ended it (0 if it exited).
    static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f
    }

    static func read(_ dir: String?, _ file: String) throws -> String {
        let dir = try #require(dir)
        return try CgroupTestSupport.get(dir + "/" + file)
    }

    @Test func createLimitsJoinKillDestroy() throws {
        let (cg, parent) = try Self.uniqueManager()
        defer { Self.cleanUp(cg, parent: parent) }
        let paths = cg.paths

        let resources = LinuxResources(
            devices: [
                LinuxDeviceCgroup(allow: false, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "rw"),
            ],
            memory: LinuxMemory(
                limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, swappiness: 10,
                disableOOMKiller: true),
            cpu: LinuxCPU(shares: 512, quota: 20000, period: 100000, cpus: "0"),
            pids: LinuxPids(limit: 32))
        try cg.create(resources: resources)

        #expect(try Self.read(paths["memory"], "memory.limit_in_bytes") == String(64 << 20))
        #expect(try Self.read(paths["memory"], "memory.soft_limit_in_bytes") == String(32 << 20))
        if FileManager.default.fileExists(atPath: paths["memory"]! + "/memory.memsw.limit_in_bytes") {
            #expect(try Self.read(paths["memory"], "memory.memsw.limit_in_bytes") == String(128 << 20))
        }
        #expect(try Self.read(paths["memory"], "memory.swappiness") == "10")
        #expect(try Self.read(paths["memory"], "memory.oom_control").hasPrefix("oom_kill_disable 1"))
        #expect(try Self.read(paths["cpu"], "cpu.shares") == "512")
        #expect(try Self.read(paths["cpu"], "cpu.cfs_period_us") == "100000")
        #expect(try Self.read(paths["cpu"], "cpu.cfs_quota_us") == "20000")
        #expect(try Self.read(paths["pids"], "pids.max") == "32")
        #expect(try Self.read(paths["cpuset"], "cpuset.cpus") == "0")
        #expect(try Self.read(paths["devices"], "devices.list") == "c 1:3 rwm\nc 1:5 rw")
        // The intermediate cpuset level got its parent's cpus and mems (else no task could join).
        let cpusetMount = try #require(cg.layout.v1Hierarchies["cpuset"])
        #expect(
            try CgroupTestSupport.get(cpusetMount + "/" + parent + "/cpuset.cpus")
                == (try CgroupTestSupport.get(cpusetMount + "/cpuset.cpus")))
        #expect(try !CgroupTestSupport.get(cpusetMount + "/" + parent + "/cpuset.mems").isEmpty)
        if let unified = cg.layout.unifiedMount {
            #expect(FileManager.default.fileExists(atPath: unified + "/" + parent + "/c1"))
        }

        let pid = try Self.spawnSleep()
        var reaped = false
        defer { if !reaped { Glibc.kill(pid, SIGKILL); _ = Self.reap(pid) } }
        try cg.addProcess(pid: pid)
        #expect(try cg.processes() == [pid])
        for dir in cg.directories {
            #expect(try CgroupTestSupport.get(dir + "/cgroup.procs") == String(pid))
        }
        let own = try FileIO.readString("/proc/\(pid)/cgroup")
        #expect(own.contains("memory:/\(parent)/c1"))

        #expect(try cg.kill(signal: SIGKILL) == [pid])
        #expect(Self.reap(pid) == SIGKILL)
        reaped = true
        #expect(try cg.processes() == [])

        try cg.destroy()
        #expect(Self.leftovers(parent: parent, layout: cg.layout) == [])
    }

    @Test func forcedDestroyKillsWhatIsLeft() throws {
        let (cg, parent) = try Self.uniqueManager(id: "busy")
        defer { Self.cleanUp(cg, parent: parent) }
        try cg.create(resources: LinuxResources(pids: LinuxPids(limit: 8)))
        let pid = try Self.spawnSleep()
        // Reap in the background: a killed child must not linger as our zombie.
        var reaper = pthread_t()
        let box = UnsafeMutablePointer<pid_t>.allocate(capacity: 1)
        box.pointee = pid
        pthread_create(
            &reaper, nil,
            { arg in
                let p = arg!.assumingMemoryBound(to: pid_t.self).pointee
                var status: Int32 = 0
                while waitpid(p, &status, 0) < 0 && errno == EINTR {}
                return nil
            }, box)
        defer { pthread_join(reaper, nil); box.deallocate() }
        defer { Glibc.kill(pid, SIGKILL) }
        try cg.addProcess(pid: pid)

        // Without force the cgroup is busy and that is reported with the pid.
        do {
            try cg.destroy(force: false)
            Issue.record("destroy without force should fail while a process lives in the cgroup")
        } catch {
            guard case .busy(_, let pids) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(pids == [pid])
        }
        try cg.destroy(force: true)
        #expect(Self.leftovers(parent: parent, layout: cg.layout) == [])
    }

    @Test func unifiedResourcesNeedV2() throws {
        let layout = CgroupLayout.v1(hierarchies: ["memory": "/nonexistent/memory"])
        let cg = try CgroupManager(layout: layout, path: "/skiff/x", logger: CgroupTestSupport.logger)
        #expect(throws: CgroupError.unifiedNeedsV2(key: "memory.high")) {
            try cg.create(resources: LinuxResources(unified: ["memory.high": "1G"]))
        }
    }

    @Test func limitWithoutItsControllerIsAnError() throws {
        let layout = CgroupLayout.v1(hierarchies: ["cpu": "/nonexistent/cpu"])
        let cg = try CgroupManager(layout: layout, path: "/skiff/x", logger: CgroupTestSupport.logger)
        do {
            try cg.create(resources: LinuxResources(memory: LinuxMemory(limit: 1 << 20)))
            Issue.record("create should have failed")
        } catch {
            #expect(error.description == "memory limit set but no memory cgroup controller is mounted")
        }
        #expect(throws: CgroupError.controllerMissing(controller: "pids", setting: "pids limit", detail: "mounted")) {
            try cg.create(resources: LinuxResources(pids: LinuxPids(limit: 3)))
        }
    }
}
