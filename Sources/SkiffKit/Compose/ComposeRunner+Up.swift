import Foundation
import SkiffImage
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `up`: converge the project to its files, in dependency order.
extension ComposeRunner {
    // MARK: up

    /// `compose up`'s flags.
    public struct UpOptions: Sendable {
        /// The services to bring up (with their dependencies); empty: every active one.
        public var services: [String] = []
        /// Profiles that activate services beyond the default ones.
        public var profiles: [String] = []
        /// --no-deps: leave the named services' dependencies alone.
        public var noDeps = false
        /// --force-recreate: recreate containers even when their config is unchanged.
        public var forceRecreate = false
        /// --no-recreate: keep existing containers even when their config changed.
        public var noRecreate = false
        /// --build: build images with a `build:` section before starting.
        public var build = false
        /// --no-start: create the containers, start none.
        public var noStart = false
        /// --remove-orphans: remove containers of services no longer in the files.
        public var removeOrphans = false
        /// -V / --renew-anon-volumes: a recreated container gets new anonymous volumes instead of the old
        /// container's.
        public var renewAnonymousVolumes = false
        /// --scale SERVICE=NUM: containers of these services, instead of their `scale:`.
        public var scale: [String: Int] = [:]
        /// --no-build: build no image, even one that is missing.
        public var noBuild = false
        /// --pull POLICY: every service's `pull_policy` for this `up`.
        public var pull: String?
        /// --quiet-pull: pull (and build) without progress output.
        public var quietPull = false
        /// --always-recreate-deps: recreate the containers of the services the named ones depend on.
        public var alwaysRecreateDeps = false
        /// Every service, nothing forced.
        public init() {}
    }

    /// Create or recreate what changed, start what is not running, in dependency order, waiting for each
    /// service's `depends_on` conditions. Returns the service containers, in start order.
    @discardableResult
    public func up(_ options: UpOptions) throws(ComposeError) -> [Container] {
        if !options.scale.isEmpty {
            var scaled = self
            scaled.project = try project.scaled(options.scale)
            var rest = options
            rest.scale = [:]
            return try scaled.up(rest)
        }
        if let policy = options.pull {
            var pulled = self
            pulled.project.services = project.services.map { s in
                var s = s
                s.pullPolicy = policy
                return s
            }
            var rest = options
            rest.pull = nil
            return try pulled.up(rest)
        }
        let selected = try project.selectServices(
            options.services, profiles: options.profiles, withDependencies: !options.noDeps)
        let ordered = try ComposeOrder.startOrder(selected)
        try checkPlatforms(ordered)
        try ensureImages(ordered, forceBuild: options.build, noBuild: options.noBuild, quiet: options.quietPull)
        try ensureVolumes(ordered)
        try ensureNetworks(ordered)
        let orphans = orphans()
        if !orphans.isEmpty {
            if options.removeOrphans {
                for c in orphans { try removeContainer(c) }
            } else {
                progress(
                    " Found orphan containers (\(orphans.map(\.name).joined(separator: ", "))) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up."
                )
            }
        }
        var result: [Container] = []
        let stoppedOnPaper = StoppedOnPaper()
        let selectedNames = Set(selected.map(\.name))
        // Docker Compose recreates the named services (all, when none is named) as --force-recreate and
        // --no-recreate say, the ones they depend on only with --always-recreate-deps.
        let named = options.services.isEmpty ? selectedNames : Set(options.services)
        for s in ordered {
            // Only dependencies this `up` takes are waited for: with --no-deps (or one the profiles leave
            // out) Docker Compose drops the others from the service's depends_on.
            for d in s.dependsOn where selectedNames.contains(d.service) {
                try waitFor(d, of: s.name, planned: result)
            }
            let force = named.contains(s.name) ? options.forceRecreate : options.alwaysRecreateDeps
            result += try converge(
                s, forceRecreate: force, noRecreate: options.noRecreate, start: !options.noStart,
                restartDependents: ComposeOrder.restartDependents(of: s.name, in: selected),
                inheritVolumes: !options.renewAnonymousVolumes, stoppedOnPaper: stoppedOnPaper)
        }
        return result
    }

    /// Wait until every container of `dependency` meets its condition (running; healthy; exited 0).
    /// `planned`: under a dry run, the containers the run has so far (made, recreated or started on
    /// paper, or left as they are), whose dependency's are waited for in place of the engine's.
    package func waitFor(_ dependency: ComposeDependency, of service: String, planned: [Container]? = nil)
        throws(ComposeError)
    {
        let list =
            dryRun && planned != nil
            ? planned!.filter { $0.composeService == dependency.service && !$0.isComposeOneOff }
            : containers(of: dependency.service)
        guard !list.isEmpty else {
            // A service scaled to 0 is not waited for (Docker Compose).
            if dependency.required && project.service(dependency.service)?.replicas != 0 {
                throw .usage("service \(service) depends on \(dependency.service), which has no container")
            }
            return
        }
        for c in list { try waitFor(dependency, container: c, of: service) }
    }

    /// Wait until container `c` of `dependency` meets its condition. Docker Compose announces each container it waits for ("Waiting"), then what it waited for
    /// ("Healthy", "Exited"). A dry run waits for a container only when it runs now and the run leaves
    /// it so; one it made, started or recreated on paper is taken to meet the condition, as Docker
    /// Compose's dry-run client reports such a container running and healthy.
    func waitFor(_ dependency: ComposeDependency, container c: Container, of service: String) throws(ComposeError) {
        if dependency.condition != .started { progress(" Container \(c.name)  Waiting") }
        if dryRun && (c.status != .running || (try? engine.container(c.id))?.status != .running) {
            switch dependency.condition {
            case .started: break
            case .healthy: progress(" Container \(c.name)  Healthy")
            case .completedSuccessfully: progress(" Container \(c.name)  Exited")
            }
            return
        }
        let deadline = Date().addingTimeInterval(healthTimeout)
        while true {
            guard let now = try? engine.container(c.id) else { throw .usage("container \(c.name) is gone") }
            switch dependency.condition {
            case .started:
                return
            case .healthy:
                guard now.healthcheck != nil else {
                    throw .usage(
                        "dependency failed to start: container \(now.name) has no healthcheck configured (service \(service) waits for service_healthy)"
                    )
                }
                if now.health?.status == .healthy {
                    progress(" Container \(now.name)  Healthy")
                    return
                }
                if now.health?.status == .unhealthy {
                    throw .usage("dependency failed to start: container \(now.name) is unhealthy")
                }
                if now.status == .exited {
                    throw .usage("dependency failed to start: container \(now.name) exited (\(now.exitCode ?? -1))")
                }
            case .completedSuccessfully:
                if now.status == .exited {
                    if now.exitCode == 0 { progress(" Container \(now.name)  Exited"); return }
                    throw .usage(
                        "service \(dependency.service) didn't complete successfully: exit \(now.exitCode ?? -1)")
                }
            }
            if Date() > deadline {
                throw .usage(
                    "timed out after \(Int(healthTimeout))s waiting for \(now.name) (\(dependency.condition.rawValue))")
            }
            usleep(100_000)
        }
    }

    /// The service's containers as the file says, `replicas` of them: the highest numbers beyond that
    /// removed, each kept one converged (see `convergeOne`), the missing ones made with the next numbers.
    /// `restartDependents` (services depending on this one with `restart: true`) are stopped before one
    /// of its containers is recreated; `up` starts them again when it comes to them, as Docker Compose
    /// (a dry run notes them in `stoppedOnPaper`, which it starts again on paper).
    func converge(
        _ s: ComposeService, forceRecreate: Bool, noRecreate: Bool, start: Bool, restartDependents: [String] = [],
        inheritVolumes: Bool = true, stoppedOnPaper: StoppedOnPaper = StoppedOnPaper()
    ) throws(ComposeError) -> [Container] {
        let imageName = s.imageName(project: project.name)
        let imageID: String
        do { imageID = try engine.images.resolve(imageName).id.description } catch {
            // A dry run pulled or built nothing: the image it would have had is not here.
            guard dryRun else { throw .usage("service \(s.name): image \(imageName) not found: \(error)") }
            imageID = ""
        }
        let hash = ComposeLabels.configHash(s, imageID: imageID, joined: joinedContainers(s))
        let existing = containers(of: s.name)
        // Two containers with one number (made by hand, or an older skiff): the later ones go.
        var byNumber: [Int: Container] = [:]
        for c in existing {
            if byNumber[c.composeNumber] == nil { byNumber[c.composeNumber] = c } else { try removeContainer(c) }
        }
        let plan = ComposeScalePlan(existing: Array(byNumber.keys), replicas: s.replicas)
        for n in plan.remove {
            guard let c = byNumber[n] else { continue }
            try stopContainer(c)
            try removeContainer(c)
        }
        var result: [Container] = []
        for n in plan.keep {
            guard let c = byNumber[n] else { continue }
            result.append(
                try convergeOne(
                    s, c, imageName: imageName, hash: hash, forceRecreate: forceRecreate, noRecreate: noRecreate,
                    start: start, restartDependents: restartDependents, inheritVolumes: inheritVolumes,
                    stoppedOnPaper: stoppedOnPaper))
        }
        for n in plan.create {
            result.append(try make(s, imageName: imageName, number: n, hash: hash, start: start))
        }
        return result
    }

    /// Container `c` as the file says: left alone when its config hash matches and it runs; started when
    /// it matches and is stopped; otherwise removed and made again with its number.
    func convergeOne(
        _ s: ComposeService, _ c: Container, imageName: String, hash: String, forceRecreate: Bool, noRecreate: Bool,
        start: Bool, restartDependents: [String] = [], inheritVolumes: Bool = true,
        stoppedOnPaper: StoppedOnPaper = StoppedOnPaper()
    ) throws(ComposeError) -> Container {
        let same = c.labels[ComposeLabels.configHash] == hash
        if (same && !forceRecreate) || noRecreate {
            if (c.status == .running || c.status == .restarting) && !stoppedOnPaper.ids.contains(c.id) {
                progress(" Container \(c.name)  Running")
                return c
            }
            guard start else { return c }
            progress(" Container \(c.name)  Starting")
            if dryRun {
                progress(" Container \(c.name)  Started")
                // Started on paper: not what the engine has now, for a dependent's wait.
                var planned = c
                if stoppedOnPaper.ids.contains(c.id) { planned.status = .created }
                return planned
            }
            var started = c
            do { started = try engine.startMonitored(c.id).container } catch { throw .usage("\(error)") }
            progress(" Container \(c.name)  Started")
            try runPostStartHooks(started)
            return started
        }
        for d in restartDependents {
            for dc in containers(of: d) where !stoppedOnPaper.ids.contains(dc.id) {
                try stopContainer(dc)
                if dryRun && (dc.status == .running || dc.status == .restarting) { stoppedOnPaper.ids.insert(dc.id) }
            }
        }
        progress(" Container \(c.name)  Recreate")
        // One a dry run stopped on paper is stopped already, as the real run would find it.
        if !stoppedOnPaper.ids.contains(c.id) { try stopContainer(c) }
        // The old container's anonymous volumes (an image VOLUME, a `- /path` entry) go to the new one, as
        // Docker Compose recreates: a database's data survives a changed environment.
        let inherited = inheritVolumes ? Self.inheritedVolumes(of: c, declared: s) : []
        try removeContainer(c, anonymousVolumes: !inheritVolumes)
        return try make(s, imageName: imageName, number: c.composeNumber, hash: hash, start: start) { o in
            let taken = Set(inherited.map(\.target))
            o.mounts =
                o.mounts.filter { $0.kind != .volume || $0.source != nil || !taken.contains($0.target) } + inherited
        }
    }

    /// The anonymous volumes of `old` that the new container of `s` takes over: those at a path the
    /// service does not mount anything else at (Compose's `buildContainerVolumes` with `inherit`).
    package static func inheritedVolumes(of old: Container, declared s: ComposeService) -> [MountRequest] {
        let declared = Set(s.volumes.filter { $0.type != .volume || $0.source != nil }.map(\.target))
        return (old.mounts ?? []).filter { $0.type == .volume && $0.anonymous == true && $0.name != nil }
            .filter { !declared.contains($0.destination) }
            .map { m in
                var r = MountRequest(
                    kind: .volume, source: m.name, target: m.destination, origin: "the anonymous volume of \(old.name)")
                r.readOnly = m.readOnly
                return r
            }
    }

    /// `config --hash`: the configuration hash `up` labels the service's containers with (its image as
    /// the store has it now; an image not here yet counts as none).
    public func configHash(of name: String) throws(ComposeError) -> String {
        guard let s = project.service(name) else { throw .usage("no such service: \(name)") }
        let imageID = (try? engine.images.resolve(s.imageName(project: project.name)))?.id.description ?? ""
        return ComposeLabels.configHash(s, imageID: imageID, joined: joinedContainers(s))
    }

    /// The containers the service's `service:NAME` references resolve to, as `key=ID` (`network_mode`,
    /// `pid`, `ipc`, `volumes_from`; an empty ID for one not made yet): part of its config hash.
    func joinedContainers(_ s: ComposeService) -> [String] {
        var references: [(key: String, service: String)] = s.networkService.map { [("network_mode", $0)] } ?? []
        references += s.namespaces.services
        references += s.volumesFrom.filter { !$0.isContainer }.map { ("volumes_from", $0.name) }
        return references.map { key, service in
            let name =
                project.service(service)?.containerName
                ?? ComposeLabels.containerName(project: project.name, service: service, number: 1)
            return key + "=" + ((try? engine.container(name))?.id ?? "")
        }
    }

    /// Make container `number` of the service (named `<project>-<service>-<number>` unless
    /// `container_name:` names it) and, with `start`, start it.
    func make(
        _ s: ComposeService, imageName: String, number: Int, hash: String, start: Bool,
        adjust: (inout RunOptions) -> Void = { _ in }
    ) throws(ComposeError) -> Container {
        let name =
            s.containerName ?? ComposeLabels.containerName(project: project.name, service: s.name, number: number)
        progress(" Container \(name)  Creating")
        let created = try create(s, imageName: imageName, name: name, number: number, hash: hash, adjust: adjust)
        progress(" Container \(name)  Created")
        guard start else { return created }
        progress(" Container \(name)  Starting")
        if dryRun {
            progress(" Container \(name)  Started")
            return created
        }
        let started: Container
        do { started = try engine.startMonitored(created.id).container } catch { throw .usage("\(error)") }
        progress(" Container \(name)  Started")
        try runPostStartHooks(started)
        return started
    }

    func create(
        _ s: ComposeService, imageName: String, name: String, number: Int, hash: String,
        oneOff: Bool = false, useAliases: Bool = true, adjust: (inout RunOptions) -> Void = { _ in }
    ) throws(ComposeError) -> Container {
        var options = try wiring.runOptions(s, name: name, number: number, configHash: hash)
        if oneOff {
            options.labels[ComposeLabels.oneoff] = "True"
        } else {
            options.labels[ComposeLabels.oneoff] = "False"
        }
        // A one-off container must not take the service's fixed address (its container may hold it).
        if oneOff {
            options.ip = nil
            options.ip6 = nil
            options.macAddress = nil
        }
        // Docker Compose: a one-off container answers to its own name only, unless `run --use-aliases`.
        let aliased = !oneOff || useAliases
        if !aliased { options.networkAliases = [] }
        options.mounts += try secretMounts(s)
        adjust(&options)
        // env_file: read with Compose's rules (quotes, export, comments); `environment:` wins over it.
        var fromFiles: [String] = []
        for path in options.envFiles {
            guard let text = try s.envFileText(path) else {
                if s.optionalEnvFiles.contains(path) { continue }
                throw .unreadable(file: path, reason: "env file of service \(s.name) not found")
            }
            do {
                for (k, v) in try ComposeEnvFile.parse(text, environment: callerEnvironment) {
                    if let v {
                        fromFiles.append("\(k)=\(v)")
                    } else if callerEnvironment[k] != nil {
                        fromFiles.append(k)
                    }
                }
            } catch {
                throw .invalid(file: path, path: "line \(error.line)", reason: error.reason)
            }
        }
        options.env = fromFiles + options.env
        options.envFiles = []
        if dryRun { return .planned(name: name, image: imageName, labels: options.labels) }
        let contents: [String: String] = [:]
        do {
            let c = try engine.createContainer(
                image: imageName, options: options, callerEnvironment: callerEnvironment,
                envFileContents: contents)
            for n in wiring.extraNetworks(s) {
                do {
                    try engine.connectNetwork(
                        network: n.name, container: c.id, aliases: aliased ? n.aliases : [], ip: oneOff ? nil : n.ip,
                        mac: oneOff ? nil : n.mac, ip6: oneOff ? nil : n.ip6, endpoint: n.endpoint)
                } catch {
                    try? engine.remove(c.id, force: true, volumes: true)
                    throw error
                }
            }
            return c
        } catch {
            throw .usage("service \(s.name): \(error)")
        }
    }
}

/// The containers a dry run's `up` stopped on paper (the `restart: true` dependents of a service it
/// recreates), which the real run would find stopped and start again.
final class StoppedOnPaper {
    var ids: Set<String> = []
    init() {}
}
