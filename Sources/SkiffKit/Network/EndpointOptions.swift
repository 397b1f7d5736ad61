/// A container's endpoint on one network beyond its addresses, as Docker's bridge driver takes it: the
/// interface's name in the container (compose `interface_name`, driver option
/// `com.docker.network.endpoint.ifname`), extra link-local addresses (`--link-local-ip`, compose
/// `link_local_ips`) and per-interface sysctls (driver option `com.docker.network.endpoint.sysctls`).
/// Checked where it is given (the checks return why a value is bad; callers name the flag or key);
/// carried out by `setUpNetwork` at every start.
public struct EndpointOptions: Codable, Sendable, Equatable {
    /// The driver option that names the container's interface (Docker Engine 28+).
    public static let interfaceNameOption = "com.docker.network.endpoint.ifname"
    /// The driver option with comma-separated `net.X.Y.IFNAME.Z=V` settings of the interface.
    public static let sysctlsOption = "com.docker.network.endpoint.sysctls"

    /// The interface's name in the container; nil: eth<N>.
    public var interfaceName: String?
    /// Extra addresses on the interface (169.254.0.0/16 or fe80::/10), added as /16 and /64 as Docker does.
    public var linkLocalIPs: [String] = []
    /// `net.X.Y.IFNAME.Z=V` entries (IFNAME literal, any case: Docker's CLI lowercases driver options).
    public var sysctls: [String] = []

    /// Nothing beyond the defaults.
    public init() {}

    /// Whether nothing is asked for.
    public var isEmpty: Bool { interfaceName == nil && linkLocalIPs.isEmpty && sysctls.isEmpty }

    /// The driver options these are (inspect's `DriverOpts`); nil when there are none.
    public var driverOptions: [String: String]? {
        var o: [String: String] = [:]
        if let interfaceName { o[Self.interfaceNameOption] = interfaceName }
        if !sysctls.isEmpty { o[Self.sysctlsOption] = sysctls.joined(separator: ",") }
        return o.isEmpty ? nil : o
    }

    // MARK: checks

    /// Why `name` cannot name a network interface (the kernel's rule: 1 to 15 bytes, not `.` or `..`, no
    /// `/`, `:` or whitespace), or nil when it can.
    public static func interfaceNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "an interface name cannot be empty" }
        if name.utf8.count > 15 {
            return "\"\(name)\" is \(name.utf8.count) bytes long; an interface name has at most 15 (IFNAMSIZ)"
        }
        if name == "." || name == ".." { return "\"\(name)\" cannot name an interface" }
        if name == "lo" { return "\"lo\" is the container's loopback interface" }
        if name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace || $0 == "\0" }) {
            return "\"\(name)\" is not a valid interface name (no '/', ':' or whitespace)"
        }
        return nil
    }

    /// The address in canonical text when `text` is a link-local address (169.254.0.0/16 or fe80::/10);
    /// otherwise the reason it is refused.
    public static func linkLocal(_ text: String) -> Result<String, Invalid> {
        if let a = IPv4Address(text) {
            guard a.value >> 16 == 0xA9FE else {
                return .failure(Invalid("\(text) is not a link-local address (169.254.0.0/16 or fe80::/10)"))
            }
            return .success(a.description)
        }
        if text.contains(":"), let a = IPv6Address(text) {
            guard a.high >> 54 == 0x3FA else {
                return .failure(Invalid("\(text) is not a link-local address (169.254.0.0/16 or fe80::/10)"))
            }
            return .success(a.description)
        }
        return .failure(Invalid("\(text) is not an IP address"))
    }

    /// Why an entry of `com.docker.network.endpoint.sysctls` is refused (Docker's rule: `net.X.Y.IFNAME.Z=V`
    /// with X ipv4, ipv6 or mpls), or nil. A key with `/` or an empty part is refused too: the key becomes
    /// a path under /proc/sys.
    public static func sysctlProblem(_ entry: String) -> String? {
        let kv = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let parts = kv[0].split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false)
        let docker =
            "unrecognised network interface sysctl '\(entry)'; represent 'net.X.Y.ethN.Z=V' as 'net.X.Y.IFNAME.Z=V', 'X' must be 'ipv4', 'ipv6' or 'mpls'"
        guard kv.count == 2, parts.count == 5, parts[0] == "net", ["ipv4", "ipv6", "mpls"].contains(parts[1]),
            parts[3] == "IFNAME" || parts[3] == "ifname"
        else { return docker }
        if kv[0].contains("/") || parts[4].split(separator: ".", omittingEmptySubsequences: false).contains("")
            || parts[2].isEmpty
        {
            return "sysctl '\(entry)': the key has an empty part or a '/'"
        }
        if kv[1].contains("\n") { return "sysctl '\(entry)': the value spans lines" }
        return nil
    }

    /// Take one driver option. The interface name and the sysctls are the bridge driver's endpoint
    /// options; any other key is ignored, as Docker's bridge driver ignores it. Returns why the value is
    /// refused, or nil.
    public mutating func apply(driverOption key: String, value: String) -> String? {
        switch key {
        case Self.interfaceNameOption:
            if let why = Self.interfaceNameProblem(value) { return why }
            if let given = interfaceName, given != value {
                return "names the interface \"\(value)\", but \"\(given)\" is given too; keep one"
            }
            interfaceName = value
        case Self.sysctlsOption:
            let entries = value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            for e in entries where !e.isEmpty {
                if let why = Self.sysctlProblem(e) { return why }
                sysctls.append(e)
            }
        default:
            break
        }
        return nil
    }

    /// A refused value: why.
    public struct Invalid: Error, Sendable, Equatable {
        /// Why the value is refused.
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    // MARK: carrying out

    /// Whether the sysctls turn IPv6 off on the interface (then it gets no IPv6 address, as in Docker).
    public var disablesIPv6: Bool {
        sysctls.contains {
            $0.lowercased().replacingOccurrences(of: " ", with: "") == "net.ipv6.conf.ifname.disable_ipv6=1"
        }
    }

    /// The sysctls for interface `ifname`: (path under /proc/sys, value).
    func sysctlWrites(interface ifname: String) -> [(path: String, value: String)] {
        sysctls.compactMap { e in
            let kv = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let parts = kv[0].split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false)
            guard kv.count == 2, parts.count == 5 else { return nil }
            let key = parts[4].replacingOccurrences(of: ".", with: "/")
            return ("net/\(parts[1])/\(parts[2])/\(ifname)/\(key)", String(kv[1]))
        }
    }

    /// The link-local addresses' steps (/16 and /64, as Docker adds them; IPv6 without duplicate
    /// address detection).
    func linkLocalSteps(interface ifname: String) -> [LinkStep] {
        linkLocalIPs.compactMap { text in
            switch LinkStep.Address(text) {
            case .v4(let a): .addAddress(.v4(a), prefix: 16, interface: ifname, noDAD: false)
            case .v6(let a): .addAddress(.v6(a), prefix: 64, interface: ifname, noDAD: true)
            case nil: nil
            }
        }
    }

    /// The container's interface on each of its networks, in order: the name asked for, else eth<N>
    /// with N its place among the networks (from `first`), or the next N free when that name is asked
    /// for elsewhere or in `taken` (the interfaces it already has). A name asked for twice, or one it
    /// already has, is refused.
    public static func interfaceNames(_ requested: [String?], taken: Set<String> = [], first: Int = 0) -> Result<
        [String], Invalid
    > {
        var used = taken
        for case let name? in requested {
            guard used.insert(name).inserted else {
                return .failure(Invalid("the interface name \"\(name)\" is used twice in the container"))
            }
        }
        var names: [String] = []
        for (i, name) in requested.enumerated() {
            if let name {
                names.append(name)
                continue
            }
            var n = first + i
            while used.contains("eth\(n)") { n += 1 }
            used.insert("eth\(n)")
            names.append("eth\(n)")
        }
        return .success(names)
    }
}
