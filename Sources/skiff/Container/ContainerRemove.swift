import ArgumentParser
import SkiffKit

struct ContainerRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers.")

    @Flag(name: [.customShort("f"), .long], help: "Kill a running container first.") var force = false
    @Flag(name: [.customShort("v"), .long], help: "Remove the container's anonymous volumes too (named volumes stay).")
    var volumes = false
    @Flag(name: [.customShort("l"), .long], help: "Remove the named link (/CONTAINER/ALIAS), not a container.")
    var link = false
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        if link {
            try forEachContainer(containers) { try engine.removeLink($0) }
            return
        }
        // All at once (the running ones are killed together), then reported one by one, in order.
        let results = engine.remove(containers, force: force, volumes: volumes)
        var next = 0
        try forEachContainer(containers) { _ in
            defer { next += 1 }
            if let error = results[next] { throw error }
        }
    }
}
