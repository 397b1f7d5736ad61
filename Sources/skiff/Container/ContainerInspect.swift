import ArgumentParser
import Foundation
import SkiffKit
import SkiffPresentation

/// `skiff container inspect`, and `skiff inspect` (containers first, then images, as Docker does).
struct ContainerInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show containers (or images) as JSON.")
    @Option(name: [.customShort("f"), .long], help: "Format each object with a template, e.g. '{{.State.Status}}'.")
    var format: String?
    @Option(name: .long, help: "container or image (default: whichever exists).") var type: String?
    @Flag(name: [.customShort("s"), .long], help: "Add the total file sizes (SizeRw, SizeRootFs) of containers.")
    var size = false
    @Argument(help: "Container (or image) names or IDs.") var names: [String]

    func run() throws {
        let engine = SkiffContext.engine()
        let template = try format.map { try FormatTemplate($0) }
        var docs: [SkiffKit.ContainerInspect] = []
        var failed = false
        for name in names {
            if type != "image" {
                var found: Container?
                do { found = try engine.container(name) } catch KitError.unreadableRecord(let record) {
                    FileHandleStderr.write("Error: \(KitError.unreadableRecord(record))\n")
                    failed = true
                    continue
                } catch {}  // not a container: maybe an image
                if let c = found {
                    var doc = engine.inspect(c)
                    if size {
                        // ps -s's walk of the writable layer, only when asked for.
                        let s = engine.containerSizes(c)
                        doc.SizeRw = Int64(clamping: s.writable)
                        doc.SizeRootFs = Int64(clamping: s.rootFs)
                    }
                    if let template { print(try template.render(FormatTemplate.tree(doc))) } else { docs.append(doc) }
                    continue
                }
            }
            if type != "container", (try? engine.images.resolve(name)) != nil {
                var image = ImageInspect()
                image.images = [name]
                image.format = format
                image.platform = nil
                try image.run()
                continue
            }
            FileHandleStderr.write("Error: No such object: \(name)\n")
            failed = true
        }
        if template == nil && !(docs.isEmpty && failed) && (!docs.isEmpty || names.isEmpty) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(docs), as: UTF8.self))
        }
        if failed { throw ExitCode(1) }
    }
}
