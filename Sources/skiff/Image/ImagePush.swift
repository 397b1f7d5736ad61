import ArgumentParser
import SkiffImage

/// `skiff push [--tls-verify=false] [-q] SOURCE [DEST]`, or `skiff push -a REPOSITORY` (Docker's
/// --all-tags): every local tag of REPOSITORY, each to its own name.
struct ImagePush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image to a registry.",
        discussion: "SOURCE is an image in the store; DEST, when given, is where to push it (default: SOURCE's name). "
            + "With -a, SOURCE is a repository without a tag and each of its local tags is pushed."
    )

    @Option(
        name: .customLong("tls-verify"),
        help: "Require https with a valid certificate (loopback registries always use http).")
    var tlsVerify: Bool = true

    @Flag(name: .shortAndLong, help: "Print only the pushed manifest digest.")
    var quiet = false

    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Push all tags of an image to the repository.")
    var allTags = false

    @OptionGroup var contentTrust: ContentTrustOption

    @Option(name: .long, help: "Push only this platform's image of a multi-platform image (e.g. linux/arm64).")
    var platform: String?

    @Argument(help: "The image to push (name or ID).")
    var source: String

    @Argument(help: "Where to push it, e.g. localhost:5000/team/app:1.0.")
    var destination: String?

    func run() throws {
        try contentTrust.check()
        let store = SkiffContext.imageStore()
        if allTags {
            try pushAllTags(store)
            return
        }
        let image = try PlatformImage.resolve(source, platform: platform)
        let target: ImageReference
        if let destination {
            target = try ImageReference(parsing: destination)
        } else if let named = try? ImageReference(parsing: source),
            image.references.contains(named) || (platform != nil && store.index(of: named) != nil)
        {
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
        // With --platform, that platform's manifest alone, not the index.
        let result =
            platform != nil
            ? try pusher.push(image, to: target) : try Self.push(image, named: source, to: target, with: pusher)
        SkiffContext.engine().events.record(reference: target, "push")
        if quiet { print(result.manifest) }
    }

    /// `-a`: each local name of the repository SOURCE (which has no tag), in tag order.
    private func pushAllTags(_ store: ImageStore) throws {
        guard destination == nil else {
            throw ValidationError("--all-tags/-a pushes to the names the images have: give no destination")
        }
        let repository = try ImageReference(parsing: source, defaultTag: nil)
        if repository.tag != nil || repository.digest != nil {
            throw ValidationError("tag can't be used with --all-tags/-a")
        }
        let names = try store.references().keys.filter {
            $0.registry == repository.registry && $0.repository == repository.repository && $0.tag != nil
        }.sorted { ($0.tag ?? "") < ($1.tag ?? "") }
        guard !names.isEmpty else {
            throw ValidationError("An image does not exist locally with the tag: \(repository.familiarName)")
        }
        var log: (@Sendable (String) -> Void)?
        if !quiet { log = { (line: String) in print(line) } }
        let pusher = Pusher(store: store, options: RegistryOptions(tlsVerify: tlsVerify), log: log)
        for name in names {
            let image = try PlatformImage.resolve(name.description, platform: platform)
            let result =
                platform != nil
                ? try pusher.push(image, to: name)
                : try Self.push(image, named: name.description, to: name, with: pusher)
            SkiffContext.engine().events.record(reference: name, "push")
            if quiet { print(result.manifest) }
        }
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
