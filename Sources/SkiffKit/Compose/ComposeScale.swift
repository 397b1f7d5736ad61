/// How many containers a service gets, and which ones `up` keeps, removes and adds to get there, as
/// Docker Compose converges a scaled service: the lowest numbers stay, the highest go, new ones take the
/// numbers after the highest kept.
package struct ComposeScalePlan: Equatable, Sendable {
    /// Container numbers kept (recreated when their config changed).
    package var keep: [Int]
    /// Container numbers removed, highest first.
    package var remove: [Int]
    /// Container numbers to create, in order.
    package var create: [Int]

    /// The plan for `replicas` containers when containers with `existing` numbers are there.
    package init(existing: [Int], replicas: Int) {
        let sorted = existing.sorted()
        keep = Array(sorted.prefix(max(replicas, 0)))
        remove = Array(sorted.dropFirst(max(replicas, 0)).reversed())
        let next = (keep.last ?? 0) + 1
        create = Array(next..<(next + max(replicas - keep.count, 0)))
    }
}

/// `--scale SERVICE=NUM` (up) and `SERVICE=NUM` (scale): the replicas asked for, by service.
public enum ComposeScaleArgument {
    /// Parse the arguments; later ones win for the same service. `flag` names them in errors.
    public static func parse(_ arguments: [String], flag: String) throws(ComposeError) -> [String: Int] {
        var out: [String: Int] = [:]
        for a in arguments {
            let parts = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let n = Int(parts[1]), n >= 0 else {
                throw .usage("\(flag) \(a): expected SERVICE=NUM (NUM a whole number, 0 or more)")
            }
            out[parts[0]] = n
        }
        return out
    }
}

extension ComposeProject {
    /// The project with `scale` overriding the services' `scale:`; an unknown service, or more than one
    /// container of a service with a `container_name:`, is an error.
    package func scaled(_ scale: [String: Int]) throws(ComposeError) -> ComposeProject {
        var p = self
        for (name, n) in scale.sorted(by: { $0.key < $1.key }) {
            guard let i = p.services.firstIndex(where: { $0.name == name }) else {
                throw .usage("no such service: \(name)")
            }
            if n > 1, let fixed = p.services[i].containerName {
                throw .usage(
                    "service \(name): can't scale to \(n) containers: container_name \"\(fixed)\" must be unique (remove container_name to scale the service)"
                )
            }
            p.services[i].scale = n
        }
        return p
    }
}
