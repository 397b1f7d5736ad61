import ArgumentParser
import SkiffKit
import SkiffOCICommands
import SkiffPresentation

/// `skiff info` / `skiff system info [--format F]`: Docker's `info`, laid out as Docker prints it, or one
/// Go template over Docker's field names (`{{.ServerVersion}}`, `{{json .}}`; `json` alone too).
struct SystemInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Display system-wide information.")
    @Option(name: [.customShort("f"), .long], help: "Format the output with a Go template, or 'json'.")
    var format: String?

    func run() throws {
        let info = SkiffContext.engine().systemInfo(serverVersion: SkiffVersion.number)
        if let format {
            let template = try FormatTemplate(format == "json" ? "{{json .}}" : format)
            print(try template.render(FormatTemplate.tree(info)))
            return
        }
        print(Self.text(info), terminator: "")
    }

    /// Docker's human layout: a Client section, then the Server's fields, nested by one space.
    static func text(_ i: SystemInfo) -> String {
        var lines = [
            "Client:", " Version:    \(SkiffVersion.number)", " Context:    default", " Debug Mode: false", "",
            "Server:", " Containers: \(i.Containers)", "  Running: \(i.ContainersRunning)",
            "  Paused: \(i.ContainersPaused)", "  Stopped: \(i.ContainersStopped)", " Images: \(i.Images)",
            " Server Version: \(i.ServerVersion)", " Storage Driver: \(i.Driver)",
        ]
        lines += i.DriverStatus.filter { $0.count == 2 }.map { "  \($0[0]): \($0[1])" }
        lines += [
            " Logging Driver: \(i.LoggingDriver)", " Cgroup Driver: \(i.CgroupDriver)",
            " Cgroup Version: \(i.CgroupVersion)", " Plugins:", "  Volume: \(i.Plugins.Volume.joined(separator: " "))",
            "  Network: \(i.Plugins.Network.joined(separator: " "))", "  Log: \(i.Plugins.Log.joined(separator: " "))",
            " Runtimes: \(i.Runtimes.keys.sorted().joined(separator: " "))", " Default Runtime: \(i.DefaultRuntime)",
            " Security Options:",
        ]
        for option in i.SecurityOptions {
            var fields: [(String, String)] = []
            for part in option.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { fields.append((kv[0], kv[1])) }
            }
            guard let name = fields.first(where: { $0.0 == "name" })?.1 else { continue }
            lines.append("  \(name)")
            for (k, v) in fields where k != "name" {
                lines.append("   \(k.prefix(1).uppercased() + k.dropFirst()): \(v)")
            }
        }
        lines += [
            " Kernel Version: \(i.KernelVersion)", " Operating System: \(i.OperatingSystem)", " OSType: \(i.OSType)",
            " Architecture: \(i.Architecture)", " CPUs: \(i.NCPU)",
            " Total Memory: \(Engine.binarySize(UInt64(max(i.MemTotal, 0))))", " Name: \(i.Name)",
            " Docker Root Dir: \(i.DockerRootDir)", " Debug Mode: \(i.Debug)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
