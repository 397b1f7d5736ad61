import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff build [-t NAME]... [-f FILE] [--build-arg K=V]... [--build-context NAME=VALUE]... [--allow E]...
/// [--secret …]... [--ssh …]... [--target S] [--no-cache] [-q] CONTEXT`:
/// Docker's classic builder output, one image per step, cached.
struct ImageBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image from a Dockerfile (one layer per step, with a build cache)."
    )

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Name the image (name:tag; repeatable).") var tags:
        [String] = []
    @Option(name: [.customShort("f"), .customLong("file")], help: "The Dockerfile (default: CONTEXT/Dockerfile).")
    var file: String?
    @Option(name: .customLong("build-arg"), help: "Set a build-time variable (KEY=VALUE, or KEY to pass the caller's).")
    var buildArgs: [String] = []
    @Option(name: .customLong("target"), help: "Build up to this stage.") var target: String?
    @Flag(name: .customLong("no-cache"), help: "Do not use the build cache.") var noCache = false
    @OptionGroup var contentTrust: ContentTrustOption
    @Flag(
        name: .customLong("pull"),
        help: "Pull every base image, even one already here (a missing one is always pulled).")
    var pull = false
    @Option(
        name: .customLong("network"),
        help: "The RUN steps' network: default (the default bridge), host (the host's; grants network.host) or none.")
    var network: String?
    @Option(
        name: .customLong("build-context"),
        help:
            "A named context FROM NAME, COPY --from=NAME and RUN --mount=from=NAME read: NAME=DIRECTORY or NAME=docker-image://REF (repeatable)."
    )
    var buildContexts: [String] = []
    @Option(
        name: .customLong("allow"),
        help:
            "Grant an entitlement: network.host (RUN --network=host) or security.insecure (RUN --security=insecure runs privileged); repeatable or comma-separated."
    )
    var allow: [String] = []
    @Option(name: .customLong("add-host"), help: "A line in each RUN step's /etc/hosts: NAME:IP.")
    var addHost: [String] = []
    @Option(name: .customLong("shm-size"), help: "Size of each RUN step's /dev/shm (e.g. 64m).") var shmSize: String?
    @Option(name: .customLong("ulimit"), help: "A RUN step resource limit: NAME=SOFT[:HARD].") var ulimit: [String] = []
    @Option(name: .customLong("label"), help: "Set a label on the image (KEY=VALUE).") var label: [String] = []
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print only the image ID.") var quiet = false
    @Option(
        name: .customLong("secret"),
        help: "A secret RUN --mount=type=secret can read (id=ID,src=FILE or id=ID,env=VAR; repeatable).") var secrets:
        [String] = []
    @Option(
        name: .customLong("ssh"),
        help: "An ssh agent RUN --mount=type=ssh reaches (default, default=SOCKET or ID=KEY[,KEY]; repeatable).")
    var ssh: [String] = []
    @Option(
        name: .customLong("cache-from"),
        help: "Import a build cache: type=local,src=DIR, type=registry,ref=REF or REF (repeatable).")
    var cacheFrom: [String] = []
    @Option(
        name: .customLong("cache-to"),
        help:
            "Export the build cache: type=local,dest=DIR, type=registry,ref=REF or type=inline; [,mode=min|max][,ignore-error=true] (repeatable)."
    )
    var cacheTo: [String] = []
    @Option(
        name: .customLong("platform"),
        help:
            "The platform(s) to build for (os/arch[/variant], e.g. linux/arm64; several, comma-separated or repeated, make one image index); another than this machine's runs RUN steps through a registered binfmt_misc emulator."
    )
    var platform: [String] = []
    @Option(name: .customLong("isolation"), help: "Container isolation technology: default (the only one on Linux).")
    var isolation: String?
    @Option(name: .customLong("progress"), help: "Output style: plain or auto (both print Docker's step lines).")
    var progress = "auto"
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "The build context directory.") var context: String

    func run() throws {
        try contentTrust.check()
        try BuildInvocation(
            explain: explain.session, tags: tags, file: file, buildArgs: buildArgs, target: target, noCache: noCache,
            pull: pull, network: network, buildContexts: buildContexts, allow: allow, addHost: addHost,
            shmSize: shmSize, ulimit: ulimit, labels: label, quiet: quiet, secrets: secrets, ssh: ssh,
            cacheFrom: cacheFrom, cacheTo: cacheTo, platform: platform, isolation: isolation, progress: progress,
            context: context
        ).run()
    }
}
