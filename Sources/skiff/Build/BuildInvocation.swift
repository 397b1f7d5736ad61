import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// One `skiff build`, from its options however they were read: by ArgumentParser (`ImageBuild`), or
/// from a common command line without it (`BuildCommandLine`, the fast path in `Skiff`).
struct BuildInvocation {
    var explain = ExplainSession(narrate: false, html: nil)
    var tags: [String] = []
    var file: String?
    var buildArgs: [String] = []
    var target: String?
    var noCache = false
    var pull = false
    var network: String?
    var buildContexts: [String] = []
    var allow: [String] = []
    var addHost: [String] = []
    var shmSize: String?
    var ulimit: [String] = []
    var labels: [String] = []
    var quiet = false
    var secrets: [String] = []
    var ssh: [String] = []
    var cacheFrom: [String] = []
    var cacheTo: [String] = []
    var platform: [String] = []
    var isolation: String?
    var progress = "auto"
    var context: String

    func run() throws {
        explain.begin()
        defer {
            if explain.isOn {
                _ = explain.finish(
                    title: (["skiff build"] + tags.map { "-t " + $0 } + [context]).joined(separator: " "))
            }
        }
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
        for l in labels {
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

extension BuildInvocation {
    /// A build of the options `BuildCommandLine` reads; the others keep their defaults.
    init(_ a: BuildCommandLine.Arguments) {
        self.init(context: a.context)
        tags = a.tags
        file = a.file
        buildArgs = a.buildArgs
        labels = a.labels
        target = a.target
        network = a.network
        progress = a.progress ?? "auto"
        noCache = a.noCache
        pull = a.pull
        quiet = a.quiet
    }
}
