import Foundation
import SkiffKit
import Testing

/// `skiff update`: a running container's cgroup changes at once (cgroup v1 on this host; v2 is the
/// runtime's writer, tested against a fake tree in SkiffRuntimeTests), the new values are what inspect
/// shows and what a restart keeps, and a stopped container gets them at its next start.
@Suite("container update", .serialized)
struct ContainerUpdateTests {
    static func cgroup(_ controller: String, _ id: String, _ file: String) -> String {
        ComposeResourceKeysTests.cgroupFile(controller, id, file)
    }

    @Test func updatesARunningContainerLiveAndARestartKeepsIt() throws {
        let root = try CLIRoot(prefix: "skiff-update-run-")
        defer { root.cleanUp() }
        try #require(root.skiff("run", "-d", "--name", "up", "-m", "64m", "busybox", "sleep", "1000").status == 0)
        let id = root.inspect("up", "{{.Id}}")
        // Docker's default without --memory-swap: as much swap as memory.
        #expect(root.inspect("up", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}") == "67108864 134217728")
        #expect(Self.cgroup("memory", id, "memory.memsw.limit_in_bytes") == "134217728")
        let update = root.skiff(
            "update", "--memory", "128m", "--memory-swap", "256m", "--cpus", "0.5", "--pids-limit", "20",
            "--cpu-shares", "512", "--restart", "on-failure:3", "up")
        #expect(update.status == 0, "\(update.err)")
        #expect(update.out == "up\n")
        func checkCgroup(_ when: String) {
            #expect(Self.cgroup("memory", id, "memory.limit_in_bytes") == "134217728", "\(when)")
            #expect(Self.cgroup("memory", id, "memory.memsw.limit_in_bytes") == "268435456", "\(when)")
            #expect(Self.cgroup("cpu", id, "cpu.cfs_quota_us") == "50000", "\(when)")
            #expect(Self.cgroup("cpu", id, "cpu.cfs_period_us") == "100000", "\(when)")
            #expect(Self.cgroup("cpu", id, "cpu.shares") == "512", "\(when)")
            #expect(Self.cgroup("pids", id, "pids.max") == "20", "\(when)")
        }
        checkCgroup("live")
        let shown = root.inspect(
            "up",
            "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        )
        #expect(shown == "134217728 268435456 500000000 512 20 on-failure:3")

        try #require(root.skiff("restart", "-t", "0", "up").status == 0)
        checkCgroup("after a restart")

        // Docker's refusals, and nothing changed by them.
        let swap = root.skiff("update", "--memory", "64m", "--memory-swap", "32m", "up")
        #expect(swap.status == 1 && swap.err.contains("Minimum memoryswap limit should be larger than memory limit"))
        let above = root.skiff("container", "update", "--memory", "512m", "up")
        #expect(
            above.status == 1
                && above.err.contains("Memory limit should be smaller than already set memoryswap limit"),
            "\(above.err)")
        let none = root.skiff("update", "up")
        #expect(none.status == 1 && none.err.contains("you must provide one or more flags"), "\(none.err)")
        let missing = root.skiff("update", "--memory", "64m", "no-such-container")
        #expect(missing.status == 1 && missing.err.contains("No such container: no-such-container"))
        let bad = root.skiff("update", "--memory", "lots", "up")
        #expect(bad.status == 125 && bad.err.contains("--memory"), "\(bad.err)")

        // Below what the container uses (tmpfs pages, which cannot be reclaimed without swap): the
        // kernel refuses, and the record keeps the old limit.
        let fill = root.skiff("exec", "up", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=40")
        try #require(fill.status == 0, "\(fill.err)")
        let busy = root.skiff("update", "--memory", "10m", "--memory-swap", "10m", "up")
        #expect(busy.status == 1 && busy.err.contains("Cannot update container \(id)"), "\(busy.err)")
        #expect(root.inspect("up", "{{.HostConfig.Memory}}") == "134217728")
        #expect(Self.cgroup("memory", id, "memory.limit_in_bytes") == "134217728")
    }

    @Test func aStoppedContainerGetsTheLimitsAtItsNextStart() throws {
        let root = try CLIRoot(prefix: "skiff-update-stopped-")
        defer { root.cleanUp() }
        try #require(root.skiff("create", "--name", "st", "--rm", "busybox", "sleep", "1000").status == 0)
        let id = root.inspect("st", "{{.Id}}")
        let update = root.skiff("update", "-m", "48m", "--memory-swap", "-1", "--pids-limit", "7", "st")
        #expect(update.status == 0 && update.out == "st\n", "\(update.err)")
        #expect(
            root.inspect("st", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}}")
                == "50331648 -1 7")
        let policy = root.skiff("update", "--restart", "always", "st")
        #expect(
            policy.status == 1
                && policy.err.contains("Restart policy cannot be updated because AutoRemove is enabled"),
            "\(policy.err)")
        try #require(root.skiff("start", "st").status == 0)
        #expect(Self.cgroup("memory", id, "memory.limit_in_bytes") == "50331648")
        #expect(Self.cgroup("pids", id, "pids.max") == "7")
    }
}
