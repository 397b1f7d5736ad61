import ArgumentParser
import SkiffKit

/// `skiff compose stop [-t N] [SERVICE…]`: stop containers (dependents first), keep them.
struct ComposeStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the services' containers without removing them.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before SIGKILL.") var timeout: Int?
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in try runner.stop(services, timeout: timeout) }
    }
}
