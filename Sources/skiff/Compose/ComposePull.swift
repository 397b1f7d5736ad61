import ArgumentParser
import SkiffImage
import SkiffKit

/// `skiff compose pull [--ignore-buildable] [SERVICE…]`.
struct ComposePull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull the images of services that name one (and build none).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "No progress output.") var quiet = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load()
        let runner = compose.runner(project, quiet: quiet)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let chosen = project.services.filter { services.isEmpty || services.contains($0.name) }
        try Interruptible.run(.compose) { try composeStep { () throws(ComposeError) in try runner.pull(chosen) } }
    }
}
