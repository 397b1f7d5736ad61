import ArgumentParser
import SkiffImage
import SkiffOCI

/// `skiff pull [--platform P] [--tls-verify=false] [-q] NAME`
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

    @Argument(help: "The image, e.g. localhost:5000/team/app:1.0 or busybox@sha256:…")
    var name: String

    func run() throws {
        let reference = try ImageReference(parsing: name)
        var options = PullOptions(registry: RegistryOptions(tlsVerify: tlsVerify))
        if let platform {
            guard let p = Platform(parsing: platform) else {
                throw ValidationError("--platform: expected os/arch[/variant], e.g. linux/amd64, got \"\(platform)\"")
            }
            options.platform = p
        }
        let puller = Puller(
            store: SkiffContext.imageStore(), options: options, progress: quiet ? nil : PullProgress().handle)
        let image = try Interruptible.run { try puller.pull(reference) }
        SkiffContext.engine().events.record(reference: reference, "pull")
        if quiet { print(image.manifestDigest) }
    }
}
