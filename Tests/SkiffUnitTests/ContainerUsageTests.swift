import Testing

@testable import SkiffKit

/// `skiff stats`: Docker's arithmetic on two cgroup samples.
@Suite("stats arithmetic")
struct ContainerUsageTests {
    static func sample(cpu: UInt64, at: Double, memory: UInt64 = 0, limit: UInt64? = nil) -> ContainerStatsSample {
        ContainerStatsSample(
            id: "c", name: "n", cpuNanos: cpu, memoryUsage: memory, memoryLimit: limit,
            pids: 3, blockRead: 10, blockWrite: 20, at: at)
    }

    @Test("NET I/O: the second sample's totals")
    func networkTotals() {
        var first = Self.sample(cpu: 0, at: 0)
        first.netReceived = 10
        var second = Self.sample(cpu: 0, at: 1)
        second.netReceived = 1500
        second.netSent = 700
        let u = ContainerUsage(from: first, to: second, cpus: 1, hostMemory: 0)
        #expect(u.netReceived == 1500 && u.netSent == 700)
    }

    @Test("CPU %: CPU time over wall time, 100 per busy CPU")
    func cpuPercent() {
        let half = ContainerUsage(
            from: Self.sample(cpu: 0, at: 1), to: Self.sample(cpu: 250_000_000, at: 1.5), cpus: 4, hostMemory: 0)
        #expect(half.cpuPercent == 50)
        let two = ContainerUsage(
            from: Self.sample(cpu: 0, at: 0), to: Self.sample(cpu: 1_000_000_000, at: 0.5), cpus: 4, hostMemory: 0)
        #expect(two.cpuPercent == 200)
    }

    @Test("CPU % is at most all CPUs, and 0 without elapsed time or when the counter went back")
    func cpuPercentBounds() {
        let over = ContainerUsage(
            from: Self.sample(cpu: 0, at: 0), to: Self.sample(cpu: 10_000_000_000, at: 1), cpus: 2, hostMemory: 0)
        #expect(over.cpuPercent == 200)
        let noTime = ContainerUsage(
            from: Self.sample(cpu: 0, at: 1), to: Self.sample(cpu: 5, at: 1), cpus: 2, hostMemory: 0)
        #expect(noTime.cpuPercent == 0)
        let restarted = ContainerUsage(
            from: Self.sample(cpu: 900, at: 0), to: Self.sample(cpu: 100, at: 1), cpus: 2, hostMemory: 0)
        #expect(restarted.cpuPercent == 0)
    }

    @Test("memory % of the limit, or of the host's memory without one")
    func memoryPercent() {
        let limited = ContainerUsage(
            from: Self.sample(cpu: 0, at: 0), to: Self.sample(cpu: 0, at: 1, memory: 256, limit: 1024),
            cpus: 1, hostMemory: 4096)
        #expect(limited.memoryLimit == 1024)
        #expect(limited.memoryPercent == 25)
        let unlimited = ContainerUsage(
            from: Self.sample(cpu: 0, at: 0), to: Self.sample(cpu: 0, at: 1, memory: 256),
            cpus: 1, hostMemory: 4096)
        #expect(unlimited.memoryLimit == 4096)
        #expect(unlimited.memoryPercent == 6.25)
        let unknownHost = ContainerUsage(
            from: Self.sample(cpu: 0, at: 0), to: Self.sample(cpu: 0, at: 1, memory: 256),
            cpus: 1, hostMemory: 0)
        #expect(unknownHost.memoryPercent == 0)
        #expect(unlimited.pids == 3 && unlimited.blockRead == 10 && unlimited.blockWrite == 20)
    }
}
