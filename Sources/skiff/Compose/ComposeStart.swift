import ArgumentParser
import SkiffKit

/// `skiff compose start [SERVICE…]`: start existing containers (dependencies first).
struct ComposeStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start the services' existing containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in try runner.start(services) }
    }
}
