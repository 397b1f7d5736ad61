import ArgumentParser
import SkiffImage

/// `skiff push [--tls-verify=false] SOURCE [DEST]`
struct ImagePush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image to a registry.",
        discussion: "SOURCE is an image in the store; DEST, when given, is where to push it (default: SOURCE's name)."
    )

    @Option(
        name: .customLong("tls-verify"),
        help: "Require https with a valid certificate (loopback registries always use http).")
    var tlsVerify: Bool = true

    @Flag(name: .shortAndLong, help: "Print only the pushed manifest digest.")
    var quiet = false

    @Argument(help: "The image to push (name or ID).")
    var source: String

    @Argument(help: "Where to push it, e.g. localhost:5000/team/app:1.0.")
    var destination: String?

    func run() throws {
        let store = SkiffContext.imageStore()
        let image = try store.resolve(source)
        let target: ImageReference
        if let destination {
            target = try ImageReference(parsing: destination)
        } else if let named = try? ImageReference(parsing: source), image.references.contains(named) {
            target = named
        } else if let first = image.references.first {
            target = first
        } else {
            throw ValidationError(
                "\(source) has no name to push to: give a destination, e.g. localhost:5000/\(source):latest")
        }
        var log: (@Sendable (String) -> Void)?
        if !quiet { log = { (line: String) in print(line) } }
        let pusher = Pusher(store: store, options: RegistryOptions(tlsVerify: tlsVerify), log: log)
        let result = try Self.push(image, named: source, to: target, with: pusher)
        SkiffContext.engine().events.record(reference: target, "push")
        if quiet { print(result.manifest) }
    }

    /// Push `image` (found by `source`) to `target`; a multi-platform image (built with several
    /// --platform) is pushed as its index. `compose push` pushes through here too.
    static func push(_ image: StoredImage, named source: String, to target: ImageReference, with pusher: Pusher)
        throws -> Pusher.Result
    {
        if let named = try? ImageReference(parsing: source), let index = pusher.store.index(of: named) {
            return try pusher.pushIndex(index.digest, to: target)
        }
        return try pusher.push(image, to: target)
    }
}
