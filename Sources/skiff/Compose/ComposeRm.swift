import ArgumentParser
import Foundation
import SkiffKit

/// `skiff compose rm [-f] [-s] [SERVICE…]`: remove stopped service containers.
struct ComposeRm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove the services' stopped containers.")
    @OptionGroup var own: ComposeLongOptions
    @ParentCommand var parent: ComposeCommand
    @Flag(name: [.customShort("f"), .long], help: "Do not ask for confirmation.") var force = false
    @Flag(name: [.customShort("s"), .long], help: "Stop running containers first.") var stop = false
    @Flag(name: [.customShort("v"), .long], help: "Remove any anonymous volumes attached to containers.")
    var volumes = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let compose = try own.inheriting(parent.global)
        let runner = compose.runner(try compose.load())
        if !force {
            // Docker Compose names what it is about to remove and asks.
            let going = runner.projectContainers().filter {
                (services.isEmpty || services.contains($0.composeService ?? "")) && (stop || $0.status != .running)
            }
            if going.isEmpty { FileHandleStderr.write("No stopped containers\n"); return }
            print("Going to remove " + going.map(\.name).joined(separator: ", "))
            print("? Are you sure you want to continue? (y/N) ", terminator: "")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else { return }
        }
        let removed = try composeStep { () throws(ComposeError) in
            try runner.remove(services, stopFirst: stop, anonymousVolumes: volumes)
        }
        if removed.isEmpty { FileHandleStderr.write("No stopped containers\n") }
    }
}
