import ArgumentParser
import SkiffKit

/// `skiff compose config [--services|--volumes|--networks|-q]`: the resolved model as YAML.
struct ComposeConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the compose files and print the resolved project (merged, interpolated, long syntax).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Only check; print nothing.") var quiet = false
    @Flag(name: .long, help: "Print the services' names.") var services = false
    @Flag(name: .long, help: "Print the volumes' names.") var volumes = false
    @Flag(name: .long, help: "Print the networks' names.") var networks = false

    func run() throws {
        let project = try compose.load()
        if quiet { return }
        if services { for s in project.services { print(s.name) }; return }
        if volumes { for v in project.volumes { print(v.name) }; return }
        if networks { for n in project.networks { print(n.name) }; return }
        print(project.yaml(), terminator: "")
    }
}
