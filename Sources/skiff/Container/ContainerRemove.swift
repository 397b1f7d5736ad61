import ArgumentParser
import SkiffKit

struct ContainerRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers.")

    @Flag(name: [.customShort("f"), .long], help: "Kill a running container first.") var force = false
    @Argument(help: "Container names or IDs.") var containers: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        var failed = false
        for name in containers {
            do {
                try engine.removeContainer(name, force: force)
                print(name)
            } catch {
                FileHandleStderr.write("Error: \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
