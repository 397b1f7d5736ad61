import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffPresentation
import SkiffSystem

/// `skiff volume create|ls|inspect|rm|prune`: Docker's volume commands for the local driver.
struct VolumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume", abstract: "Manage volumes (data that outlives containers).",
        subcommands: [VolumeCreate.self, VolumeList.self, VolumeInspect.self, VolumeRemove.self, VolumePrune.self])
}

struct VolumeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a volume (a random name when none is given).")
    @Option(name: .customLong("label"), help: "Set a label (KEY=VALUE).") var label: [String] = []
    @Option(name: [.customShort("d"), .long], help: "Volume driver (only local).") var driver = "local"
    @Option(
        name: [.customShort("o"), .customLong("opt")],
        help: "A local driver option: type=TYPE, device=DEVICE or o=OPTIONS (mount(8)'s; o=bind for a host directory).")
    var opt: [String] = []
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "The volume's name.") var name: String?

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff volume create " + (name ?? "")) }
        guard driver == "local" else { throw ValidationError("--driver \(driver): only the local driver exists here") }
        var labels: [String: String] = [:]
        for l in label {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = kv.first, !key.isEmpty else { throw ValidationError("--label \(l): expected KEY=VALUE") }
            labels[key] = kv.count > 1 ? kv[1] : ""
        }
        var options: [String: String] = [:]
        for o in opt {
            let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else { throw ValidationError("--opt \(o): expected KEY=VALUE") }
            options[kv[0]] = kv[1]
        }
        let volume = try SkiffContext.engine().createVolume(
            name ?? Self.randomName(), labels: labels, options: options)
        print(volume.Name)
    }

    static func randomName() -> String {
        String((0..<64).map { _ in Array("0123456789abcdef").randomElement()! })
    }
}

struct VolumeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes.", aliases: ["list"])
    @Flag(name: [.customShort("q"), .long], help: "Only the names.") var quiet = false
    @Option(name: [.customShort("f"), .long], help: "Filter: dangling=true|false, name=TEXT, label=KEY[=VALUE].")
    var filter: [String] = []
    @Option(name: .long, help: "Format each volume with a template, e.g. '{{.Name}}'.") var format: String?

    func run() throws {
        let engine = SkiffContext.engine()
        var dangling: Bool?
        var predicates: [(Volume) -> Bool] = []
        for f in filter {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else {
                throw ValidationError("--filter \(f): expected KEY=VALUE (dangling=true, name=…, label=…)")
            }
            switch kv[0] {
            case "dangling":
                switch kv[1].lowercased() {
                case "true", "1": dangling = true
                case "false", "0": dangling = false
                default: throw ValidationError("--filter \(f): dangling takes true or false")
                }
            case "name": predicates.append { $0.Name.contains(kv[1]) }
            case "label": predicates.append { LabelFilter.matches(kv[1], in: $0.Labels) }
            case "driver": predicates.append { $0.Driver == kv[1] }
            default: throw ValidationError("--filter \(f): supported are dangling, name, label and driver")
            }
        }
        let found = engine.volumeListing(dangling: dangling)
        for record in found.unreadable { FileHandleStderr.write("skiff: \(record)\n") }
        let volumes = found.records.filter { v in predicates.allSatisfy { $0(v) } }
        try VolumeTable.print(volumes, quiet: quiet, format: format)
    }
}

struct VolumeInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show volumes as JSON.")
    @Option(name: [.customShort("f"), .long], help: "Format each volume with a template, e.g. '{{.Mountpoint}}'.")
    var format: String?
    @Argument(help: "Volume names.") var names: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        let template = try format.map { try FormatTemplate($0) }
        var docs: [Volume] = []
        var failed = false
        for name in names {
            do {
                let v = try engine.volume(name)
                if let template { print(try template.render(FormatTemplate.tree(v))) } else { docs.append(v) }
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                failed = true
            }
        }
        if template == nil && (!docs.isEmpty || !failed) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(docs), as: UTF8.self))
        }
        if failed { throw ExitCode(1) }
    }
}

struct VolumeRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove volumes (refused while a container uses one).",
        aliases: ["remove"])
    @Flag(
        name: [.customShort("f"), .long],
        help: "Also remove a volume that only stopped containers use; no error when missing.") var force = false
    @Argument(help: "Volume names.") var names: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        var failed = false
        for name in names {
            do {
                try engine.removeVolume(name, force: force)
                print(name)
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct VolumePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove anonymous volumes no container uses (-a: every unused volume).")
    @Flag(name: [.customShort("a"), .long], help: "Remove unused named volumes too.") var all = false
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Option(name: .long, help: "Only what matches: label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    func run() throws {
        let filters = try PruneFilter(parsing: filter, allowUntil: false, now: Timestamp.nowSeconds())
        let what =
            all
            ? "all local volumes not used by at least one container"
            : "anonymous local volumes not used by at least one container"
        guard force || Confirmation.ask("This will remove \(what).") else { return }
        let (names, bytes) = SkiffContext.engine().pruneVolumes(all: all, filter: filters)
        if !names.isEmpty { print("Deleted Volumes:\n" + names.joined(separator: "\n") + "\n") }
        print("Total reclaimed space: \(Engine.decimalSize(bytes))")
    }
}
