/// What joining a container to its networks runs: the `ip` commands that make each interface in the
/// container's namespace (`create`), the interfaces' sysctls (`com.docker.network.endpoint.sysctls`),
/// the commands that give them addresses and routes (`configure`), and those on the host's side of
/// each veth pair (`outside`). The sysctls go between creating and configuring, as Docker sets them,
/// so `disable_ipv6` or `accept_ra` hold before an address is added or the link comes up.
struct AttachmentSteps {
    /// The network's name (the last one appended).
    var network = ""
    var create: [String] = []
    var sysctls: [(path: String, value: String)] = []
    var configure: [String] = []
    var outside: [String] = []

    mutating func append(_ other: AttachmentSteps) {
        network = other.network
        create += other.create
        sysctls += other.sysctls
        configure += other.configure
        outside += other.outside
    }

    /// Run them: one `ip` batch inside when there are no sysctls, else two around the sysctls; then the
    /// host's side.
    func run(netns: String) throws(KitError) {
        if sysctls.isEmpty {
            try HostNetwork.ip(create + configure, netns: netns)
        } else {
            try HostNetwork.ip(create, netns: netns)
            try HostNetwork.writeSysctls(sysctls, netns: netns)
            try HostNetwork.ip(configure, netns: netns)
        }
        try HostNetwork.ip(outside)
    }
}
