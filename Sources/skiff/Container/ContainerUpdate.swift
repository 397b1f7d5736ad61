import ArgumentParser
import SkiffKit

/// `skiff update` / `skiff container update`: Docker's flags; a running container's cgroup changes at
/// once, a stopped one's at its next start. Prints each container as given; exit 1 if any failed.
struct ContainerUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Update configuration of one or more containers.")
    // Numbers take the next word whatever it is, as Docker's do, so "--memory-swap -1" is a value.
    @Option(name: .customLong("blkio-weight"), parsing: .unconditional, help: "Block IO weight, 10 to 1000 (0: leave).")
    var blkioWeight: String?
    @Option(name: .customLong("cpu-period"), parsing: .unconditional, help: "Limit CPU CFS period (microseconds).")
    var cpuPeriod: String?
    @Option(name: .customLong("cpu-quota"), parsing: .unconditional, help: "Limit CPU CFS quota (microseconds).")
    var cpuQuota: String?
    @Option(name: .customLong("cpu-rt-period"), parsing: .unconditional, help: "Limit the CPU real-time period.")
    var cpuRtPeriod: String?
    @Option(name: .customLong("cpu-rt-runtime"), parsing: .unconditional, help: "Limit the CPU real-time runtime.")
    var cpuRtRuntime: String?
    @Option(name: [.customShort("c"), .customLong("cpu-shares")], parsing: .unconditional, help: "CPU shares.")
    var cpuShares: String?
    @Option(name: .long, parsing: .unconditional, help: "Number of CPUs.") var cpus: String?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs in which to allow execution (0-3, 0,1).")
    var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems"), help: "MEMs in which to allow execution (0-3, 0,1).")
    var cpusetMems: String?
    @Option(name: [.customShort("m"), .long], parsing: .unconditional, help: "Memory limit.") var memory: String?
    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: "Memory soft limit.")
    var memoryReservation: String?
    @Option(
        name: .customLong("memory-swap"), parsing: .unconditional,
        help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap.")
    var memorySwap: String?
    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Tune container pids limit (-1: none).")
    var pidsLimit: String?
    @Option(name: .long, help: "Restart policy to apply when a container exits.") var restart: String?
    @Argument(help: "Container names or IDs.") var containers: [String]

    func validate() throws {
        if containers.isEmpty { throw ValidationError("\"update\" requires at least 1 argument.") }
    }

    func run() throws {
        let request = try self.request()
        guard !request.isEmpty else {
            FileHandleStderr.write("Error: you must provide one or more flags when using this command\n")
            throw ExitCode(1)
        }
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.update($0, request) }
    }

    /// The request Docker's CLI would send: a 0 is "not given", except for --pids-limit.
    func request() throws -> ContainerUpdateRequest {
        var r = ContainerUpdateRequest()
        func nonZero(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            let n = try RunFlagParser.integer(text, flag: flag, in: Int64.min...Int64.max)
            return n == 0 ? nil : n
        }
        func bytes(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text, text != "0" else { return nil }
            return try RunFlagParser.checked(text, flag: flag, Units.parseBytes)
        }
        r.memory = try bytes(memory, "--memory")
        r.memoryReservation = try bytes(memoryReservation, "--memory-reservation")
        r.memorySwap = memorySwap == "-1" ? -1 : try bytes(memorySwap, "--memory-swap")
        if let cpus, cpus != "0" {
            let n = try RunFlagParser.checked(cpus, flag: "--cpus", Units.parseCPUs)
            r.nanoCpus = Int64((n * 1e9).rounded())
        }
        r.cpuShares = try nonZero(cpuShares, "--cpu-shares")
        r.cpuPeriod = try nonZero(cpuPeriod, "--cpu-period")
        r.cpuQuota = try nonZero(cpuQuota, "--cpu-quota")
        r.cpuRealtimePeriod = try nonZero(cpuRtPeriod, "--cpu-rt-period")
        r.cpuRealtimeRuntime = try nonZero(cpuRtRuntime, "--cpu-rt-runtime")
        r.cpusetCpus = cpusetCpus.flatMap { $0.isEmpty ? nil : $0 }
        r.cpusetMems = cpusetMems.flatMap { $0.isEmpty ? nil : $0 }
        if let pidsLimit {
            r.pidsLimit = try RunFlagParser.integer(pidsLimit, flag: "--pids-limit", in: Int64.min...Int64.max)
        }
        if let w = try nonZero(blkioWeight, "--blkio-weight") {
            guard (10...1000).contains(w) else {
                throw ValidationError(
                    "invalid value \"\(blkioWeight ?? "")\" for --blkio-weight: the range is from 10 to 1000")
            }
            r.blkioWeight = UInt16(w)
        }
        if let restart, !restart.isEmpty {
            do { r.restartPolicy = try RestartPolicy(parsing: restart) } catch { throw ValidationError("\(error)") }
        }
        return r
    }
}
