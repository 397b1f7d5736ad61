/// Options of Docker's bridge driver that Skiff carries out (`driver_opts` in compose).
public struct NetworkBridgeOptions: Codable, Sendable, Equatable {
    /// `com.docker.network.driver.mtu`: the bridge's and its veths' MTU (default: the uplink's).
    public var mtu: Int?
    /// `com.docker.network.bridge.host_binding_ipv4`: the host address ports are published on when
    /// `-p` names none (default 0.0.0.0).
    public var hostBindingIPv4: String?
    /// `com.docker.network.bridge.enable_icc=false`: the network's containers cannot reach each other
    /// (the outside, the host and published ports still work). nil: true, Docker's default.
    public var enableICC: Bool? = nil
    /// `com.docker.network.bridge.enable_ip_masquerade=false`: traffic leaves with the container's own
    /// address (no outbound NAT). nil: true, Docker's default.
    public var enableIPMasquerade: Bool? = nil

    /// Options as given; nil keeps Docker's default.
    public init(mtu: Int? = nil, hostBindingIPv4: String? = nil) {
        self.mtu = mtu
        self.hostBindingIPv4 = hostBindingIPv4
    }

    /// Containers of the network may talk to each other.
    public var interContainer: Bool { enableICC ?? true }
    /// Outbound traffic is masqueraded behind the host's address.
    public var masquerade: Bool { enableIPMasquerade ?? true }

    /// Go's strconv.ParseBool, which Docker's bridge driver reads these options with.
    static func goBool(_ key: String, _ value: String) throws(KitError) -> Bool {
        switch value {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw .usage("\(key)=\(value): expected true or false")
        }
    }

    /// Parse one `-o KEY=VALUE` / `driver_opts` entry; false: a key this type does not hold.
    public mutating func set(_ key: String, _ value: String) throws(KitError) -> Bool {
        switch key {
        case "com.docker.network.driver.mtu":
            guard let n = Int(value), (68...65535).contains(n) else {
                throw .usage("\(key)=\(value): the MTU must be 68 to 65535")
            }
            mtu = n
        case "com.docker.network.bridge.host_binding_ipv4":
            guard IPv4Address(value) != nil else { throw .usage("\(key)=\(value): not an IPv4 address") }
            hostBindingIPv4 = value == "0.0.0.0" ? nil : value
        case "com.docker.network.bridge.enable_icc":
            let on = try Self.goBool(key, value)
            enableICC = on ? nil : false
        case "com.docker.network.bridge.enable_ip_masquerade":
            let on = try Self.goBool(key, value)
            enableIPMasquerade = on ? nil : false
        default:
            return false
        }
        return true
    }
}
