import ArgumentParser
import SkiffKit

/// `skiff compose restart [-t N] [SERVICE…]`.
struct ComposeRestart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart the services' containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before SIGKILL.") var timeout: Int?
    @Flag(name: .customLong("no-deps"), help: "Don't restart dependent services.") var noDeps = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in
            try runner.restart(services, timeout: timeout, noDeps: noDeps)
        }
    }
}
