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

    /// Build the services that have `build:` (all of them, or those named).
    package func build(_ services: [ComposeService], noCache: Bool = false, pull: Bool = false) throws(ComposeError) {
        for s in Self.buildOrder(services) { if s.build != nil { try build(s, noCache: noCache, pull: pull) } }
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

    func build(_ s: ComposeService, noCache: Bool, pull: Bool = false) throws(ComposeError) {
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
        let builder = Builder(engine: engine, options: options, output: buildOutput)
        do { _ = try builder.build() } catch {
            throw .usage("failed to build service \(s.name): \(error.description)")
        }
        progress(" Service \(s.name)  Built")
    }

    /// Pull the image of every service that names one (and builds none, unless `includeBuilt`).
    package func pull(
        _ services: [ComposeService], onlyMissing: Bool = false, progress pullProgress: PullProgress? = nil
    ) throws(ComposeError) {
        for s in services where s.image != nil && (s.build == nil) {
            let name = s.imageName(project: project.name)
            if onlyMissing && hasImage(s) { continue }
            progress(" \(s.name) Pulling")
            do {
                let reference = try ImageReference(parsing: name)
                var options = PullOptions()
                if let p = s.platform { options.platform = p }
                _ = try Puller(
                    store: engine.images, options: options, progress: (pullProgress ?? PullProgress()).handle
                ).pull(reference)
                engine.events.record(reference: reference, "pull")
            } catch {
                throw .usage("pull access for \(name) (service \(s.name)) failed: \(error)")
            }
            progress(" \(s.name) Pulled")
        }
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
    /// `forceBuild`), pulled when missing otherwise.
    package func ensureImages(_ services: [ComposeService], forceBuild: Bool) throws(ComposeError) {
        for s in Self.buildOrder(services) {
            let present = hasImage(s)
            if s.build != nil && (forceBuild || !present || s.pullPolicy == "build") {
                try build(s, noCache: false)
            } else if !present || s.pullPolicy == "always" {
                if s.pullPolicy == "never" {
                    throw .usage(
                        "service \(s.name): image \(s.imageName(project: project.name)) is not here and pull_policy is never"
                    )
                }
                try pull([s])
            }
        }
    }
}
