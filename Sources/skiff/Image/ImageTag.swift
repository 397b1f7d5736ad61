import ArgumentParser
import SkiffImage
import SkiffKit

struct ImageTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give an image another name.")
    @Argument(help: "The image (name, ID).") var source: String
    @Argument(help: "The new name[:tag].") var target: String

    func run() throws {
        let store = SkiffContext.imageStore()
        let image = try store.resolve(source)
        let ref = try ImageReference(parsing: target)
        guard ref.digest == nil else { throw ValidationError("\(target): a tag cannot contain a digest") }
        // A multi-platform image's new name is the index too.
        if let named = try? ImageReference(parsing: source), let index = store.index(of: named) {
            try store.tag(ref, index: index.digest, platform: BuildPlatform.host)
        } else {
            try store.tag(ref, manifest: image.manifestDigest)
        }
        SkiffContext.engine().events.record(image: image.id, name: ref.familiar, "tag")
    }
}
