import ArgumentParser
import SkiffKit

struct ContainerRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers.")

    @Flag(name: [.customShort("f"), .long], help: "Kill a running container first.") var force = false
    @Flag(name: [.customShort("v"), .long], help: "Remove the container's anonymous volumes too (named volumes stay).") var volumes = false
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        try forEachContainer(containers) { try engine.remove($0, force: force, volumes: volumes) }
    }
}
