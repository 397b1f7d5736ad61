import ArgumentParser
import SkiffKit

/// `skiff compose down [-v] [--rmi all|local] [--remove-orphans]`.
struct ComposeDown: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop and remove the project's containers (and with flags its volumes and images).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("v"), .long], help: "Remove the project's named volumes (not external ones).")
    var volumes = false
    @Option(
        name: .customLong("rmi"), help: "Remove images: all (every service's) or local (those without an image: name).")
    var rmi: String?
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers of services no longer in the file.")
    var removeOrphans = false
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait for each container to stop.") var timeout: Int?

    func run() throws {
        let project = try compose.load(allowMissingFile: true)
        let runner = compose.runner(project)
        var options = ComposeRunner.DownOptions()
        options.removeVolumes = volumes
        options.removeImages = rmi
        // Without a file (-p alone) every container of the project goes.
        options.removeOrphans = removeOrphans || project.files.isEmpty
        options.timeout = timeout
        try composeStep { () throws(ComposeError) in try runner.down(options) }
    }
}
