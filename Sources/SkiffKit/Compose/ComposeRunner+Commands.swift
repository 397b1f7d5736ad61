import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `kill`, `pause`, `unpause` and the lookups of `port`, `cp` and `top`: per service, as Docker Compose.
extension ComposeRunner {
    /// Send `signal` to the services' running containers.
    public func kill(_ names: [String], signal: String) throws(ComposeError) {
        for s in try services(names) {
            for c in containers(of: s.name) where c.status == .running || c.status == .restarting {
                progress(" Container \(c.name)  Killing")
                if dryRun {
                    progress(" Container \(c.name)  Killed")
                    continue
                }
                do { try engine.kill(c.id, signal: signal) } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Killed")
            }
        }
    }

    /// `compose pause`: freeze the named services' running containers (all when `names` is empty).
    public func pause(_ names: [String]) throws(ComposeError) {
        for s in try services(names) {
            for c in containers(of: s.name) where c.status == .running && !engine.isPaused(c) {
                progress(" Container \(c.name)  Pausing")
                if dryRun {
                    progress(" Container \(c.name)  Paused")
                    continue
                }
                do { try engine.pause(c.id) } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Paused")
            }
        }
    }

    /// `compose unpause`: thaw the named services' paused containers (all when `names` is empty).
    public func unpause(_ names: [String]) throws(ComposeError) {
        for s in try services(names) {
            for c in containers(of: s.name) where engine.isPaused(c) {
                progress(" Container \(c.name)  Unpausing")
                if dryRun {
                    progress(" Container \(c.name)  Unpaused")
                    continue
                }
                do { try engine.unpause(c.id) } catch { throw .usage("\(error)") }
                progress(" Container \(c.name)  Unpaused")
            }
        }
    }

    /// Container `index` (1-based, `--index`) of `service`.
    public func container(of service: String, index: Int = 1) throws(ComposeError) -> Container {
        guard project.service(service) != nil || !containers(of: service).isEmpty else {
            throw .usage("no such service: \(service)")
        }
        guard let c = containers(of: service).first(where: { $0.composeNumber == index }) else {
            throw .usage("service \"\(service)\" is not running container #\(index)")
        }
        return c
    }
}

extension ComposeRunner {
    /// `--remove-orphans` of commands other than up.
    public func removeOrphanContainers() throws(ComposeError) {
        for c in orphans() { try removeContainer(c) }
    }
}

extension ComposeRunner {
    /// `up --wait`: every container running, and healthy when it has a healthcheck. Fails as soon as
    /// one exits, is restarted by its policy or turns unhealthy, rather than at the timeout.
    public func waitReady(_ containers: [Container]) throws(ComposeError) {
        let deadline = Date().addingTimeInterval(healthTimeout)
        var pending = containers
        var announced = Set<String>()
        while !pending.isEmpty {
            var still: [Container] = []
            for c in pending {
                guard let now = try? engine.container(c.id) else { throw .usage("container \(c.name) is gone") }
                if now.status == .exited {
                    throw .usage("container \(now.name) exited (\(now.exitCode ?? -1)) while --wait waited for it")
                }
                if now.status == .restarting || (now.restartCount ?? 0) > (c.restartCount ?? 0) {
                    throw .usage(
                        "container \(now.name) is restarting (it exited with \(now.exitCode ?? -1)) while --wait waited for it"
                    )
                }
                if now.healthcheck == nil {
                    if now.status == .running { progress(" Container \(now.name)  Started"); continue }
                } else {
                    if now.health?.status == .healthy { progress(" Container \(now.name)  Healthy"); continue }
                    if now.health?.status == .unhealthy { throw .usage("container \(now.name) is unhealthy") }
                    if announced.insert(now.id).inserted { progress(" Container \(now.name)  Waiting") }
                }
                still.append(c)
            }
            pending = still
            if pending.isEmpty { return }
            if Cancellation.isCancelled { throw .usage("canceled") }
            if Date() > deadline {
                throw .usage(
                    "timed out after \(Int(healthTimeout))s waiting for \(pending.map(\.name).joined(separator: ", "))")
            }
            usleep(100_000)
        }
    }
}
