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
}
