import Foundation
import SkiffImage
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A project's containers on this host: made, started, stopped and removed as `skiff compose` does,
/// through the engine's own lifecycle (each container detached under its monitor).
public struct ComposeRunner {
    /// The engine the project's containers live in.
    public let engine: Engine
    /// The loaded project (`up --scale` and `scale` run with their counts set in it).
    public internal(set) var project: ComposeProject
    /// The caller's environment: `environment: [KEY]` entries without a value read it.
    public var callerEnvironment: [String: String] = [:]
    /// Progress lines (" Container web-1  Started").
    public var progress: (String) -> Void = { _ in }
    /// Build output lines.
    public var buildOutput: (String) -> Void = { _ in }
    /// `compose --progress quiet`: no pull progress either.
    public var quietPulls = false
    /// How long `depends_on: service_healthy` and `--wait` wait (seconds).
    public var healthTimeout: Double = 300
    /// `compose --dry-run`: every step decided and reported as in a real run, none carried out (no
    /// container, network, volume, image or file made or removed; no hook run; nothing pulled or built).
    public var dryRun = false

    /// A runner for `project`'s containers in `engine`.
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

    /// The project's containers of `service` (one-off `run` containers left out), by number.
    public func containers(of service: String) -> [Container] {
        projectContainers().filter { $0.composeService == service }
    }

    /// Containers of services no longer in the files.
    public func orphans() -> [Container] {
        projectContainers(includeOneOff: true).filter { c in c.composeService.map { project.service($0) == nil } ?? true
        }
    }

    func kit(_ body: () throws(KitError) -> Void) throws(ComposeError) {
        do { try body() } catch { throw .usage("\(error)") }
    }

    // MARK: stop, start, remove

    func stopContainer(_ c: Container, timeout: Int? = nil) throws(ComposeError) {
        guard c.status == .running || c.status == .restarting else { return }
        if !dryRun { try runPreStopHooks(c) }
        progress(" Container \(c.name)  Stopping")
        if dryRun { return progress(" Container \(c.name)  Stopped") }
        // A frozen container would hold the stop signal until the timeout: thaw it first, as Docker does.
        if engine.isPaused(c) { try? engine.unpause(c.id) }
        do { try engine.stop(c.id, timeout: timeout) } catch { throw .usage("\(error)") }
        progress(" Container \(c.name)  Stopped")
    }

    /// Remove container `c`; with `anonymousVolumes` (`down -v`, `rm -v`) its anonymous volumes too, which
    /// Docker Compose otherwise leaves (a recreated container inherits them).
    func removeContainer(_ c: Container, anonymousVolumes: Bool = false) throws(ComposeError) {
        if !dryRun { try runPreStopHooks(c) }
        progress(" Container \(c.name)  Removing")
        if dryRun { return progress(" Container \(c.name)  Removed") }
        do { try engine.remove(c.id, force: true, volumes: anonymousVolumes) } catch { throw .usage("\(error)") }
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

    /// Start the services' existing containers, dependencies first (waiting for their conditions). Named
    /// services bring what they depend on (`withDependencies`), as `docker compose start web` starts db.
    /// `stoppedHere`: containers a dry run stopped (on paper) before, started again as a real run would.
    public func start(_ names: [String], withDependencies: Bool = true, stoppedHere: Set<String> = [])
        throws(ComposeError)
    {
        var chosen = try services(names)
        if withDependencies && !names.isEmpty {
            var taken = Set(names)
            var queue = names
            while let n = queue.popLast() {
                for d in project.service(n)?.dependsOn ?? [] where project.service(d.service) != nil {
                    if taken.insert(d.service).inserted { queue.append(d.service) }
                }
            }
            chosen = project.services.filter { taken.contains($0.name) }
        }
        let chosenNames = Set(chosen.map(\.name))
        for s in try ComposeOrder.startOrder(chosen) {
            let list = containers(of: s.name)
            if list.isEmpty && names.contains(s.name) {
                throw .usage("service \(s.name) has no container to start (run `skiff compose up` first)")
            }
            for d in s.dependsOn where chosenNames.contains(d.service) { try waitFor(d, of: s.name) }
            for c in list where (c.status != .running && c.status != .restarting) || stoppedHere.contains(c.id) {
                progress(" Container \(c.name)  Starting")
                if dryRun { progress(" Container \(c.name)  Started"); continue }
                do { try engine.startMonitored(c.id) } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Started")
                try runPostStartHooks(c)
            }
        }
    }

    /// `compose restart`: stop then start the named services' containers (all when `names` is empty),
    /// and, unless `noDeps`, those of the services that depend on them with `restart: true` (Docker
    /// Compose's dependents, whose namespaces or connections would otherwise point at the old container).
    public func restart(_ names: [String], timeout: Int? = nil, noDeps: Bool = false) throws(ComposeError) {
        _ = try services(names)
        let chosen = names.isEmpty || noDeps ? names : ComposeOrder.withRestartDependents(names, in: project.services)
        // A dry run's stop leaves them running: they count as stopped for the start that follows.
        let stopping = try services(chosen).flatMap { containers(of: $0.name) }
        let stoppedHere =
            dryRun ? Set(stopping.filter { $0.status == .running || $0.status == .restarting }.map(\.id)) : []
        try stop(chosen, timeout: timeout)
        // A dependent with no container (never brought up) is left alone; a named service must have one.
        try start(
            chosen.filter { names.contains($0) || !containers(of: $0).isEmpty }, withDependencies: false,
            stoppedHere: stoppedHere)
    }

    /// Remove stopped containers of the services (`stopFirst`: stop running ones first; `anonymousVolumes`:
    /// their anonymous volumes too, `rm -v`); returns the names removed.
    @discardableResult
    public func remove(_ names: [String], stopFirst: Bool, anonymousVolumes: Bool = false) throws(ComposeError)
        -> [String]
    {
        var removed: [String] = []
        for s in try services(names) {
            for c in containers(of: s.name) {
                if c.status == .running || c.status == .restarting {
                    guard stopFirst else { continue }
                    try stopContainer(c)
                }
                try removeContainer(c, anonymousVolumes: anonymousVolumes)
                removed.append(c.name)
            }
        }
        return removed
    }
}
