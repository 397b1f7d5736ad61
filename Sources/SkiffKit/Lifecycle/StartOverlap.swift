import SkiffRuntime

/// A detached start on a network of its own has two long serial parts on two CPUs: the network (veth
/// pair, addresses, routes, rules, /etc/hosts) and the init's set-up (mounts, pivot_root, seccomp). The
/// namespace itself is made first, since the init joins it at the clone; the rest can run beside the
/// init's set-up, the init waiting at a gate before its execve (`OCIRuntime.StartOptions.alongsideSetup`).
package enum StartOverlap {
    /// Whether the network is made beside the init's set-up: not when the start is explained (its steps
    /// are told in order), nor when a sysctl the init writes concerns interfaces (`net.ipv4.conf.*`,
    /// `net.ipv6.neigh.*`, their `default` and `all` included), since eth0 would not be there yet or
    /// would be made before a `default` it should inherit.
    package static func networkBesideInit(explaining: Bool, sysctls: [String: String]) -> Bool {
        !explaining && !sysctls.keys.contains(where: concernsInterfaces)
    }

    /// `net.ipv4.conf.eth0.rp_filter`, also written with slashes.
    static func concernsInterfaces(_ key: String) -> Bool {
        let parts = key.split(whereSeparator: { $0 == "." || $0 == "/" })
        guard parts.count >= 3, parts[0] == "net", parts[1] == "ipv4" || parts[1] == "ipv6" else { return false }
        return parts[2] == "conf" || parts[2] == "neigh"
    }

    /// The work handed to the runtime, which runs it on the calling thread during `runDetached`: the
    /// closure never crosses to another thread, which is why this box may say it is Sendable.
    final class Work: @unchecked Sendable {
        private let body: () throws(KitError) -> Void

        init(_ body: @escaping () throws(KitError) -> Void) {
            self.body = body
        }

        var run: @Sendable () throws -> Void {
            { try self.body() }
        }
    }
}
