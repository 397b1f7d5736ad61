/// `--network name=NET,alias=A,ip=IP,ip6=IP,mac-address=MAC,link-local-ip=IP,driver-opt=K=V,gw-priority=N`:
/// Docker's long form of --network (comma-separated fields, CSV quoting, so a field with commas is
/// written `"driver-opt=K=V1,V2"`). Its settings join the ones of the short flags (--ip, --network-alias…);
/// the same setting given both ways is refused, as Docker refuses it. `--network` may be given more than
/// once (Docker 25+): the first is the container's network (the short flags go with it), the others are
/// joined too, each with its own settings.
public struct NetworkAttachmentFlag: Sendable, Equatable {
    /// One `driver-opt=KEY=VALUE`.
    public struct DriverOption: Sendable, Equatable {
        /// The option's name.
        public var key: String
        /// Its value.
        public var value: String
    }

    /// The network (`name=`).
    public var name: String
    /// `alias=` (repeatable).
    public var aliases: [String] = []
    /// `ip=`.
    public var ip: String?
    /// `ip6=`.
    public var ip6: String?
    /// `mac-address=`.
    public var macAddress: String?
    /// `link-local-ip=` (repeatable).
    public var linkLocalIPs: [String] = []
    /// `driver-opt=K=V` (repeatable), in order.
    public var driverOptions: [DriverOption] = []

    /// The short form: a network's name, nothing else.
    public init(name: String) { self.name = name }

    /// Whether `text` is the long form (Docker's test: it has an `=`).
    public static func isLongForm(_ text: String) -> Bool { text.contains("=") }

    /// Parse the long form; errors name the flag and the field.
    public init(parsing text: String) throws(KitError) {
        var name: String?
        var fields: [String]
        do { fields = try Self.csvFields(text) } catch { throw .usage("--network \(text): \(error.reason)") }
        self.name = ""
        for field in fields {
            let kv = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2 else {
                throw .usage("--network \(text): invalid field '\(field)' must be a key=value pair")
            }
            let (key, value) = (kv[0].trimmingCharacters(in: .whitespaces).lowercased(), kv[1])
            switch key {
            case "name": name = value
            case "alias": aliases.append(value)
            case "ip": ip = value
            case "ip6": ip6 = value
            case "mac-address": macAddress = value
            case "link-local-ip": linkLocalIPs.append(value)
            case "driver-opt":
                // Docker's CLI lowercases the whole driver-opt field (hence IFNAME arriving as ifname).
                let o = value.lowercased().split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard o.count == 2, !o[0].isEmpty else {
                    throw .usage("--network \(text): invalid driver-opt '\(value)': expected KEY=VALUE")
                }
                driverOptions.append(DriverOption(key: String(o[0]), value: String(o[1])))
            case "gw-priority":
                // With one network the priority chooses nothing; it must still be a number.
                guard Int(value) != nil else {
                    throw .usage("--network \(text): invalid gw-priority '\(value)': expected an integer")
                }
            default:
                throw .usage("--network \(text): invalid field key \(key)")
            }
        }
        guard let name, !name.isEmpty else { throw .usage("--network \(text): network name is missing (name=NET)") }
        self.name = name
    }

    /// Add these settings to `o` (whose `network` is set from `name` by the caller).
    public func apply(to o: inout RunOptions) throws(KitError) {
        func conflict(_ what: String, _ flag: String) -> KitError {
            .usage("conflicting options: cannot specify both \(flag) and per-network \(what)")
        }
        if let ip {
            if o.ip != nil { throw conflict("IPv4 address", "--ip") }
            o.ip = ip
        }
        if let ip6 {
            if o.ip6 != nil { throw conflict("IPv6 address", "--ip6") }
            guard IPv6Address(ip6) != nil else { throw .usage("--network ip6=\(ip6): not an IPv6 address") }
            o.ip6 = ip6
        }
        if let macAddress {
            if o.macAddress != nil { throw conflict("MAC address", "--mac-address") }
            o.macAddress = try MACAddress.parse(macAddress, origin: "--network mac-address")
        }
        o.networkAliases += aliases
        try endpoint(into: &o.endpoint)
    }

    /// Add the link-local addresses and driver options to `e`, each checked.
    public func endpoint(into e: inout EndpointOptions) throws(KitError) {
        for a in linkLocalIPs {
            switch EndpointOptions.linkLocal(a) {
            case .success(let text): e.linkLocalIPs.append(text)
            case .failure(let why): throw .usage("--network link-local-ip=\(a): \(why.reason)")
            }
        }
        for d in driverOptions {
            if let why = e.apply(driverOption: d.key, value: d.value) {
                throw .usage("--network driver-opt=\(d.key)=\(d.value): \(why)")
            }
        }
    }

    /// Every `--network` value, checked together as Docker's CLI checks them: a network named twice, or
    /// a user-defined network with bridge, host, none or container:, is refused.
    public static func parseAll(_ values: [String]) throws(KitError) -> [NetworkAttachmentFlag] {
        var all: [NetworkAttachmentFlag] = []
        for v in values {
            all.append(isLongForm(v) ? try NetworkAttachmentFlag(parsing: v) : NetworkAttachmentFlag(name: v))
        }
        var seen = Set<String>()
        for n in all where !seen.insert(n.name).inserted {
            throw .usage("network \"\(n.name)\" is specified multiple times")
        }
        if all.count > 1 {
            let predefined = all.filter {
                ["bridge", "default", "host", "none"].contains($0.name) || $0.name.hasPrefix("container:")
            }
            if !predefined.isEmpty {
                throw .usage("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
            }
        }
        return all
    }

    /// Split on commas outside double quotes; a quoted field may hold commas and `""` for a quote.
    static func csvFields(_ text: String) throws(EndpointOptions.Invalid) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars = chars.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if quoted { throw EndpointOptions.Invalid("an opening quote is never closed") }
        fields.append(current)
        return fields.filter { !$0.isEmpty }
    }
}
