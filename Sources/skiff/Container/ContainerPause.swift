import ArgumentParser
import SkiffKit

/// `skiff pause` / `skiff container pause`: freeze every process of running containers (Docker's pause).
struct ContainerPause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause all processes within containers.")
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.pause($0) }
    }
}

/// `skiff unpause` / `skiff container unpause`.
struct ContainerUnpause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause", abstract: "Unpause all processes within containers.")
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.unpause($0) }
    }
}
