import SkiffOCI
import SkiffRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct OCIPause: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "pause", "Freeze every process of a container (status \"paused\").", operands: [.containerID])
    let id: String

    init(_ a: RuntimeArguments) { id = a.operands[0] }

    func run() throws { try OCIContext.runtime().pause(id: id) }
}

struct OCIResume: RuntimeCommand {
    static let spec = RuntimeCommandSpec("resume", "Thaw a paused container.", operands: [.containerID])
    let id: String

    init(_ a: RuntimeArguments) { id = a.operands[0] }

    func run() throws { try OCIContext.runtime().resume(id: id) }
}

/// runc's `update`: flags, or a LinuxResources JSON from `-r FILE` / `-r -` (then the flags are ignored).
/// A value of -1 (unlimited) is a value, not a flag: every option takes the next word whatever it is.
struct OCIUpdate: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "update", "Change a container's resource limits.",
        options: [
            .value(
                "resources", "r", placeholder: "file",
                help: "A LinuxResources JSON file, or - for stdin (other flags are then ignored)."),
            .value("memory", placeholder: "bytes", help: "Memory limit (bytes, or with a unit: 64m, 1g; -1 for none)."),
            .value("memory-swap", placeholder: "bytes", help: "Memory plus swap limit (-1 for unlimited swap)."),
            .value("memory-reservation", placeholder: "bytes", help: "Memory soft limit."),
            .value("cpu-share", "cpu-shares", placeholder: "shares", help: "CPU shares (relative weight)."),
            .value("cpu-quota", placeholder: "us", help: "CFS quota in microseconds per period (-1 for none)."),
            .value("cpu-period", placeholder: "us", help: "CFS period in microseconds."),
            .value("cpuset-cpus", placeholder: "list", help: "CPUs to use (0-3, 0,1)."),
            .value("cpuset-mems", placeholder: "list", help: "Memory nodes to use."),
            .value("pids-limit", placeholder: "n", help: "Maximum number of processes (0: leave)."),
            .value("blkio-weight", placeholder: "weight", help: "Block I/O weight of the cgroup (10 to 1000)."),
            .value("cpu-rt-period", placeholder: "us", help: "Real-time period in microseconds (cgroup v1)."),
            .value(
                "cpu-rt-runtime", placeholder: "us", help: "Real-time runtime in microseconds per period (cgroup v1)."),
        ],
        operands: [.containerID])

    let id: String
    let resources: String?
    let memory: String?
    let memorySwap: String?
    let memoryReservation: String?
    let cpuShare: UInt64?
    let cpuQuota: Int64?
    let cpuPeriod: UInt64?
    let cpusetCpus: String?
    let cpusetMems: String?
    let pidsLimit: Int64?
    let blkioWeight: UInt16?
    let cpuRtPeriod: UInt64?
    let cpuRtRuntime: Int64?

    init(_ a: RuntimeArguments) throws {
        id = a.operands[0]
        resources = a.string("resources")
        memory = a.string("memory")
        memorySwap = a.string("memory-swap")
        memoryReservation = a.string("memory-reservation")
        cpuShare = try a.number("cpu-share")
        cpuQuota = try a.number("cpu-quota")
        cpuPeriod = try a.number("cpu-period")
        cpusetCpus = a.string("cpuset-cpus")
        cpusetMems = a.string("cpuset-mems")
        pidsLimit = try a.number("pids-limit")
        blkioWeight = try a.number("blkio-weight")
        cpuRtPeriod = try a.number("cpu-rt-period")
        cpuRtRuntime = try a.number("cpu-rt-runtime")
    }

    func run() throws {
        try OCIContext.runtime().update(id: id, resources: try requested())
    }

    func requested() throws -> LinuxResources {
        if let resources {
            var bytes: [UInt8] = []
            if resources == "-" {
                try FileIO.readBlocks(fd: STDIN_FILENO, path: "stdin", blockSize: 16384) { bytes += $0 }
            } else {
                bytes = try FileIO.read(resources)
            }
            do { return try JSONDecoder().decode(LinuxResources.self, from: Data(bytes)) } catch {
                throw CommandLineError("--resources \(resources): not a LinuxResources JSON object: \(error)")
            }
        }
        var r = LinuxResources()
        var memory = LinuxMemory()
        if let limit = size(self.memory, "--memory") { memory.limit = limit }
        if let swap = size(memorySwap, "--memory-swap") { memory.swap = swap }
        if let reservation = size(memoryReservation, "--memory-reservation") { memory.reservation = reservation }
        // runc: unlimited memory without a swap value means unlimited swap too.
        if memory.limit == -1 && memory.swap == nil { memory.swap = -1 }
        if memory != LinuxMemory() { r.memory = memory }
        var cpu = LinuxCPU()
        cpu.shares = cpuShare
        cpu.quota = cpuQuota
        cpu.period = cpuPeriod
        cpu.cpus = cpusetCpus
        cpu.mems = cpusetMems
        cpu.realtimePeriod = cpuRtPeriod
        cpu.realtimeRuntime = cpuRtRuntime
        if cpu != LinuxCPU() { r.cpu = cpu }
        if let pidsLimit { r.pids = LinuxPids(limit: pidsLimit) }
        if let blkioWeight {
            guard (10...1000).contains(blkioWeight) else {
                throw CommandLineError("--blkio-weight \(blkioWeight): must be 10 to 1000")
            }
            r.blockIO = LinuxBlockIO(weight: blkioWeight)
        }
        if let error = parseError { throw error }
        return r
    }

    private var parseError: CommandLineError? {
        for (value, flag) in [
            (memory, "--memory"), (memorySwap, "--memory-swap"), (memoryReservation, "--memory-reservation"),
        ] {
            if let value, value != "-1", ByteSize.parse(value) == nil {
                return CommandLineError("\(flag): expected bytes or a size like 64m or 1g, got \"\(value)\"")
            }
        }
        return nil
    }

    private func size(_ value: String?, _ flag: String) -> Int64? {
        guard let value else { return nil }
        return value == "-1" ? -1 : ByteSize.parse(value)
    }
}

/// Sizes as runc's flags take them (go-units RAMInBytes): a number with an optional binary unit
/// (k, m, g, t, p; "kb", "KiB" and "b" accepted).
enum ByteSize {
    static func parse(_ text: String) -> Int64? {
        var s = Substring(text.lowercased())
        if s.hasSuffix("ib") { s = s.dropLast(2) } else if s.hasSuffix("b") { s = s.dropLast() }
        var multiplier: Double = 1
        if let last = s.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5][String(last)] {
            multiplier = Double(1 << (10 * power))
            s = s.dropLast()
        }
        s = s.drop { $0 == " " }
        guard !s.isEmpty, let number = Double(s), number >= 0 else { return nil }
        let bytes = number * multiplier
        guard bytes < Double(Int64.max) else { return nil }
        return Int64(bytes)
    }
}
