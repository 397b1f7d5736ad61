import ArgumentParser
import SkiffImage
import SkiffKit

/// `skiff compose pull [-q] [--ignore-pull-failures] [--include-deps] [--policy missing|always]
/// [--ignore-buildable] [SERVICE…]`.
struct ComposePull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull the images of the services that name one.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Pull without printing progress information.") var quiet = false
    @Flag(name: .customLong("ignore-pull-failures"), help: "Pull what it can and ignore images with pull failures.")
    var ignorePullFailures = false
    @Flag(name: .customLong("include-deps"), help: "Also pull services declared as dependencies.")
    var includeDeps = false
    @Option(name: .long, help: "Apply pull policy: missing or always.") var policy: String?
    @Flag(name: .customLong("ignore-buildable"), help: "Ignore images that can be built.") var ignoreBuildable = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load()
        let runner = compose.runner(project, quiet: quiet)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let chosen = ComposePush.selected(project, services, includeDeps: includeDeps)
        var options = ComposeRunner.PullFlags()
        options.ignoreFailures = ignorePullFailures
        options.ignoreBuildable = ignoreBuildable
        options.policy = policy
        options.quiet = quiet
        try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in try runner.pullImages(chosen, options: options) }
        }
    }
}
