import ArgumentParser
import SkiffKit
import SkiffSystem

/// `skiff compose watch [--no-up] [SERVICE…]`: bring the services up, then carry out their
/// `develop.watch` rules as files change (sync, rebuild, restart, sync+restart, sync+exec) until Ctrl-C.
struct ComposeWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the services' develop.watch paths; sync, rebuild or restart as files change.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("no-up"), help: "Do not build and start the services first.") var noUp = false
    @Flag(name: .long, help: "Hide build output.") var quiet = false
    @Argument(help: "Services (default: every one with a develop section).") var services: [String] = []

    func run() throws {
        var runner = compose.runner(try compose.load())
        if quiet { runner.buildOutput = { _ in } }
        var options = ComposeRunner.WatchOptions()
        options.services = services
        options.profiles = compose.allProfiles
        options.noUp = noUp
        // Ctrl-C or SIGTERM ends the watch (the containers keep running), exit 130 as Docker Compose.
        try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in
                try runner.watch(options) { Cancellation.isCancelled }
            }
        }
    }
}
