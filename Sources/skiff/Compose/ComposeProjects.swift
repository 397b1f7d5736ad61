import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffPresentation

/// `skiff compose ls [-a] [-q] [--format table|json] [--filter name=…]`: the projects that have
/// containers on this host, from their labels (Docker Compose keeps no other record either).
struct ComposeLs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List compose projects.")
    @Flag(name: [.customShort("a"), .long], help: "Also projects whose containers are all stopped.") var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only the projects' names.") var quiet = false
    @Option(name: .long, help: "table (default) or json.") var format = "table"
    @Option(name: .long, help: "name=NAME: only this project.") var filter: [String] = []

    struct Row: Encodable {
        var Name: String
        var Status: String
        var ConfigFiles: String
    }

    func run() throws {
        guard format == "table" || format == "json" else {
            throw ValidationError("--format \(format): expected table or json")
        }
        var names: [String] = []
        for f in filter {
            guard f.hasPrefix("name=") else { throw ValidationError("--filter \(f): supported is name=NAME") }
            names.append(String(f.dropFirst(5)))
        }
        var byProject: [String: [Container]] = [:]
        for c in SkiffContext.engine().listContainers() {
            if let p = c.composeProject { byProject[p, default: []].append(c) }
        }
        var rows: [Row] = []
        for (name, list) in byProject.sorted(by: { $0.key < $1.key }) {
            if !names.isEmpty && !names.contains(where: { name.contains($0) }) { continue }
            var counts: [String: Int] = [:]
            for c in list { counts[c.status.rawValue, default: 0] += 1 }
            if !all && counts["running", default: 0] + counts["restarting", default: 0] == 0 { continue }
            let status = counts.keys.sorted().map { "\($0)(\(counts[$0]!))" }.joined(separator: ", ")
            let files = list.compactMap { $0.labels[ComposeLabels.configFiles] }.first ?? ""
            rows.append(Row(Name: name, Status: status, ConfigFiles: files))
        }
        if quiet { for r in rows { print(r.Name) }; return }
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print(
            TableWriter.format(
                ["NAME\tSTATUS\tCONFIG FILES"] + rows.map { "\($0.Name)\t\($0.Status)\t\($0.ConfigFiles)" }))
    }
}

/// `skiff compose version [--short] [--format pretty|json]`.
struct ComposeVersion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show the compose version (skiff's).")
    @Flag(name: .long, help: "Only the number.") var short = false
    @Option(name: [.customShort("f"), .long], help: "pretty (default) or json.") var format = "pretty"

    func run() throws {
        if short { print(SkiffVersion.number); return }
        switch format {
        case "pretty": print("Skiff Compose version v\(SkiffVersion.number)")
        case "json": print("{\"version\":\"v\(SkiffVersion.number)\"}")
        default: throw ValidationError("--format \(format): expected pretty or json")
        }
    }
}
