import Foundation
import SkiffImage
import SkiffOCI
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Images of a project: built from `build:` (tagged `<project>-<service>` unless `image:` names it) or pulled.
extension ComposeRunner {
    // MARK: images

    /// `compose build`'s flags that change each service's `build:` section.
    public struct BuildOverrides: Sendable {
        /// --build-arg KEY[=VALUE]: over the file's `args:`; a KEY alone takes the caller's value.
        public var args: [String: String?] = [:]
        /// --ssh: ssh agents or keys added to the file's `ssh:` (`default`, `ID=PATH[,PATH]`).
        public var ssh: [String] = []
        /// -q: no build output.
        public var quiet = false
        /// -m: each RUN step's memory limit, bytes (the classic builder's --memory).
        public var memory: Int64?
        /// No flag given.
        public init() {}
    }

    /// Build the services that have `build:` (all of them, or those named).
    package func build(
        _ services: [ComposeService], noCache: Bool = false, pull: Bool = false, overrides: BuildOverrides = .init()
    ) throws(ComposeError) {
        var builder = self
        if overrides.quiet { builder.buildOutput = { _ in } }
        for s in Self.buildOrder(services) {
            guard var b = s.build else { continue }
            b.args.merge(overrides.args) { _, given in given }
            b.ssh += overrides.ssh
            var changed = s
            changed.build = b
            try builder.build(changed, noCache: noCache, pull: pull, memory: overrides.memory)
        }
    }

    /// `services` with each one after those its `additional_contexts` name as `service:NAME` (Compose
    /// builds those first); otherwise in the order given.
    static func buildOrder(_ services: [ComposeService]) -> [ComposeService] {
        var out: [ComposeService] = []
        var seen = Set<String>()
        func visit(_ s: ComposeService) {
            guard seen.insert(s.name).inserted else { return }
            for name in s.build?.contextServices ?? [] {
                if let dep = services.first(where: { $0.name == name }) { visit(dep) }
            }
            out.append(s)
        }
        for s in services { visit(s) }
        return out
    }

    /// A build's named contexts: `service:NAME` is the image that service has (made now when it is missing).
    func namedContexts(_ b: ComposeBuild, service: String) throws(ComposeError) -> [String: BuildNamedContext] {
        var out: [String: BuildNamedContext] = [:]
        for (name, value) in b.additionalContexts {
            if value.hasPrefix("service:") {
                let otherName = String(value.dropFirst("service:".count))
                guard let other = project.service(otherName) else {
                    throw .usage("service \(service): build.additional_contexts.\(name): no service \(otherName)")
                }
                let image = other.imageName(project: project.name)
                if (try? engine.images.resolve(image)) == nil { try ensureImages([other], forceBuild: false) }
                out[name] = .image(image)
            } else if value.hasPrefix("docker-image://") {
                out[name] = .image(String(value.dropFirst("docker-image://".count)))
            } else {
                out[name] = .directory(value)
            }
        }
        return out
    }

    func build(_ s: ComposeService, noCache: Bool, pull: Bool = false, memory: Int64? = nil) throws(ComposeError) {
        guard let b = s.build else { return }
        progress(" Service \(s.name)  Building")
        var options = BuildOptions(contextDirectory: b.context)
        if let f = b.dockerfile { options.dockerfilePath = f.hasPrefix("/") ? f : b.context + "/" + f }
        options.dockerfileText = b.dockerfileInline
        options.tags = [s.imageName(project: project.name)] + b.tags
        options.target = b.target
        options.noCache = noCache || b.noCache
        options.pull = pull || b.pull
        options.labels = b.labels
        options.network = b.network
        options.addHosts = b.extraHosts
        options.shmSize = b.shmSize
        options.ulimits = b.ulimits
        options.memory = memory
        options.buildArgs = b.args
        options.callerEnvironment = callerEnvironment
        (options.secrets, options.ssh) = try buildSecrets(b, service: s.name)
        options.namedContexts = try namedContexts(b, service: s.name)
        options.entitlements = b.entitlements
        options.cacheFrom = b.cacheFrom
        options.cacheTo = b.cacheTo
        if let p = s.platform, p.os != "linux" {
            throw .usage("services.\(s.name).platform: \(Self.notLinux(p))")
        }
        if let p = b.platforms.first(where: { $0.os != "linux" }) {
            throw .usage("services.\(s.name).build.platforms: \(Self.notLinux(p))")
        }
        options.platform = b.platform ?? s.platform
        if options.platform == nil, b.platforms.count > 1 { options.platforms = b.platforms }
        if dryRun { return progress(" Service \(s.name)  Built") }
        let builder = Builder(engine: engine, options: options, output: buildOutput)
        do { _ = try builder.build() } catch {
            throw .usage("failed to build service \(s.name): \(error.description)")
        }
        progress(" Service \(s.name)  Built")
    }

    /// Pull the image of every service that names one (and builds none, unless `includeBuilt`).
    package func pull(
        _ services: [ComposeService], onlyMissing: Bool = false, progress pullProgress: PullProgress? = nil,
        quiet: Bool = false
    ) throws(ComposeError) {
        for s in services where s.image != nil && (s.build == nil) {
            let name = s.imageName(project: project.name)
            if onlyMissing && hasImage(s) { continue }
            progress(" \(s.name) Pulling")
            if dryRun {
                progress(" \(s.name) Pulled")
                continue
            }
            do {
                let reference = try ImageReference(parsing: name)
                var options = PullOptions()
                if let p = s.platform { options.platform = p }
                // Quiet: " web Pulling" and " web Pulled" only, as Compose's --quiet-pull.
                let shown = pullProgress ?? PullProgress()
                let silent = quiet || quietPulls
                let handle: @Sendable (PullEvent) -> Void = { event in if !silent { shown.handle(event) } }
                _ = try Puller(store: engine.images, options: options, progress: handle).pull(reference)
                engine.events.record(reference: reference, "pull")
            } catch {
                throw .usage("pull access for \(name) (service \(s.name)) failed: \(error)")
            }
            progress(" \(s.name) Pulled")
        }
    }

    /// `compose pull`'s flags.
    public struct PullFlags: Sendable {
        /// --ignore-pull-failures: report a failed pull, go on, exit 0.
        public var ignoreFailures = false
        /// --ignore-buildable: skip the services that have `build:`.
        public var ignoreBuildable = false
        /// --policy missing|always: the pull policy of every service that names an image.
        public var policy: String?
        /// -q: no progress.
        public var quiet = false
        /// No flag given.
        public init() {}
    }

    /// `compose pull`, as Docker Compose's: each service that names an image, unless its pull policy is
    /// never or build, or missing (if_not_present) and the image is here, or it can be built and
    /// --ignore-buildable. A failed pull of a service that cannot be built ends the command; one that
    /// can be built is reported with the advice to build it; both are errors unless `ignoreFailures`.
    package func pullImages(_ services: [ComposeService], options: PullFlags) throws(ComposeError) {
        if let p = options.policy, p != "missing", p != "always" {
            throw .usage("invalid --policy option \"\(p)\": expected missing or always")
        }
        var failures: [String] = []
        var mustBuild: [String] = []
        for var s in services {
            guard s.image != nil else {
                progress(" \(s.name) Skipped No image to be pulled")
                continue
            }
            if let p = options.policy { s.pullPolicy = p }
            switch s.pullPolicy {
            case "never", "build":
                progress(" \(s.name) Skipped")
                continue
            case "missing", "if_not_present":
                if hasImage(s) {
                    progress(" \(s.name) Skipped Image is already present locally")
                    continue
                }
            default: break
            }
            if s.build != nil && options.ignoreBuildable {
                progress(" \(s.name) Skipped Image can be built")
                continue
            }
            var one = s
            one.build = nil
            do { try pull([one], quiet: options.quiet) } catch {
                progress(" \(s.name) Error \(error)")
                if s.build != nil {
                    mustBuild.append(s.name)
                } else if !options.ignoreFailures {
                    throw error
                }
                failures.append("\(error)")
            }
        }
        if !mustBuild.isEmpty {
            progress(
                "WARNING: Some service image(s) must be built from source by running:\n    skiff compose build \(mustBuild.joined(separator: " "))"
            )
        }
        if !failures.isEmpty && !options.ignoreFailures { throw .usage(failures.joined(separator: "\n")) }
    }

    /// Whether the store has the service's image, for its `platform:` when it names one (an image of that
    /// name for another platform is pulled or built again, as Compose does).
    func hasImage(_ s: ComposeService) -> Bool {
        guard let image = try? engine.images.resolve(s.imageName(project: project.name)) else { return false }
        guard let p = s.platform else { return true }
        return BuildPlatform.config(image.config, is: p)
    }

    /// A service's `platform:` runs here on this machine's CPU, or through an emulator registered with
    /// binfmt_misc (as Docker runs it); without one nothing is made and the key is named.
    func checkPlatforms(_ services: [ComposeService]) throws(ComposeError) {
        for s in services {
            if let p = s.platform, p.os != "linux" { throw .usage("services.\(s.name).platform: \(Self.notLinux(p))") }
            guard let p = s.platform, !BuildPlatform.runsHere(p) else { continue }
            throw .usage("services.\(s.name).platform: \(BuildPlatform.needsEmulator(p))")
        }
    }

    /// Why a platform of another os (Docker runs `wasi/wasm` through a containerd Wasm shim) neither
    /// builds nor runs here.
    package static func notLinux(_ p: Platform) -> String {
        "\"\(BuildPlatform.format(p))\": skiff builds and runs Linux images only (the os is \(p.os))"
    }

    /// Make sure each service has its image: built when it has `build:` and the image is missing (or
    /// `forceBuild`), pulled when missing otherwise. `noBuild` (`up --no-build`): nothing is built, a
    /// missing image of a service with `build:` is an error when its container is made. `quiet`
    /// (`--quiet-pull`): no pull or build progress.
    package func ensureImages(
        _ services: [ComposeService], forceBuild: Bool, noBuild: Bool = false, quiet: Bool = false
    ) throws(ComposeError) {
        var builder = self
        if quiet { builder.buildOutput = { _ in } }
        for s in Self.buildOrder(services) {
            let present = hasImage(s)
            if s.build != nil && noBuild {
                continue
            } else if s.build != nil && (forceBuild || !present || s.pullPolicy == "build") {
                try builder.build(s, noCache: false)
            } else if !present || s.pullPolicy == "always" {
                if s.pullPolicy == "never" {
                    throw .usage(
                        "service \(s.name): image \(s.imageName(project: project.name)) is not here and pull_policy is never"
                    )
                }
                try pull([s], quiet: quiet)
            }
        }
    }
}
