import ArgumentParser
import SkiffKit

/// `skiff diff` / `skiff container diff CONTAINER`: the container's filesystem changes against its image,
/// one per line (`A /path`, `C /path`, `D /path`), as `docker diff` prints them.
struct ContainerDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Inspect changes to files or directories on a container's filesystem.")
    @Argument(help: "The container (name or ID).") var container: String

    func run() throws {
        let changes = try SkiffContext.engine().changes(container)
        var text = ""
        for change in changes { text += change.description + "\n" }
        print(text, terminator: "")
    }
}
