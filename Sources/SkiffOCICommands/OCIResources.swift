import ArgumentParser
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

struct OCIPause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Freeze every process of a container (status \"paused\").")
    // -1 (unlimited) is a value, not a flag: the options that take it parse the next word whatever it is.
    @Argument(help: "The container id.") var id: String

    func run() throws { try OCIContext.runtime().pause(id: id) }
}

struct OCIResume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.")
    @Argument(help: "The container id.") var id: String

    func run() throws { try OCIContext.runtime().resume(id: id) }
}

/// runc's `update`: flags, or a LinuxResources JSON from `-r FILE` / `-r -` (then the flags are ignored).
struct OCIUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a container's resource limits.")

    @Option(
        name: [.short, .customLong("resources")],
        help: "A LinuxResources JSON file, or - for stdin (other flags are then ignored).")
    var resources: String?
    @Option(
        name: .customLong("memory"), parsing: .unconditional,
        help: "Memory limit (bytes, or with a unit: 64m, 1g; -1 for none).")
    var memory: String?
    @Option(
        name: .customLong("memory-swap"), parsing: .unconditional,
        help: "Memory plus swap limit (-1 for unlimited swap).") var memorySwap: String?
    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: "Memory soft limit.")
    var memoryReservation: String?
    @Option(name: [.customLong("cpu-share"), .customLong("cpu-shares")], help: "CPU shares (relative weight).")
    var cpuShare: UInt64?
    @Option(
        name: .customLong("cpu-quota"), parsing: .unconditional,
        help: "CFS quota in microseconds per period (-1 for none).") var cpuQuota: Int64?
    @Option(name: .customLong("cpu-period"), help: "CFS period in microseconds.") var cpuPeriod: UInt64?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs to use (0-3, 0,1).") var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems"), help: "Memory nodes to use.") var cpusetMems: String?
    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Maximum number of processes (0: leave).")
    var pidsLimit: Int64?
    @Option(name: .customLong("blkio-weight"), help: "Block I/O weight of the cgroup (10 to 1000).") var blkioWeight:
        UInt16?
    @Option(name: .customLong("cpu-rt-period"), help: "Real-time period in microseconds (cgroup v1).") var cpuRtPeriod:
        UInt64?
    @Option(
        name: .customLong("cpu-rt-runtime"), parsing: .unconditional,
        help: "Real-time runtime in microseconds per period (cgroup v1).")
    var cpuRtRuntime: Int64?
    @Argument(help: "The container id.") var id: String

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
                throw ValidationError("--resources \(resources): not a LinuxResources JSON object: \(error)")
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
                throw ValidationError("--blkio-weight \(blkioWeight): must be 10 to 1000")
            }
            r.blockIO = LinuxBlockIO(weight: blkioWeight)
        }
        if let error = parseError { throw error }
        return r
    }

    private var parseError: ValidationError? {
        for (value, flag) in [
            (memory, "--memory"), (memorySwap, "--memory-swap"), (memoryReservation, "--memory-reservation"),
        ] {
            if let value, value != "-1", ByteSize.parse(value) == nil {
                return ValidationError("\(flag): expected bytes or a size like 64m or 1g, got \"\(value)\"")
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
