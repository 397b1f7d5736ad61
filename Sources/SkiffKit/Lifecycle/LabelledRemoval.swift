import SkiffSystem

/// Everything that carries one label goes at once: what a test session (SkiffTesting) made, removed by
/// the session itself or, when its process died, by its reaper (`skiff-monitor -R`, which runs
/// `skiff container-internal reap`). Only objects with the label are touched, so the state root may be
/// shared with other users; bridges and rules are taken down only when no container of the root uses them.
extension Engine {
    /// Remove the containers (killed first, with their anonymous volumes), then the networks and the
    /// volumes labelled `key=value`; then the bridges and nftables rules nothing uses any more.
    /// Best effort: every object is tried; returns what could not be removed, one line each.
    @discardableResult
    public func removeLabelled(key: String, value: String) -> [String] {
        var failures: [String] = []
        for c in containers.all() where c.labels[key] == value {
            do { try remove(c.id, force: true, volumes: true) } catch {
                if case .notFound = error { continue }
                failures.append("container \(c.name): \(error)")
            }
        }
        for n in networks.all() where n.labels[key] == value {
            do { try removeNetwork(n.name) } catch {
                if case .notFound = error { continue }
                failures.append("network \(n.name): \(error)")
            }
        }
        for v in volumes.all() where v.Labels[key] == value {
            do { try removeVolume(v.Name, force: true) } catch { failures.append("volume \(v.Name): \(error)") }
        }
        do { try releaseIdleNetworking() } catch { failures.append("networking: \(error)") }
        return failures
    }

    /// Take down the bridges no container uses (with the last one, the root's rules), and drop the default
    /// network's record while no container names it; it is made again at the next run, as after `network prune`.
    package func releaseIdleNetworking() throws(KitError) {
        let lock = try networks.lock()
        defer { lock.unlock() }
        try releaseIdleBridgesLocked()
        if let d = networks.load(NetworkConfig.defaultName), containersUsing(d.name).isEmpty,
            networks.leases(d.name).isEmpty
        {
            networks.removeRecord(d)
        }
    }
}
