import Foundation
import SkiffImage
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A project's containers on this host: made, started, stopped and removed as `skiff compose` does,
/// through the engine's own lifecycle (each container detached under its monitor).
public struct ComposeRunner {
    public let engine: Engine
    public let project: ComposeProject
    /// The caller's environment: `environment: [KEY]` entries without a value read it.
    public var callerEnvironment: [String: String] = [:]
    /// Progress lines (" Container web-1  Started").
    public var progress: (String) -> Void = { _ in }
    /// Build output lines.
    public var buildOutput: (String) -> Void = { _ in }
    /// How long `depends_on: service_healthy` and `--wait` wait (seconds).
    public var healthTimeout: Double = 300

    public init(engine: Engine, project: ComposeProject) {
        self.engine = engine
        self.project = project
    }

    var wiring: ComposeWiring { ComposeWiring(project: project) }

    // MARK: the project's containers

    /// Every container labelled with this project (services that left the file included).
    public func projectContainers(includeOneOff: Bool = false) -> [Container] {
        engine.listContainers().filter { $0.composeProject == project.name && (includeOneOff || !$0.isComposeOneOff) }
            .sorted { ($0.composeService ?? "", $0.composeNumber) < ($1.composeService ?? "", $1.composeNumber) }
    }

    public func containers(of service: String) -> [Container] {
        projectContainers().filter { $0.composeService == service }
    }

    /// Containers of services no longer in the files.
    public func orphans() -> [Container] {
        projectContainers(includeOneOff: true).filter { c in c.composeService.map { project.service($0) == nil } ?? true }
    }

    func kit(_ body: () throws(KitError) -> Void) throws(ComposeError) {
        do { try body() } catch { throw .usage("\(error)") }
    }

    // MARK: images

    /// Build the services that have `build:` (all of them, or those named).
    public func build(_ services: [ComposeService], noCache: Bool = false) throws(ComposeError) {
        for s in services { if s.build != nil { try build(s, noCache: noCache) } }
    }

    func build(_ s: ComposeService, noCache: Bool) throws(ComposeError) {
        guard let b = s.build else { return }
        progress(" Service \(s.name)  Building")
        var options = BuildOptions(contextDirectory: b.context)
        if let f = b.dockerfile { options.dockerfilePath = f.hasPrefix("/") ? f : b.context + "/" + f }
        options.tags = [s.imageName(project: project.name)]
        options.target = b.target
        options.noCache = noCache || b.noCache
        options.buildArgs = b.args
        options.callerEnvironment = callerEnvironment
        let builder = Builder(engine: engine, options: options, output: buildOutput)
        do { _ = try builder.build() } catch {
            throw .usage("failed to build service \(s.name): \(error.description)")
        }
        progress(" Service \(s.name)  Built")
    }

    /// Pull the image of every service that names one (and builds none, unless `includeBuilt`).
    public func pull(_ services: [ComposeService], onlyMissing: Bool = false, progress pullProgress: PullProgress? = nil) throws(ComposeError) {
        for s in services where s.image != nil && (s.build == nil) {
            let name = s.imageName(project: project.name)
            if onlyMissing && (try? engine.images.resolve(name)) != nil { continue }
            progress(" \(s.name) Pulling")
            do {
                let reference = try ImageReference(parsing: name)
                _ = try Puller(store: engine.images, options: PullOptions(), progress: (pullProgress ?? PullProgress()).handle).pull(reference)
            } catch {
                throw .usage("pull access for \(name) (service \(s.name)) failed: \(error)")
            }
            progress(" \(s.name) Pulled")
        }
    }

    /// Make sure each service has its image: built when it has `build:` and the image is missing (or
    /// `forceBuild`), pulled when missing otherwise.
    public func ensureImages(_ services: [ComposeService], forceBuild: Bool) throws(ComposeError) {
        for s in services {
            let present = (try? engine.images.resolve(s.imageName(project: project.name))) != nil
            if s.build != nil && (forceBuild || !present || s.pullPolicy == "build") {
                try build(s, noCache: false)
            } else if !present || s.pullPolicy == "always" {
                if s.pullPolicy == "never" {
                    throw .usage("service \(s.name): image \(s.imageName(project: project.name)) is not here and pull_policy is never")
                }
                try pull([s])
            }
        }
    }

    // MARK: up

    public struct UpOptions: Sendable {
        public var services: [String] = []
        public var profiles: [String] = []
        public var noDeps = false
        public var forceRecreate = false
        public var noRecreate = false
        public var build = false
        public var noStart = false
        public var removeOrphans = false
        public init() {}
    }

    /// Create or recreate what changed, start what is not running, in dependency order, waiting for each
    /// service's `depends_on` conditions. Returns the service containers, in start order.
    @discardableResult
    public func up(_ options: UpOptions) throws(ComposeError) -> [Container] {
        let selected = try project.selectServices(options.services, profiles: options.profiles, withDependencies: !options.noDeps)
        try wiring.check(selected)
        let ordered = try ComposeOrder.startOrder(selected)
        try ensureImages(ordered, forceBuild: options.build)
        try ensureVolumes(ordered)
        try ensureNetworks(ordered)
        let orphans = orphans()
        if !orphans.isEmpty {
            if options.removeOrphans {
                for c in orphans { try removeContainer(c) }
            } else {
                progress(" Found orphan containers (\(orphans.map(\.name).joined(separator: ", "))) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.")
            }
        }
        var result: [Container] = []
        let selectedNames = Set(selected.map(\.name))
        for s in ordered {
            for d in s.dependsOn where selectedNames.contains(d.service) || !containers(of: d.service).isEmpty {
                try waitFor(d, of: s.name)
            }
            result.append(try converge(s, forceRecreate: options.forceRecreate, noRecreate: options.noRecreate, start: !options.noStart))
        }
        return result
    }

    /// Wait until `dependency` meets its condition (running; healthy; exited 0).
    public func waitFor(_ dependency: ComposeDependency, of service: String) throws(ComposeError) {
        guard let c = containers(of: dependency.service).first else {
            if dependency.required { throw .usage("service \(service) depends on \(dependency.service), which has no container") }
            return
        }
        let deadline = Date().addingTimeInterval(healthTimeout)
        var announced = false
        while true {
            guard let now = try? engine.container(c.id) else { throw .usage("container \(c.name) is gone") }
            switch dependency.condition {
            case .started:
                return
            case .healthy:
                guard now.healthcheck != nil else {
                    throw .usage("dependency failed to start: container \(now.name) has no healthcheck configured (service \(service) waits for service_healthy)")
                }
                if now.health?.status == .healthy {
                    progress(" Container \(now.name)  Healthy")
                    return
                }
                if now.health?.status == .unhealthy { throw .usage("dependency failed to start: container \(now.name) is unhealthy") }
                if now.status == .exited { throw .usage("dependency failed to start: container \(now.name) exited (\(now.exitCode ?? -1))") }
                if !announced { progress(" Container \(now.name)  Waiting"); announced = true }
            case .completedSuccessfully:
                if now.status == .exited {
                    if now.exitCode == 0 { progress(" Container \(now.name)  Exited"); return }
                    throw .usage("service \(dependency.service) didn't complete successfully: exit \(now.exitCode ?? -1)")
                }
                if !announced { progress(" Container \(now.name)  Waiting"); announced = true }
            }
            if Date() > deadline { throw .usage("timed out after \(Int(healthTimeout))s waiting for \(now.name) (\(dependency.condition.rawValue))") }
            usleep(100_000)
        }
    }

    /// The service's container as the file says: left alone when its config hash matches and it runs;
    /// started when it matches and is stopped; otherwise removed and made again.
    func converge(_ s: ComposeService, forceRecreate: Bool, noRecreate: Bool, start: Bool) throws(ComposeError) -> Container {
        let imageName = s.imageName(project: project.name)
        let image: StoredImage
        do { image = try engine.images.resolve(imageName) } catch {
            throw .usage("service \(s.name): image \(imageName) not found: \(error)")
        }
        let hash = ComposeLabels.configHash(s, imageID: image.id.description)
        let existing = containers(of: s.name)
        for extra in existing.dropFirst() { try removeContainer(extra) }
        if let c = existing.first {
            let same = c.labels[ComposeLabels.configHash] == hash
            if (same && !forceRecreate) || noRecreate {
                if c.status == .running || c.status == .restarting {
                    progress(" Container \(c.name)  Running")
                    return c
                }
                guard start else { return c }
                progress(" Container \(c.name)  Starting")
                var started = c
                do { started = try engine.startMonitored(c.id).container } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Started")
                return started
            }
            progress(" Container \(c.name)  Recreate")
            try stopContainer(c)
            try removeContainer(c)
        }
        let name = s.containerName ?? ComposeLabels.containerName(project: project.name, service: s.name, number: 1)
        let created = try create(s, imageName: imageName, name: name, number: 1, hash: hash)
        progress(" Container \(name)  Created")
        guard start else { return created }
        progress(" Container \(name)  Starting")
        let started: Container
        do { started = try engine.startMonitored(created.id).container } catch { throw .usage("\(error)") }
        progress(" Container \(name)  Started")
        return started
    }

    func create(_ s: ComposeService, imageName: String, name: String, number: Int, hash: String,
                oneOff: Bool = false, adjust: (inout RunOptions) -> Void = { _ in }) throws(ComposeError) -> Container {
        var options = try wiring.runOptions(s, name: name, number: number, configHash: hash)
        if oneOff { options.labels[ComposeLabels.oneoff] = "True" } else { options.labels[ComposeLabels.oneoff] = "False" }
        adjust(&options)
        // env_file: read with Compose's rules (quotes, export, comments); `environment:` wins over it.
        var fromFiles: [String] = []
        for path in options.envFiles {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .unreadable(file: path, reason: "env file of service \(s.name) not found")
            }
            do {
                for (k, v) in try ComposeEnvFile.parse(text, environment: callerEnvironment) {
                    if let v { fromFiles.append("\(k)=\(v)") } else if callerEnvironment[k] != nil { fromFiles.append(k) }
                }
            } catch {
                throw .invalid(file: path, path: "line \(error.line)", reason: error.reason)
            }
        }
        options.env = fromFiles + options.env
        options.envFiles = []
        let contents: [String: String] = [:]
        do {
            let c = try engine.createContainer(image: imageName, options: options, callerEnvironment: callerEnvironment,
                                               envFileContents: contents)
            for n in wiring.extraNetworks(s) {
                do { try engine.connectNetwork(network: n.name, container: c.id, aliases: n.aliases) } catch {
                    try? engine.remove(c.id, force: true, volumes: true)
                    throw error
                }
            }
            return c
        } catch {
            throw .usage("service \(s.name): \(error)")
        }
    }

    // MARK: stop, start, remove

    func stopContainer(_ c: Container, timeout: Int? = nil) throws(ComposeError) {
        guard c.status == .running || c.status == .restarting else { return }
        progress(" Container \(c.name)  Stopping")
        do { try engine.stop(c.id, timeout: timeout) } catch { throw .usage("\(error)") }
        progress(" Container \(c.name)  Stopped")
    }

    func removeContainer(_ c: Container) throws(ComposeError) {
        progress(" Container \(c.name)  Removing")
        do { try engine.remove(c.id, force: true, volumes: true) } catch { throw .usage("\(error)") }
        progress(" Container \(c.name)  Removed")
    }

    /// The project's services by name (all when `names` is empty), checked.
    func services(_ names: [String]) throws(ComposeError) -> [ComposeService] {
        for n in names where project.service(n) == nil { throw .usage("no such service: \(n)") }
        return names.isEmpty ? project.services : project.services.filter { names.contains($0.name) }
    }

    /// Stop the services' containers, dependents first.
    public func stop(_ names: [String], timeout: Int? = nil) throws(ComposeError) {
        for s in try ComposeOrder.stopOrder(try services(names)) {
            for c in containers(of: s.name) { try stopContainer(c, timeout: timeout) }
        }
    }

    /// Start the services' existing containers, dependencies first (waiting for their conditions).
    public func start(_ names: [String]) throws(ComposeError) {
        let chosen = try services(names)
        let chosenNames = Set(chosen.map(\.name))
        for s in try ComposeOrder.startOrder(chosen) {
            let list = containers(of: s.name)
            if list.isEmpty && !names.isEmpty { throw .usage("service \(s.name) has no container to start (run `skiff compose up` first)") }
            for d in s.dependsOn where chosenNames.contains(d.service) { try waitFor(d, of: s.name) }
            for c in list where c.status != .running && c.status != .restarting {
                progress(" Container \(c.name)  Starting")
                do { try engine.startMonitored(c.id) } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Started")
            }
        }
    }

    public func restart(_ names: [String], timeout: Int? = nil) throws(ComposeError) {
        try stop(names, timeout: timeout)
        try start(names)
    }

    /// Remove stopped containers of the services (`stopFirst`: stop running ones first); returns the
    /// names removed.
    @discardableResult
    public func remove(_ names: [String], stopFirst: Bool) throws(ComposeError) -> [String] {
        var removed: [String] = []
        for s in try services(names) {
            for c in containers(of: s.name) {
                if c.status == .running || c.status == .restarting {
                    guard stopFirst else { continue }
                    try stopContainer(c)
                }
                try removeContainer(c)
                removed.append(c.name)
            }
        }
        return removed
    }

    // MARK: down

    public struct DownOptions: Sendable {
        public var removeVolumes = false
        /// "all" or "local".
        public var removeImages: String?
        public var removeOrphans = false
        public var timeout: Int?
        public init() {}
    }

    /// Stop and remove the project's containers (dependents first), and with the options its volumes,
    /// images and orphans.
    public func down(_ options: DownOptions) throws(ComposeError) {
        let ordered = try ComposeOrder.stopOrder(project.services)
        var containers: [Container] = []
        for s in ordered { containers += self.containers(of: s.name) }
        containers += projectContainers(includeOneOff: true).filter { c in c.isComposeOneOff && !containers.contains { $0.id == c.id } }
        if options.removeOrphans {
            containers += orphans().filter { o in !containers.contains { $0.id == o.id } }
        } else if !orphans().isEmpty {
            progress(" Found orphan containers (\(orphans().map(\.name).joined(separator: ", "))) for this project; --remove-orphans removes them.")
        }
        for c in containers { try stopContainer(c, timeout: options.timeout) }
        for c in containers { try removeContainer(c) }
        if let rmi = options.removeImages {
            guard rmi == "all" || rmi == "local" else { throw .usage("--rmi \(rmi): expected all or local") }
            for s in project.services where rmi == "all" || s.image == nil {
                let name = s.imageName(project: project.name)
                guard (try? engine.images.resolve(name)) != nil else { continue }
                progress(" Image \(name)  Removing")
                do { _ = try engine.removeImage(name, force: false) } catch { progress(" Image \(name)  \(error)") }
            }
        }
        try removeNetworks()
        if options.removeVolumes { try removeVolumes() }
    }

    /// The networks the services join: made (labelled with the project) when missing; an external one
    /// must exist.
    func ensureNetworks(_ services: [ComposeService]) throws(ComposeError) {
        guard ComposeWiring.projectNetworksAvailable else { return }
        var keys: [String] = []
        for s in services where s.networkMode == nil {
            for n in s.networkNames where !keys.contains(n) { keys.append(n) }
        }
        for key in keys {
            let real = wiring.realNetworkName(key)
            if (try? engine.network(real)) != nil { continue }
            let declared = project.network(key)
            if declared?.external == true {
                throw .usage("network \(real) declared as external, but could not be found (create it with `skiff network create \(real)`)")
            }
            var labels = declared?.labels ?? [:]
            labels[ComposeLabels.project] = project.name
            labels["com.docker.compose.network"] = key
            do { _ = try engine.createNetwork(name: real, isInternal: declared?.isInternal ?? false, labels: labels) } catch {
                throw .usage("network \(real): \(error)")
            }
            progress(" Network \(real)  Created")
        }
    }

    /// The project's own networks (not external ones), once no container uses them.
    func removeNetworks() throws(ComposeError) {
        guard ComposeWiring.projectNetworksAvailable else { return }
        var keys = ["default"] + project.networks.map(\.name)
        keys = keys.enumerated().filter { keys.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        for key in keys where project.network(key)?.external != true {
            let real = wiring.realNetworkName(key)
            guard let n = try? engine.network(real), n.labels[ComposeLabels.project] == project.name else { continue }
            progress(" Network \(real)  Removing")
            do { try engine.removeNetwork(real) } catch { throw .usage("\(error)") }
            progress(" Network \(real)  Removed")
        }
    }

    /// The project's named (not external) volumes.
    func removeVolumes() throws(ComposeError) {
        for v in project.volumes where !v.external {
            guard (try? engine.volume(v.realName)) != nil else { continue }
            progress(" Volume \(v.realName)  Removing")
            do { try engine.removeVolume(v.realName, force: true) } catch { throw .usage("\(error)") }
            progress(" Volume \(v.realName)  Removed")
        }
    }

    /// The named volumes the services mount: made (labelled with the project) when missing; an
    /// external one must exist.
    func ensureVolumes(_ services: [ComposeService]) throws(ComposeError) {
        let used = Set(services.flatMap { $0.volumes.compactMap { $0.type == .volume ? $0.source : nil } })
        for v in project.volumes where used.contains(v.name) {
            if (try? engine.volume(v.realName)) != nil { continue }
            if v.external {
                throw .usage("external volume \"\(v.realName)\" not found (create it with `skiff volume create \(v.realName)`)")
            }
            var labels = v.labels
            labels[ComposeLabels.project] = project.name
            labels["com.docker.compose.volume"] = v.name
            do { _ = try engine.createVolume(v.realName, labels: labels) } catch { throw .usage("\(error)") }
            progress(" Volume \(v.realName)  Created")
        }
    }

    // MARK: run and exec

    public struct RunRequest: Sendable {
        public var service: String
        /// Empty: the service's command.
        public var command: [String] = []
        public var entrypoint: String?
        public var env: [String] = []
        public var remove = false
        public var noDeps = false
        public var servicePorts = false
        public var tty = false
        public var interactive = false
        public var name: String?
        public var user: String?
        public var workdir: String?
        public var detach = false
        public init(service: String) { self.service = service }
    }

    /// `compose run`: start the service's dependencies (as `up` would), then a one-off container of the
    /// service, attached (stdio the caller's); its exit status. With `remove` nothing is left of it.
    public func run(_ request: RunRequest) throws(ComposeError) -> (container: Container, status: ExitStatus?) {
        guard var s = project.service(request.service) else { throw .usage("no such service: \(request.service)") }
        if !request.servicePorts { s.ports = [] }
        try wiring.check([s], servicePorts: request.servicePorts)
        if !request.noDeps {
            let deps = try project.selectServices([s.name], profiles: [], withDependencies: true).filter { $0.name != s.name }
            if !deps.isEmpty {
                var up = UpOptions()
                up.services = deps.map(\.name)
                up.noDeps = true
                try self.up(up)
                for d in s.dependsOn where project.service(d.service) != nil { try waitFor(d, of: s.name) }
            }
        }
        try ensureImages([s], forceBuild: false)
        try ensureVolumes([s])
        try ensureNetworks([s])
        let imageName = s.imageName(project: project.name)
        let suffix = String(NameGeneratorHex.make().prefix(12))
        let name = request.name ?? "\(project.name)-\(s.name)-run-\(suffix)"
        let created = try create(s, imageName: imageName, name: name, number: 1, hash: "", oneOff: true) { o in
            if !request.command.isEmpty {
                o.command = request.command
                if s.entrypoint != nil, request.entrypoint == nil {
                    // The service's entrypoint stays; only its command is replaced.
                    o.command = Array((s.entrypoint ?? []).dropFirst()) + request.command
                }
            }
            if let e = request.entrypoint {
                let words = (try? ShellWords.split(e)) ?? [e]
                o.entrypoint = words.first ?? ""
                o.command = Array(words.dropFirst()) + request.command
            }
            o.env += request.env
            o.remove = request.remove
            o.tty = request.tty
            o.interactive = request.interactive
            if let u = request.user { o.user = u }
            if let w = request.workdir { o.workdir = w }
            o.restart = nil
            o.detach = request.detach
        }
        if request.detach {
            do { return (try engine.startMonitored(created.id).container, nil) } catch { throw .usage("\(error)") }
        }
        do {
            return (created, try engine.runAttached(created, interactive: request.interactive || request.tty))
        } catch {
            throw .usage("\(error)")
        }
    }

    /// The container of a service `exec` and `logs` address (`index` from 1).
    public func container(service: String, index: Int = 1) throws(ComposeError) -> Container {
        guard project.service(service) != nil else { throw .usage("no such service: \(service)") }
        let list = containers(of: service)
        guard let c = list.first(where: { $0.composeNumber == index }) ?? (index == 1 ? list.first : nil) else {
            throw .usage("service \"\(service)\" is not running (no container \(index))")
        }
        return c
    }
}

/// Random hex for one-off container names.
enum NameGeneratorHex {
    static func make() -> String {
        var bytes = [UInt8](repeating: 0, count: 8)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
