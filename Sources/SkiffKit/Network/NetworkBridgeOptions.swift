/// Options of Docker's bridge driver that Skiff carries out (`driver_opts` in compose).
public struct NetworkBridgeOptions: Codable, Sendable, Equatable {
    /// `com.docker.network.driver.mtu`: the bridge's and its veths' MTU (default: the uplink's).
    public var mtu: Int?
    /// `com.docker.network.bridge.host_binding_ipv4`: the host address ports are published on when
    /// `-p` names none (default 0.0.0.0).
    public var hostBindingIPv4: String?

    /// Options as given; nil keeps Docker's default.
    public init(mtu: Int? = nil, hostBindingIPv4: String? = nil) {
        self.mtu = mtu
        self.hostBindingIPv4 = hostBindingIPv4
    }

    /// Parse one `-o KEY=VALUE` / `driver_opts` entry; false: a key this type does not hold.
    public mutating func set(_ key: String, _ value: String) throws(KitError) -> Bool {
        switch key {
        case "com.docker.network.driver.mtu":
            guard let n = Int(value), (68...65535).contains(n) else { throw .usage("\(key)=\(value): the MTU must be 68 to 65535") }
            mtu = n
        case "com.docker.network.bridge.host_binding_ipv4":
            guard IPv4Address(value) != nil else { throw .usage("\(key)=\(value): not an IPv4 address") }
            hostBindingIPv4 = value == "0.0.0.0" ? nil : value
        default:
            return false
        }
        return true
    }
}
