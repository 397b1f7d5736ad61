import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffPresentation
import SkiffSystem

/// `skiff compose images [-q] [--format table|json] [SERVICE…]`: the images the project's containers run,
/// as Docker Compose lists them (CONTAINER, REPOSITORY, TAG, PLATFORM, IMAGE ID, SIZE, CREATED).
struct ComposeImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List the images used by the project's containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Only image IDs.") var quiet = false
    @Option(name: .long, help: "Format the output: table or json.") var format = "table"
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        guard format == "table" || format == "json" else {
            throw ValidationError("--format \(format): expected table or json")
        }
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        let list = runner.projectContainers(includeOneOff: false).filter {
            services.isEmpty || services.contains($0.composeService ?? "")
        }.sorted { $0.name < $1.name }
        if quiet {
            var seen = Set<String>()
            for c in list {
                let id = c.imageID.hasPrefix("sha256:") ? String(c.imageID.dropFirst(7)) : c.imageID
                if seen.insert(id).inserted { print(id) }
            }
            return
        }
        let rows = list.map { c in Row(c, image: try? runner.engine.images.resolve(c.imageID)) }
        if format == "json" {
            print("[" + rows.map(\.json).joined(separator: ",") + "]")
            return
        }
        let lines =
            ["CONTAINER\tREPOSITORY\tTAG\tPLATFORM\tIMAGE ID\tSIZE\tCREATED"]
            + rows.map { r in
                [
                    r.container, r.repository.isEmpty ? "<none>" : r.repository, r.tag.isEmpty ? "<none>" : r.tag,
                    r.platform, String(r.id.dropFirst("sha256:".count).prefix(12)),
                    r.size.map(Humanize.size) ?? "N/A", r.created.map { Timestamp.ago($0) } ?? "N/A",
                ].joined(separator: "\t")
            }
        print(TableWriter.format(lines))
    }

    /// One container's image, as Compose's `images` describes it.
    struct Row {
        var container: String
        var id: String
        var repository: String
        var tag: String
        var platform: String
        var size: Int64?
        var created: String?

        init(_ c: Container, image: StoredImage?) {
            container = c.name
            id = c.imageID
            (repository, tag) = (c.image, "latest")
            if let colon = c.image.lastIndex(of: ":"), !c.image[colon...].contains("/") {
                repository = String(c.image[..<colon])
                tag = String(c.image[c.image.index(after: colon)...])
            }
            platform =
                image.map { i in
                    [i.config.os, i.config.architecture, i.config.variant].compactMap { $0 }
                        .joined(separator: "/")
                } ?? ""
            size = image?.size
            created = image?.config.created
        }

        var json: String {
            var fields = [
                "\"ID\":\(JSONString.quote(id))", "\"ContainerName\":\(JSONString.quote(container))",
                "\"Repository\":\(JSONString.quote(repository))", "\"Tag\":\(JSONString.quote(tag))",
                "\"Platform\":\(JSONString.quote(platform))", "\"Size\":\(size ?? 0)",
            ]
            if let created { fields.append("\"Created\":\(JSONString.quote(created))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }
}
