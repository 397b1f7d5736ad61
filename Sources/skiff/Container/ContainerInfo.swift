import ArgumentParser
import Foundation
import SkiffKit
import SkiffPresentation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff top`: the container's processes, as the host's `ps` shows them (Docker runs ps too).
struct ContainerTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Show the processes of a running container.")
    @Argument(help: "The container.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "ps options (default: -f).") var psOptions: [String] = []

    func run() throws {
        let engine = SkiffContext.engine()
        let pids = try engine.processes(container)
        try ProcessListing.show(pids, psOptions: psOptions)
    }
}

/// `skiff stats --no-stream`: CPU, memory, pids and block I/O from the cgroups.
struct ContainerStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show containers' resource use (from their cgroups).")
    @Flag(name: .customLong("no-stream"), help: "One sample, then exit.") var noStream = false
    @Flag(name: [.customShort("a"), .long], help: "All containers (default: running ones).") var all = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output (full container IDs).") var noTrunc = false
    @Option(name: .long, help: "Format each line, e.g. '{{.Name}} {{.MemUsage}}'.") var format: String?
    @Argument(help: "Containers (default: all running).") var containers: [String] = []

    func run() throws {
        let engine = SkiffContext.engine()
        try StatsTable.show(engine: engine, noStream: noStream, noTrunc: noTrunc, format: format) {
            containers.isEmpty
                ? engine.listContainers().filter { all || $0.status == .running }
                : try containers.map { try engine.container($0) }
        }
    }
}

/// `skiff cp [-a] [-L] [-q] CONTAINER:PATH HOSTPATH|-` and `skiff cp [-a] [-L] [-q] HOSTPATH|- CONTAINER:PATH`,
/// as Docker's: `-` streams a tar of PATH to standard output, or extracts one from standard input into
/// a directory of the container. Paths in the container are resolved inside its root.
struct ContainerCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files between a container and the host (symlinks in the container never lead out).",
        usage: """
            skiff cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
                   skiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH
            """,
        discussion: """
            Use '-' as the source to read a tar archive from stdin and extract it to a directory destination \
            in a container. Use '-' as the destination to stream a tar archive of a container source to stdout.
            """)
    @Flag(name: [.customShort("a"), .long], help: "Archive mode (copy all uid/gid information).")
    var archive = false
    @Flag(name: [.customShort("L"), .customLong("follow-link")], help: "Always follow symbol link in SRC_PATH.")
    var followLink = false
    @Flag(
        name: [.customShort("q"), .long],
        help: "Suppress progress output during copy (suppressed anyway when no terminal is attached).")
    var quiet = false
    @Argument(help: "CONTAINER:PATH, a host path, or - (a tar archive from stdin).") var source: String
    @Argument(help: "CONTAINER:PATH, a host path, or - (a tar archive to stdout).") var destination: String

    func validate() throws {
        if source.isEmpty { throw ValidationError("source can not be empty") }
        if destination.isEmpty { throw ValidationError("destination can not be empty") }
    }

    func run() throws {
        let engine = SkiffContext.engine()
        let options = CopyOptions(archive: archive, followLink: followLink)
        // Docker's summary on stderr, unless -q or standard output is not a terminal.
        let summary = !quiet && isatty(STDOUT_FILENO) == 1
        switch (Self.split(source), Self.split(destination)) {
        case (let (c, path)?, nil):
            if destination == "-" {
                try Interruptible.run {
                    try engine.archiveFromContainer(
                        c, path: path, to: STDOUT_FILENO, followLink: followLink, what: "standard output")
                }
                return
            }
            let bytes = try engine.copyFromContainer(c, path: path, to: destination, options: options)
            if summary { Self.report(bytes, to: Self.absolute(destination)) }
        case (nil, let (c, path)?):
            let bytes =
                source == "-"
                ? try engine.extractToContainer(
                    c, path: path, from: STDIN_FILENO, keepOwners: archive, what: "standard input")
                : try engine.copyToContainer(c, hostPath: source, path: path, options: options)
            if summary { Self.report(bytes, to: c + ":" + path) }
        case (nil, nil):
            throw ValidationError("must specify at least one container source")
        default:
            throw ValidationError("copying between containers is not supported")
        }
    }

    /// CONTAINER:PATH as (CONTAINER, PATH); nil for a host path: absolute, `./…`, `-`, or without `:`.
    /// An empty PATH is the container's root.
    static func split(_ s: String) -> (String, String)? {
        guard !s.hasPrefix("/"), !s.hasPrefix("."), let colon = s.firstIndex(of: ":") else { return nil }
        let path = String(s[s.index(after: colon)...])
        return (String(s[..<colon]), path.isEmpty ? "/" : path)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    static func report(_ bytes: UInt64, to destination: String) {
        FileHandleStderr.write("Successfully copied \(Engine.decimalSize(bytes)) to \(destination)\n")
    }
}

struct ContainerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all stopped containers.")
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Option(name: .long, help: "Only what matches: until=TIME (e.g. 24h), label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    func run() throws {
        let filters = try PruneFilter(parsing: filter, now: Timestamp.nowSeconds())
        guard force || Confirmation.ask("This will remove all stopped containers.") else { return }
        let (ids, bytes) = SkiffContext.engine().pruneContainers(filter: filters)
        if !ids.isEmpty { print("Deleted Containers:\n" + ids.joined(separator: "\n") + "\n") }
        print("Total reclaimed space: \(Engine.decimalSize(bytes))")
    }
}

/// `skiff system prune|df`.
struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "Disk use and clean-up.",
        subcommands: [SystemPrune.self, SystemDiskUsage.self, SystemInfoCommand.self, EventsCommand.self])
}

struct SystemPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove stopped containers and what no image or container uses.")
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Flag(name: [.customShort("a"), .long], help: "Also remove every image no container uses.") var all = false
    @Flag(name: .long, help: "Also remove anonymous volumes no container uses.") var volumes = false
    @Option(name: .long, help: "Only what matches: until=TIME (e.g. 24h), label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    func run() throws {
        let filters = try PruneFilter(parsing: filter, now: Timestamp.nowSeconds())
        // Volumes take the labels only (Docker refuses until= there): checked before anything goes.
        let volumeFilters = try PruneFilter(
            parsing: filter.filter { !$0.hasPrefix("until=") }, allowUntil: false, now: Timestamp.nowSeconds())
        var items = ["all stopped containers", "all networks not used by at least one container"]
        if volumes { items.append("all anonymous volumes not used by at least one container") }
        items.append(all ? "all images without at least one container associated to them" : "all dangling images")
        items.append("all build cache")
        guard force || Confirmation.ask("This will remove:\n" + items.map { "  - " + $0 }.joined(separator: "\n"))
        else { return }
        let engine = SkiffContext.engine()
        let (ids, bytes) = engine.pruneContainers(filter: filters)
        if !ids.isEmpty { print("Deleted Containers:\n" + ids.joined(separator: "\n") + "\n") }
        if volumes {
            let (names, _) = engine.pruneVolumes(filter: volumeFilters)
            if !names.isEmpty { print("Deleted Volumes:\n" + names.joined(separator: "\n") + "\n") }
        }
        let networks = (try? engine.pruneNetworks(filter: filters)) ?? []
        if !networks.isEmpty { print("Deleted Networks:\n" + networks.joined(separator: "\n") + "\n") }
        let cache = BuildCache(engine: engine).prune()
        if all {
            let names = try engine.pruneUnusedImages(filter: filters).names
            if !names.isEmpty {
                print("Deleted Images:\n" + names.map { "untagged: \($0)" }.joined(separator: "\n") + "\n")
            }
        }
        let removed = try engine.collectGarbage()
        if cache.entries + cache.cacheMounts > 0 {
            print("Deleted build cache objects: \(cache.entries) steps, \(cache.cacheMounts) cache mounts\n")
        }
        if !removed.isEmpty {
            print("Deleted Images:\n" + removed.map { "deleted: \($0)" }.joined(separator: "\n") + "\n")
        }
        print("Total reclaimed space: \(Engine.decimalSize(bytes)) (containers) and \(removed.count) blobs")
    }
}
