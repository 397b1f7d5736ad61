import ArgumentParser
import SkiffImage

struct ImageTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give an image another name.")
    @Argument(help: "The image (name, ID).") var source: String
    @Argument(help: "The new name[:tag].") var target: String

    func run() throws {
        let store = SkiffContext.imageStore()
        let image = try store.resolve(source)
        let ref = try ImageReference(parsing: target)
        guard ref.digest == nil else { throw ValidationError("\(target): a tag cannot contain a digest") }
        try store.tag(ref, manifest: image.manifestDigest)
    }
}
