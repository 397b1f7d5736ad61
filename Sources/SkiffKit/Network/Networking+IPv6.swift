/// The IPv6 side of a bridge, set when the bridge is made (see `ensureBridge`). Only the bridge's own
/// sysctls are changed, so nothing is left on the host when the bridge goes: no router advertisements
/// taken on it (its address is Skiff's), and forwarding for packets that come in on it (a kernel with
/// `force_forwarding`, 6.17+) unless the network is internal.
extension Engine {
    func enableBridgeIPv6(_ config: NetworkConfig, subnet: IPv6Subnet, gateway: IPv6Address) throws(KitError) {
        let conf = "net/ipv6/conf/\(config.bridge)"
        HostNetwork.sysctl(conf + "/disable_ipv6", "0")
        HostNetwork.sysctl(conf + "/accept_ra", "0")
        try HostNetwork.ip(["addr add \(gateway)/\(subnet.prefix) dev \(config.bridge) nodad"])
        if !config.isInternal {
            HostNetwork.sysctl(conf + "/force_forwarding", "1")
            let host = try networks.hostLock()
            defer { host.unlock() }
            IPv6Forwarding.acquire(hostDirectory: networks.hostDirectory)
        }
    }

    /// After bridges were deleted: give back the host's IPv6 forwarding when no Skiff bridge needs it.
    func releaseIPv6Forwarding() {
        guard IPv6Forwarding.heldBySkiff(hostDirectory: networks.hostDirectory),
            let host = try? networks.hostLock()
        else { return }
        defer { host.unlock() }
        IPv6Forwarding.releaseIfUnused(hostDirectory: networks.hostDirectory)
    }
}
