/// What `skiff stats` shows for a container, from two samples of its cgroup: Docker's arithmetic.
public struct ContainerUsage: Sendable, Equatable {
    /// CPU time used between the samples over the time between them; 100 per CPU busy, at most all CPUs.
    public var cpuPercent: Double
    /// Memory in use, in bytes, without the page cache (as Docker subtracts it).
    public var memoryUsage: UInt64
    /// The container's memory limit, or the host's memory when it has none (as Docker shows).
    public var memoryLimit: UInt64
    /// `memoryUsage` over `memoryLimit`, in percent.
    public var memoryPercent: Double
    /// Bytes read from block devices.
    public var blockRead: UInt64
    /// Bytes written to block devices.
    public var blockWrite: UInt64
    /// Tasks in the container.
    public var pids: UInt64
    /// Bytes received on the container's network interfaces (Docker's NET I/O, first half).
    public var netReceived: UInt64
    /// Bytes sent on the container's network interfaces (NET I/O, second half).
    public var netSent: UInt64

    /// `cpus`: the host's online CPUs; `hostMemory`: its memory in bytes.
    public init(from first: ContainerStatsSample, to second: ContainerStatsSample, cpus: Int, hostMemory: UInt64) {
        let seconds = second.at - first.at
        // A counter that went back belongs to a new cgroup (the container restarted): no figure yet.
        if seconds > 0, second.cpuNanos >= first.cpuNanos {
            let percent = Double(second.cpuNanos - first.cpuNanos) / (seconds * 1e9) * 100
            cpuPercent = min(percent, 100 * Double(max(cpus, 1)))
        } else {
            cpuPercent = 0
        }
        memoryUsage = second.memoryUsage
        memoryLimit = second.memoryLimit ?? hostMemory
        memoryPercent = memoryLimit > 0 ? Double(second.memoryUsage) / Double(memoryLimit) * 100 : 0
        blockRead = second.blockRead
        blockWrite = second.blockWrite
        pids = second.pids
        netReceived = second.netReceived
        netSent = second.netSent
    }
}
