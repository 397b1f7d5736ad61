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
        explain.begin()
        defer { explain.finish(title: (["skiff build"] + tags.map { "-t " + $0 } + [context]).joined(separator: " ")) }
        guard ["plain", "auto", "tty", "quiet"].contains(progress) else {
            throw ValidationError("--progress \(progress): expected plain, auto, tty or quiet")
        }
        if let isolation {
            do { try Isolation.check(isolation) } catch { throw ValidationError("--isolation: \(error.description)") }
        }
        var options = BuildOptions(contextDirectory: context)
        options.dockerfilePath = file.map { $0 == "-" ? "/dev/stdin" : $0 }
        options.tags = tags
        options.target = target
        options.noCache = noCache
        options.pull = pull
        if let network, !BuildOptions.networks.contains(network) {
            throw ValidationError("--network \(network): a build's steps take default, host or none")
        }
        options.network = network
        try options.setRunFlags(addHost: addHost, shmSize: shmSize, ulimit: ulimit)
        for l in label {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = kv.first, !key.isEmpty else { throw ValidationError("--label \(l): expected KEY=VALUE") }
            options.labels[key] = kv.count > 1 ? kv[1] : ""
        }
        options.quiet = quiet || progress == "quiet"
        options.callerEnvironment = ProcessInfo.processInfo.environment
        for arg in buildArgs {
            let parts = arg.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else {
                throw ValidationError("--build-arg \(arg): expected KEY=VALUE")
            }
            options.buildArgs[String(name)] = parts.count > 1 ? String(parts[1]) : .some(nil)
        }
        do throws(BuildError) {
            let cwd = FileManager.default.currentDirectoryPath
            for text in buildContexts {
                let (name, context) = try BuildNamedContext.parse(text, base: cwd)
                guard options.namedContexts[name] == nil else {
                    throw .usage("--build-context \(text): the context \(name) is given twice")
                }
                options.namedContexts[name] = context
            }
            for text in allow {
                for word in text.split(separator: ",") {
                    options.entitlements.insert(try BuildEntitlement.parse(String(word)))
                }
            }
            for text in secrets {
                let (id, source) = try BuildSecretSource.parse(text)
                options.secrets[id] = source
            }
            let platforms = try BuildPlatform.list(platform, flag: "--platform")
            if platforms.count > 1 { options.platforms = platforms } else { options.platform = platforms.first }
            options.cacheFrom = try cacheFrom.map { (text: String) throws(BuildError) -> BuildCacheSpec in
                try BuildCacheSpec.parseImport(text)
            }
            options.cacheTo = try cacheTo.map { (text: String) throws(BuildError) -> BuildCacheSpec.Export in
                try BuildCacheSpec.parseExport(text)
            }
            options.ssh = try ssh.map { (text: String) throws(BuildError) -> BuildSSHSource in
                try BuildSSHSource.parse(text)
            }
        } catch {
            throw ValidationError(error.description)
        }
        let builder = Builder(engine: SkiffContext.engine(), options: options) { line in
            var bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
        try Interruptible.run {
            do throws(BuildError) {
                _ = try builder.build()
            } catch {
                // A cancelled build says only "canceled" (Interruptible), not which step it broke.
                if Cancellation.isCancelled { return }
                FileHandleStderr.write((error.exitCode == 1 ? "Error: " : "") + error.description + "\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
