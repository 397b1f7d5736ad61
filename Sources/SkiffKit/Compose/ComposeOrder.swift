/// The order services start in: each after the services it depends on (file order among equals).
/// A cycle is an error naming it.
package enum ComposeOrder {
    package static func startOrder(_ services: [ComposeService]) throws(ComposeError) -> [ComposeService] {
        let byName = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0) })
        var done: [String] = []
        var visiting: [String] = []
        func visit(_ s: ComposeService) throws(ComposeError) {
            if done.contains(s.name) { return }
            if let i = visiting.firstIndex(of: s.name) {
                throw .usage(
                    "dependency cycle between services: " + (visiting[i...] + [s.name]).joined(separator: " -> "))
            }
            visiting.append(s.name)
            for d in s.dependsOn { if let dep = byName[d.service] { try visit(dep) } }
            visiting.removeLast()
            done.append(s.name)
        }
        for s in services { try visit(s) }
        return done.compactMap { byName[$0] }
    }

    /// Stop order: dependents first.
    package static func stopOrder(_ services: [ComposeService]) throws(ComposeError) -> [ComposeService] {
        try startOrder(services).reversed()
    }

    /// The services that depend on `service` with `restart: true` (written, or implied by `links:` and
    /// `network_mode` / `pid` / `ipc: service:NAME`): Docker Compose stops them when it recreates
    /// `service` and starts them again after it.
    package static func restartDependents(of service: String, in services: [ComposeService]) -> [String] {
        services.filter { s in s.dependsOn.contains { $0.service == service && $0.restart } }.map(\.name)
    }

    /// `names` and, transitively, the services that depend on one of them with `restart: true`: what
    /// `compose restart NAMES` restarts (without `--no-deps`), in the order of `services`.
    package static func withRestartDependents(_ names: [String], in services: [ComposeService]) -> [String] {
        var chosen = Set(names)
        var queue = names
        while let n = queue.popLast() {
            for d in restartDependents(of: n, in: services) where chosen.insert(d).inserted { queue.append(d) }
        }
        return services.map(\.name).filter { chosen.contains($0) }
    }
}
