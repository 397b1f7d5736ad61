import SkiffSystem

/// IPv6 in a container's own network namespace, as Docker 20.10's libnetwork sets it: off everywhere
/// when the namespace is made (`all`, which the kernel also writes to `default` and `lo`), so an
/// interface of an IPv4-only network has no IPv6 (not even a link-local address) and `lo` no `::1`;
/// back on for each interface that is given an IPv6 address, before the address is added, and on `lo`
/// while any interface has a network's IPv6 address (libnetwork's checkLoV6). The user's `--sysctl`s
/// are written after these (by the runtime), so they win, as in Docker.
package enum NamespaceIPv6 {
    /// Whether the host's kernel has IPv6 at all (not `ipv6.disable=1`): without it there is nothing to
    /// turn off, and the sysctls do not exist.
    package static var kernelHasIPv6: Bool { FileIO.exists("/proc/sys/net/ipv6/conf/all/disable_ipv6") }

    /// Written when the namespace is made, before any interface is: IPv6 off.
    package static let whenMade: [(path: String, value: String)] = [("net/ipv6/conf/all/disable_ipv6", "1")]

    /// The same as a `linux.sysctl` entry, for a namespace the runtime makes (`--network none`).
    package static let whenMadeSysctl = ("net.ipv6.conf.all.disable_ipv6", "1")

    /// Written for an interface before its addresses are added: IPv6 back on for it when it gets an
    /// IPv6 address (`network`: its network's; `linkLocal`: an IPv6 `--link-local-ip`), and on `lo` when
    /// it gets its network's.
    package static func forInterface(_ name: String, network: Bool, linkLocal: Bool) -> [(path: String, value: String)]
    {
        guard network || linkLocal else { return [] }
        var writes = [("net/ipv6/conf/\(name)/disable_ipv6", "0")]
        if network { writes.append(loopback(on: true)) }
        return writes
    }

    /// `lo`'s setting once the interfaces are what they are (after a `network disconnect`): on while one
    /// of them has a network's IPv6 address.
    package static func loopback(on: Bool) -> (path: String, value: String) {
        ("net/ipv6/conf/lo/disable_ipv6", on ? "0" : "1")
    }
}
