import Foundation
import SkiffKit
import SkiffPresentation

#if canImport(Glibc)
import Glibc
#endif

/// The table `stats` and `compose stats` print: two samples of each container's cgroup half a second
/// apart, as Docker's columns (or a --format template), once or until interrupted.
enum StatsTable {
    /// `noTrunc`: full container IDs (`--no-trunc`), else Docker's 12-character ones.
    static func show(
        engine: Engine, noStream: Bool, noTrunc: Bool = false, format: String?, containers: () throws -> [Container]
    ) throws {
        repeat {
            let list = try containers()
            let first = list.map { engine.statsSample($0) }
            usleep(500_000)
            let second = list.map { engine.statsSample($0) }
            let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            let hostMemory = Engine.hostMemory
            var rows: [[String: Any]] = []
            for (i, c) in list.enumerated() {
                let id = noTrunc ? c.id : c.shortID
                var row: [String: Any] = [
                    "Container": id, "ID": id, "Name": c.name, "CPUPerc": "0.00%",
                    "MemUsage": "0B / 0B", "MemPerc": "0.00%", "NetIO": "0B / 0B",
                    "BlockIO": "0B / 0B", "PIDs": "0",
                ]
                if let a = first[i], let b = second[i] {
                    let u = ContainerUsage(from: a, to: b, cpus: cpus, hostMemory: hostMemory)
                    row["CPUPerc"] = String(format: "%.2f%%", u.cpuPercent)
                    row["MemUsage"] = "\(Engine.binarySize(u.memoryUsage)) / \(Engine.binarySize(u.memoryLimit))"
                    row["MemPerc"] = String(format: "%.2f%%", u.memoryPercent)
                    row["BlockIO"] = "\(Engine.decimalSize(u.blockRead)) / \(Engine.decimalSize(u.blockWrite))"
                    row["PIDs"] = "\(u.pids)"
                    row["NetIO"] = "\(Engine.decimalSize(u.netReceived)) / \(Engine.decimalSize(u.netSent))"
                }
                rows.append(row)
            }
            if let format {
                let source =
                    format == "json"
                    ? "{{json .}}"
                    : format.hasPrefix("table") ? String(format.dropFirst(5)).trimmingPrefixSpaces() : format
                let t = try FormatTemplate(source)
                for r in rows { print(try t.render(r)) }
            } else {
                var lines = ["CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS"]
                for r in rows {
                    lines.append(
                        ["ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"]
                            .map { r[$0] as? String ?? "" }.joined(separator: "\t"))
                }
                print(TableWriter.format(lines))
            }
            fflush(nil)
        } while !noStream
    }
}
