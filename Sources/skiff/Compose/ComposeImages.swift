import ArgumentParser
import SkiffKit
import SkiffPresentation

/// `skiff compose images [-q] [SERVICE…]`: the images the project's containers run.
struct ComposeImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List the images used by the project's containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Only image IDs.") var quiet = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        let list = runner.projectContainers(includeOneOff: false).filter {
            services.isEmpty || services.contains($0.composeService ?? "")
        }
        if quiet { for id in Set(list.map(\.imageID)).sorted() { print(id) }; return }
        var lines = ["CONTAINER\tREPOSITORY\tTAG\tIMAGE ID"]
        for c in list {
            var repo = c.image
            var tag = "latest"
            if let colon = c.image.lastIndex(of: ":"), !c.image[colon...].contains("/") {
                repo = String(c.image[..<colon])
                tag = String(c.image[c.image.index(after: colon)...])
            }
            lines.append(
                [c.name, repo, tag, String(c.imageID.dropFirst("sha256:".count).prefix(12))].joined(separator: "\t"))
        }
        print(TableWriter.format(lines))
    }
}
