import ArgumentParser
import SkiffKit

/// `skiff compose build [--no-cache] [--pull] [SERVICE…]`.
struct ComposeBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Build the images of services that have build:.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("no-cache"), help: "Do not use the build cache.") var noCache = false
    @Flag(name: .customLong("pull"), help: "Pull the base images, even those already here.") var pull = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load()
        let runner = compose.runner(project)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let chosen = project.services.filter { services.isEmpty || services.contains($0.name) }
        try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in try runner.build(chosen, noCache: noCache, pull: pull) }
        }
    }
}
