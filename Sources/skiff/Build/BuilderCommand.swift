import ArgumentParser
import Foundation
import SkiffKit

/// `skiff builder prune [-f] [--filter K=V] [--keep-storage SIZE]`: forget the build cache (its entries and every RUN --mount=type=cache
/// directory, and base images pulled for another platform), as `docker builder prune` does; asks first unless -f.
struct BuilderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builder", abstract: "Manage the build cache.",
        subcommands: [BuilderPrune.self])
}

struct BuilderPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove the build cache and the RUN --mount=type=cache directories.")
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Flag(name: [.customShort("a"), .long], help: "Accepted for docker compatibility (all of the cache is removed).")
    var all = false
    @Option(
        name: .long,
        help: "Only what matches: until=TIME (e.g. 24h; unused since), id=ID, type=regular|exec.cachemount.")
    var filter: [String] = []
    @Option(name: .customLong("keep-storage"), help: "Keep this much cache (e.g. 1g), the most recently used.")
    var keepStorage: String?

    func run() throws {
        let options: BuildCachePruneOptions
        do { options = try BuildCachePruneOptions(filters: filter, keepStorage: keepStorage) } catch {
            throw ValidationError("\(error)")
        }
        guard force || Confirmation.ask("This will remove all dangling build cache.") else { return }
        let engine = SkiffContext.engine()
        let pruned: (entries: Int, cacheMounts: Int, bytes: UInt64)
        if options.isEverything {
            pruned = BuildCache(engine: engine).prune()
            // Base images pulled for another platform are build cache too (BuildKit's content store).
            try engine.images.forgetPlatformPulls()
        } else {
            pruned = engine.pruneBuildCache(options)
        }
        _ = try engine.collectGarbage()
        print("Deleted build cache objects: \(pruned.entries) steps, \(pruned.cacheMounts) cache mounts")
        print("Total reclaimed space: \(Engine.decimalSize(pruned.bytes))")
    }
}
