import ArgumentParser
import SkiffKit

/// `skiff compose kill [-s SIGNAL] [SERVICE…]`: signal the services' running containers (default SIGKILL).
struct ComposeKill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill", abstract: "Send a signal to the services' containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: [.customShort("s"), .long], help: "Signal (name or number).") var signal = "SIGKILL"
    @Flag(name: .customLong("remove-orphans"), help: "Also remove containers of services no longer in the files.")
    var removeOrphans = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in
            try runner.kill(services, signal: signal)
            if removeOrphans { try runner.removeOrphanContainers() }
        }
    }
}

/// `skiff compose pause [SERVICE…]`: freeze the services' containers (the cgroup freezer).
struct ComposePause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause the services' containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in try runner.pause(services) }
    }
}

struct ComposeUnpause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause", abstract: "Unpause the services' containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load())
        try composeStep { () throws(ComposeError) in try runner.unpause(services) }
    }
}
