import ArgumentParser
import SkiffImage
import SkiffOCI

/// `skiff pull [--platform P] [--tls-verify=false] [-q] [-a] NAME`: with -a (Docker's --all-tags), every
/// tag the registry lists for the repository NAME (which then has no tag or digest).
struct ImagePull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry."
    )

    @Option(
        name: .long,
        help: "The platform to pick from a multi-platform image, e.g. linux/arm64 (default: this machine's).")
    var platform: String?

    @Option(
        name: .customLong("tls-verify"),
        help: "Require https with a valid certificate (loopback registries always use http).")
    var tlsVerify: Bool = true

    @Flag(name: .shortAndLong, help: "Print only the image's manifest digest.")
    var quiet = false

    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Download all tagged images in the repository.")
    var allTags = false

    @OptionGroup var contentTrust: ContentTrustOption

    @Argument(help: "The image, e.g. localhost:5000/team/app:1.0 or busybox@sha256:…")
    var name: String

    func run() throws {
        try contentTrust.check()
        let reference = try ImageReference(parsing: name, defaultTag: allTags ? nil : "latest")
        if allTags && (reference.tag != nil || reference.digest != nil) {
            throw ValidationError("tag can't be used with --all-tags/-a")
        }
        var options = PullOptions(registry: RegistryOptions(tlsVerify: tlsVerify))
        if let platform {
            guard let p = Platform(parsing: platform) else {
                throw ValidationError("--platform: expected os/arch[/variant], e.g. linux/amd64, got \"\(platform)\"")
            }
            options.platform = p
        }
        let puller = Puller(
            store: SkiffContext.imageStore(), options: options, progress: quiet ? nil : PullProgress().handle)
        let references: [ImageReference]
        if allTags {
            let client = try RegistryClient(registry: reference.registry, options: options.registry)
            let tags = try Interruptible.run { try client.tags(repository: reference.repository) }
            if tags.isEmpty { throw ValidationError("repository \(reference.familiarName) has no tags to pull") }
            references = tags.map { reference.with(tag: $0) }
        } else {
            references = [reference]
        }
        for ref in references {
            let image = try Interruptible.run { try puller.pull(ref) }
            SkiffContext.engine().events.record(reference: ref, "pull")
            if quiet { print(image.manifestDigest) }
        }
    }
}
