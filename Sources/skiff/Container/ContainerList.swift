import ArgumentParser
import SkiffKit
import SkiffPresentation

/// `skiff ps` / `skiff container ls`.
struct ContainerList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List containers (running ones; -a for all).")
    @OptionGroup var listing: ContainerListing

    func run() throws { try listing.run() }
}

/// The flags and the listing of `ps`, shared by the top-level command and the noun group's `ls`.
struct ContainerListing: ParsableArguments {
    @Flag(name: [.customShort("a"), .long], help: "Show all containers (default: running ones).") var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only IDs.") var quiet = false
    @Option(
        name: [.customShort("f"), .long],
        help: "Filter: id=, name=, status=, label=KEY[=VALUE], exited=CODE, ancestor=IMAGE, health=.") var filter:
        [String] = []
    @Option(
        name: .long,
        help: "Go-template-like format, e.g. '{{.ID}} {{.Names}} {{.Status}}' or 'table {{.Names}}\\t{{.Status}}'.")
    var format: String?
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate IDs and commands.") var noTrunc = false
    @Option(name: [.customShort("n"), .long], help: "Show the N last created containers (all states).") var last: Int?
    @Flag(name: [.customShort("l"), .long], help: "Show the latest created container (all states).") var latest = false
    @Flag(name: [.customShort("s"), .long], help: "Show the writable layer's size (and with the image's: virtual).")
    var size = false

    func run() throws {
        let engine = SkiffContext.engine()
        let found = engine.containerListing()
        for record in found.unreadable { FileHandleStderr.write("skiff: \(record)\n") }
        var list = found.records
        if !(all || last != nil || latest) { list = list.filter { $0.status == .running || $0.status == .restarting } }
        for f in filter { list = list.filter(try ContainerFilter.parse(f).matches) }
        if latest { list = Array(list.prefix(1)) } else if let last { list = Array(list.prefix(last)) }
        if quiet {
            for c in list { print(noTrunc ? c.id : c.shortID) }
            return
        }
        let headers = [
            "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
            "RunningFor": "CREATED", "Ports": "PORTS", "Status": "STATUS", "Names": "NAMES", "Labels": "LABELS",
            "State": "STATE", "Size": "SIZE", "Mounts": "MOUNTS", "Networks": "NETWORKS",
            "LocalVolumes": "LOCAL VOLUMES",
        ]
        let table = "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
        let output = try ListFormat(format, defaultTable: table + (size ? "\t{{.Size}}" : ""), headers: headers)
        // Sizes walk each writable layer: only when asked for, as Docker computes them.
        let sized = size || (format ?? "").contains(".Size")
        try output.print(
            list.map { c in
                var fields: [String: Any] = engine.listFields(c, truncate: !noTrunc)
                fields["LocalVolumes"] = String((c.mounts ?? []).filter { $0.name != nil }.count)
                if sized {
                    let s = engine.containerSizes(c)
                    fields["Size"] = "\(Engine.decimalSize(s.writable)) (virtual \(Engine.decimalSize(s.rootFs)))"
                }
                return fields
            })
    }
}

extension String {
    func trimmingPrefixSpaces() -> String { String(drop { $0 == " " }) }
}

/// Docker's ps filters.
struct ContainerFilter {
    var key: String
    var value: String

    static func parse(_ text: String) throws -> ContainerFilter {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["id", "name", "status", "label", "exited", "ancestor", "health"].contains(parts[0])
        else {
            throw ValidationError(
                "--filter \(text): expected id=, name=, status=, label=, exited=, ancestor= or health=")
        }
        return ContainerFilter(key: parts[0], value: parts[1])
    }

    func matches(_ c: Container) -> Bool {
        switch key {
        case "id": return c.id.hasPrefix(value)
        case "name": return c.name.contains(value)
        case "status": return c.status.rawValue == value
        case "exited": return c.status == .exited && Int32(value) == c.exitCode
        case "ancestor": return c.image == value || c.imageID.hasPrefix(value) || c.imageID.hasPrefix("sha256:" + value)
        case "health":
            guard c.healthcheck != nil else { return value == "none" }
            return (c.health ?? HealthState()).status.rawValue == value
        default: return LabelFilter.matches(value, in: c.labels)
        }
    }
}

/// `skiff container ls` (or `list`, `ps`): the same command under the container noun.
struct ContainerListInGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: ContainerList.configuration.abstract,
        aliases: ["list", "ps"])
    @OptionGroup var listing: ContainerListing

    func run() throws { try listing.run() }
}

/// `skiff container …`: the container commands under one noun, as Docker has them.
struct ContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container", abstract: "Manage containers.",
        subcommands: [
            ContainerListInGroup.self, ContainerRun.self, ContainerCreate.self, ContainerStart.self, ContainerStop.self,
            ContainerRestart.self, ContainerKill.self, ContainerPause.self, ContainerUnpause.self, ContainerRemove.self,
            ContainerWait.self, ContainerLogs.self,
            ContainerExec.self, ContainerInspect.self, ContainerAttach.self, ContainerTop.self, ContainerStats.self,
            ContainerCopy.self, ContainerRename.self, ContainerPrune.self,
            ContainerDiff.self, ContainerExport.self, ContainerCommit.self,
            ContainerUpdate.self,
        ])
}
