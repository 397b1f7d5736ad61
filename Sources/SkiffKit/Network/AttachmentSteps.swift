import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What joining a container to its networks does: the interfaces made in the container's namespace
/// (`create`), their sysctls (`com.docker.network.endpoint.sysctls`), their addresses and routes
/// (`configure`), and the host's side of each veth pair (`outside`). The sysctls go between creating
/// and configuring, as Docker sets them, so `disable_ipv6` or `accept_ra` hold before an address is
/// added or the link comes up.
struct AttachmentSteps {
    /// The network's name (the last one appended).
    var network = ""
    var create: [LinkStep] = []
    var sysctls: [(path: String, value: String)] = []
    var configure: [LinkStep] = []
    var outside: [LinkStep] = []

    mutating func append(_ other: AttachmentSteps) {
        network = other.network
        create += other.create
        sysctls += other.sysctls
        configure += other.configure
        outside += other.outside
    }

    /// Carry them out over rtnetlink, no process spawned: a socket opened inside the namespace at
    /// `netns` (the calling thread enters it) for the container's side, around the sysctls when there
    /// are any; then one on the host for the host's side. The veths' peers go to the namespace the
    /// caller is in.
    func run(netns: String) throws(KitError) {
        let host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard host >= 0 else { throw .system(SystemError("open", path: "/proc/thread-self/ns/net")) }
        defer { close(host) }
        let inside = "in the container's namespace"
        try NetworkNamespace.inside(namespaceAt: netns, orElse: KitError.system) { () throws(KitError) in
            let socket = try Self.socket()
            try LinkStep.perform(create, on: socket, peerNamespace: host, place: inside)
            if sysctls.isEmpty { try LinkStep.perform(configure, on: socket, peerNamespace: host, place: inside) }
        }
        if !sysctls.isEmpty {
            try HostNetwork.writeSysctls(sysctls, netns: netns)
            try NetworkNamespace.inside(namespaceAt: netns, orElse: KitError.system) { () throws(KitError) in
                let socket = try Self.socket()
                try LinkStep.perform(configure, on: socket, peerNamespace: host, place: inside)
            }
        }
        guard !outside.isEmpty else { return }
        try LinkStep.perform(outside, on: Self.socket(), peerNamespace: host, place: "on the host")
    }

    /// A NETLINK_ROUTE socket in the calling thread's namespace.
    static func socket() throws(KitError) -> RouteSocket {
        do throws(SystemError) { return try RouteSocket() } catch { throw .system(error) }
    }
}
