import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffSystem

/// `skiff rmi`: remove names; an image whose last name goes is deleted (its blobs and unpacked layers
/// that nothing else uses), and with it its untagged parents (`commit`'s chain) unless --no-prune.
/// Refused while a container uses it, unless -f.
struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images.")
    @Flag(name: [.customShort("f"), .long], help: "Remove even if a container uses it.") var force = false
    @Flag(name: .customLong("no-prune"), help: "Do not delete untagged parents.") var noPrune = false
    @Option(name: .long, help: "Remove only this platform's image of a multi-platform image (e.g. linux/arm64).")
    var platform: String?
    @Argument(help: "Images (name or ID).") var images: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        var only: Platform?
        if let platform {
            do { only = try BuildPlatform.parse(platform, anyOS: true) } catch {
                throw ValidationError("--platform \(error.description)")
            }
        }
        var failed = false
        for name in images {
            do {
                let lines =
                    try only.map { try engine.removeImage(name, platform: $0, force: force, noPrune: noPrune) }
                    ?? engine.removeImage(name, force: force, noPrune: noPrune)
                for line in lines { print(line) }
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove blobs and unpacked layers no image or container uses.")
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Flag(name: [.customShort("a"), .long], help: "Remove every image no container uses, not only unreferenced blobs.")
    var all = false
    @Option(name: .long, help: "Only what matches: until=TIME (e.g. 24h), label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    func run() throws {
        let filters = try PruneFilter(parsing: filter, now: Timestamp.nowSeconds())
        let what = all ? "all images without at least one container associated to them" : "all dangling images"
        guard force || Confirmation.ask("This will remove \(what).") else { return }
        let engine = SkiffContext.engine()
        if all {
            for name in try engine.pruneUnusedImages(filter: filters).names { print("untagged: \(name)") }
        } else {
            try engine.pruneDanglingImages(filter: filters)
        }
        let removed = try engine.collectGarbage()
        for d in removed { print("deleted: \(d)") }
        print("Total reclaimed blobs: \(removed.count)")
    }
}

/// `skiff image rm` (or `remove`): the same command under the image noun.
struct ImageRemoveInGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: ImageRemove.configuration.abstract,
        aliases: ["remove"])
    @OptionGroup var command: ImageRemove

    func run() throws { try command.run() }
}
