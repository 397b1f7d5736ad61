/// Options of Docker's bridge driver that Skiff carries out (`driver_opts` in compose).
public struct NetworkBridgeOptions: Codable, Sendable, Equatable {
    /// `com.docker.network.driver.mtu`: the bridge's and its veths' MTU (default: the uplink's).
    public var mtu: Int?
    public init(mtu: Int? = nil) {
        self.mtu = mtu
    }
}
