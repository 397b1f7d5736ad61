import ArgumentParser
import SkiffKit

/// `skiff compose rm [-f] [-s] [SERVICE…]`: remove stopped service containers.
struct ComposeRm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove the services' stopped containers.")
    @OptionGroup var own: ComposeLongOptions
    @ParentCommand var parent: ComposeCommand
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation (skiff never asks).") var force = false
    @Flag(name: [.customShort("s"), .long], help: "Stop running containers first.") var stop = false
    @Flag(name: .customShort("v"), help: "Also anonymous volumes (none exist yet).") var volumes = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let compose = try own.inheriting(parent.global)
        let runner = compose.runner(try compose.load())
        let removed = try composeStep { () throws(ComposeError) in try runner.remove(services, stopFirst: stop) }
        if removed.isEmpty { FileHandleStderr.write("No stopped containers\n") }
    }
}
