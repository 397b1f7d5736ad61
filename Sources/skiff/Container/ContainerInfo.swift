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
    @Option(name: .long, help: "Format each line, e.g. '{{.Name}} {{.MemUsage}}'.") var format: String?
    @Argument(help: "Containers (default: all running).") var containers: [String] = []

    func run() throws {
        let engine = SkiffContext.engine()
        try StatsTable.show(engine: engine, noStream: noStream, format: format) {
            containers.isEmpty
                ? engine.listContainers().filter { all || $0.status == .running }
                : try containers.map { try engine.container($0) }
        }
    }
}

/// `skiff cp CONTAINER:PATH HOSTPATH` and `skiff cp HOSTPATH CONTAINER:PATH`.
struct ContainerCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files between a container and the host (symlinks in the container never lead out).")
    @Argument(help: "CONTAINER:PATH or a host path.") var source: String
    @Argument(help: "CONTAINER:PATH or a host path.") var destination: String

    func run() throws {
        let engine = SkiffContext.engine()
        func split(_ s: String) -> (String, String)? {
            guard !s.hasPrefix("/"), !s.hasPrefix("."), let colon = s.firstIndex(of: ":") else { return nil }
            return (String(s[..<colon]), String(s[s.index(after: colon)...]))
        }
        switch (split(source), split(destination)) {
        case (let (c, path)?, nil):
            try engine.copyFromContainer(c, path: path.isEmpty ? "/" : path, to: destination)
        case (nil, let (c, path)?):
            try engine.copyToContainer(c, hostPath: source, path: path.isEmpty ? "/" : path)
        case (nil, nil):
            throw ValidationError("cp: one side must be CONTAINER:PATH")
        default:
            throw ValidationError("cp: copying between two containers is not supported; copy through the host")
        }
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

struct SystemDiskUsage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "df", abstract: "Show disk use by images, containers and the log files.")

    func run() throws {
        let engine = SkiffContext.engine()
        let u = engine.diskUsage()
        let volumes = engine.listVolumes()
        let unused = Set(engine.listVolumes(dangling: true).map(\.Name))
        var volumeBytes: UInt64 = 0, reclaimable: UInt64 = 0
        for v in volumes {
            let size = Engine.diskUsage(engine.volumes.dataPath(of: v.Name))
            volumeBytes += size
            if unused.contains(v.Name) { reclaimable += size }
        }
        let lines = [
            "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE",
            "Images\t\(u.images)\t\(u.activeImages)\t\(Engine.decimalSize(u.imageBytes))\t\(Engine.decimalSize(u.reclaimableImageBytes))",
            "Containers\t\(u.containers)\t\(u.runningContainers)\t\(Engine.decimalSize(u.containerBytes))\t\(Engine.decimalSize(u.reclaimableContainerBytes))",
            "Local Volumes\t\(volumes.count)\t\(volumes.count - unused.count)\t\(Engine.decimalSize(volumeBytes))\t\(Engine.decimalSize(reclaimable))",
            "Build Cache\t\(u.buildCacheEntries)\t0\t\(Engine.decimalSize(u.buildCacheBytes))\t\(Engine.decimalSize(u.buildCacheBytes))",
        ]
        print(TableWriter.format(lines))
    }
}
