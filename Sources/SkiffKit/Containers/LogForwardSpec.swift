import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Docker's syslog, journald, gelf and fluentd logging drivers, as the plain data the log writer (CJSONLog's
/// `cjsonlog_forward_open`) takes: where each line goes, and the fixed parts of every message. Made at
/// create, kept in the record (`Container.logForward`), handed to the monitor (`-F`) and to an attached
/// run's log. log.jsonl stays as the local copy `logs` reads, as Docker's dual logging keeps one.
package enum LogForwardSpec {
    /// The journal's native socket, which Docker's journald driver needs (`journal.Enabled`).
    package static let journalSocket = "/run/systemd/journal/socket"

    /// syslog's facilities by name (Go's log/syslog numbering).
    static let facilities: [String: Int] = [
        "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7, "uucp": 8,
        "cron": 9, "authpriv": 10, "ftp": 11, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20,
        "local5": 21, "local6": 22, "local7": 23,
    ]

    /// Each driver's own `--log-opt`s (Docker's ValidateLogOpt), besides mode, max-buffer-size and the
    /// local copy's cache-* options.
    static func ownOptions(_ driver: LogDriver) -> Set<String> {
        switch driver {
        case .syslog:
            return LogAttributes.keys.union([
                "syslog-address", "syslog-facility", "syslog-format", "syslog-tls-ca-cert", "syslog-tls-cert",
                "syslog-tls-key", "syslog-tls-skip-verify",
            ])
        case .journald: return LogAttributes.keys
        case .gelf:
            return LogAttributes.keys.union([
                "gelf-address", "gelf-compression-type", "gelf-compression-level", "gelf-tcp-max-reconnect",
                "gelf-tcp-reconnect-delay",
            ])
        case .fluentd:
            return LogAttributes.keys.union([
                "fluentd-address", "fluentd-async", "fluentd-async-connect", "fluentd-buffer-limit",
                "fluentd-retry-wait", "fluentd-max-retries", "fluentd-sub-second-precision", "fluentd-request-ack",
                "fluentd-write-timeout",
            ])
        default: return []
        }
    }

    /// The local copy's options (Docker's dual logging), taken by every driver that sends lines elsewhere.
    static let cacheOptions: Set<String> = ["cache-disabled", "cache-max-size", "cache-max-file", "cache-compress"]

    /// A `syslog-address` as Docker reads it: `unix://PATH` or `unixgram://PATH` (which must exist),
    /// `udp://HOST[:PORT]`, `tcp://HOST[:PORT]` (514 unless given); empty: the host's syslog socket.
    /// `exists` says whether a path is there (the check looks at the host; tests pass their own).
    static func syslogAddress(_ text: String, exists: (String) -> Bool) throws(KitError) -> (
        net: String, address: String
    ) {
        guard !text.isEmpty else { return ("local", "") }
        guard let sep = text.range(of: "://") else {
            throw .usage(
                "--log-opt syslog-address=\(text): unsupported scheme: '' (expected unix://, unixgram://, udp:// or tcp://)"
            )
        }
        let scheme = String(text[..<sep.lowerBound])
        let rest = String(text[sep.upperBound...])
        switch scheme {
        case "unix", "unixgram":
            guard rest.hasPrefix("/") else {
                throw .usage("--log-opt syslog-address=\(text): expected an absolute socket path after \(scheme)://")
            }
            guard exists(rest) else {
                throw .usage("--log-opt syslog-address=\(text): stat \(rest): no such file or directory")
            }
            return (scheme, rest)
        case "udp", "tcp":
            var host = rest
            if let slash = host.firstIndex(of: "/") { host = String(host[..<slash]) }
            guard !host.isEmpty else { throw .usage("--log-opt syslog-address=\(text): no host") }
            switch hostPort(host, defaultPort: 514) {
            case .ok(let address): return (scheme, address)
            case .tooManyColons:
                throw .usage("--log-opt syslog-address=\(text): address \(host): too many colons in address")
            case .badPort(let port), .missingPort(let port):
                throw .usage("--log-opt syslog-address=\(text): invalid port \"\(port)\"")
            }
        case "tcp+tls":
            throw .usage(
                "--log-opt syslog-address=\(text): skiff sends syslog over udp, tcp and unix sockets; for TLS, point it at a local relay (rsyslog, syslog-ng or stunnel) with tcp:// or unix://"
            )
        default:
            throw .usage("--log-opt syslog-address=\(text): unsupported scheme: '\(scheme)'")
        }
    }

    /// `gelf-address`, which Docker requires: `udp://HOST:PORT` or `tcp://HOST:PORT`.
    static func gelfAddress(_ text: String?) throws(KitError) -> (net: String, address: String) {
        guard let text, !text.isEmpty else {
            throw .usage("--log-opt gelf-address is a required parameter for the gelf log driver")
        }
        guard let sep = text.range(of: "://"), ["udp", "tcp"].contains(String(text[..<sep.lowerBound])) else {
            throw .usage("--log-opt gelf-address=\(text): gelf: endpoint needs to be TCP or UDP (udp://HOST:PORT)")
        }
        let host = String(text[sep.upperBound...].prefix { $0 != "/" })
        guard !host.hasPrefix(":"), case .ok(let address) = hostPort(host, defaultPort: nil) else {
            throw .usage("--log-opt gelf-address=\(text): gelf: please provide gelf-address as proto://host:port")
        }
        return (String(text[..<sep.lowerBound]), address)
    }

    /// `fluentd-address`: `[tcp://]HOST[:PORT]` (127.0.0.1 and 24224 unless given) or `unix://PATH`.
    static func fluentdAddress(_ text: String?) throws(KitError) -> (net: String, address: String) {
        guard var rest = text, !rest.isEmpty else { return ("tcp", "127.0.0.1:24224") }
        if let sep = rest.range(of: "://") {
            let scheme = String(rest[..<sep.lowerBound])
            rest = String(rest[sep.upperBound...])
            if scheme == "unix" {
                guard rest.hasPrefix("/") else {
                    throw .usage("--log-opt fluentd-address=\(text!): expected unix:///PATH")
                }
                return ("unix", rest)
            }
            guard scheme == "tcp" else {
                throw .usage("--log-opt fluentd-address=\(text!): unsupported scheme: '\(scheme)' (tcp:// or unix://)")
            }
        }
        if rest.contains("/") { throw .usage("--log-opt fluentd-address=\(text!): path is not supported: \(rest)") }
        switch hostPort(rest, defaultPort: 24224) {
        case .ok(let address): return ("tcp", address.hasPrefix(":") ? "127.0.0.1" + address : address)
        case .tooManyColons, .missingPort:
            throw .usage("--log-opt fluentd-address=\(text!): address \(rest): too many colons in address")
        case .badPort(let port): throw .usage("--log-opt fluentd-address=\(text!): invalid port \"\(port)\"")
        }
    }

    /// What `hostPort` makes of a `HOST[:PORT]` (`[V6]:PORT`).
    enum HostPort: Equatable {
        case ok(String)
        case tooManyColons
        case badPort(String)
        case missingPort(String)
    }

    /// `host` with its port checked (1 to 65535), or `defaultPort` put in when it has none, as Go's
    /// net.SplitHostPort reads the addresses of Docker's drivers; `.missingPort` when none is given and
    /// there is no default.
    static func hostPort(_ host: String, defaultPort: Int?) -> HostPort {
        let bracketed = host.hasPrefix("[")
        let colons = host.filter { $0 == ":" }.count
        if !bracketed && colons > 1 { return .tooManyColons }
        guard bracketed ? host.contains("]:") : colons == 1 else {
            return defaultPort.map { .ok(host + ":\($0)") } ?? .missingPort("")
        }
        let port = String(host[host.index(after: host.lastIndex(of: ":")!)...])
        guard let p = Int(port), (1...65535).contains(p) else { return .badPort(port) }
        return .ok(host)
    }

    /// `syslog-facility`: a name or 0 to 23 (daemon unless given).
    static func facility(_ text: String?) throws(KitError) -> Int {
        guard let text, !text.isEmpty else { return 3 }
        if let f = facilities[text] { return f }
        if let n = Int(text), (0...23).contains(n) { return n }
        throw .usage("--log-opt syslog-facility=\(text): invalid syslog facility")
    }

    /// `syslog-format`: Docker's four (empty: the local socket's form).
    static func format(_ text: String?) throws(KitError) -> String {
        switch text ?? "" {
        case "": return "unix"
        case let f where ["rfc3164", "rfc5424", "rfc5424micro"].contains(f): return f
        case let f:
            throw .usage("--log-opt syslog-format=\(f): Invalid syslog format (rfc3164, rfc5424 or rfc5424micro)")
        }
    }

    /// Check a driver's options at create (before anything is made); see `syslogAddress` for `exists`.
    package static func check(
        _ driver: LogDriver, options: [String: String], exists: (String) -> Bool = { access($0, F_OK) == 0 }
    ) throws(KitError) {
        switch driver {
        case .syslog:
            _ = try syslogAddress(options["syslog-address"] ?? "", exists: exists)
            _ = try facility(options["syslog-facility"])
            _ = try format(options["syslog-format"])
        case .gelf:
            _ = try gelfAddress(options["gelf-address"])
            if let t = options["gelf-compression-type"], !["gzip", "zlib", "none"].contains(t) {
                throw .usage("--log-opt gelf-compression-type=\(t): Unknown gelf compression type (gzip, zlib or none)")
            }
            if let l = options["gelf-compression-level"], !(Int(l).map { (-1...9).contains($0) } ?? false) {
                throw .usage("--log-opt gelf-compression-level=\(l): expected -1 to 9")
            }
        case .fluentd:
            _ = try fluentdAddress(options["fluentd-address"])
            for key in [
                "fluentd-async", "fluentd-async-connect", "fluentd-sub-second-precision", "fluentd-request-ack",
            ] {
                if let v = options[key], LogDriver.bool(v) == nil {
                    throw .usage("--log-opt \(key)=\(v): expected true or false")
                }
            }
        default: return
        }
    }

    /// The spec of `driver` for the container `source`, with `hostname` the host's (syslog's HOSTNAME
    /// field); nil for a driver that keeps its lines here.
    package static func make(
        _ driver: LogDriver, options: [String: String], source: LogAttributes.Source, hostname: String
    ) throws(KitError) -> String? {
        var attrs = LogAttributes()
        for (key, value) in options { _ = attrs.set(key, value) }
        let tag = try LogAttributes.expand(options["tag"] ?? "{{.ID}}", source, origin: "--log-opt")
        var lines: [String]
        switch driver {
        case .syslog:
            let (net, address) = try syslogAddress(options["syslog-address"] ?? "", exists: { _ in true })
            lines = [
                "kind syslog", "net \(net)", "address \(address)",
                "facility \(try facility(options["syslog-facility"]))",
                "format \(try format(options["syslog-format"]))", "hostname \(hostname)", "tag \(tag)",
            ]
        case .journald:
            lines = ["kind journald", "net unixgram", "address \(journalSocket)"]
            var fields: [(String, String)] = [
                ("CONTAINER_ID", String(source.id.prefix(12))), ("CONTAINER_ID_FULL", source.id),
                ("CONTAINER_NAME", source.name), ("CONTAINER_TAG", tag), ("IMAGE_NAME", source.imageName),
                ("SYSLOG_IDENTIFIER", tag),
            ]
            attrs.tag = nil
            for (key, value) in try attrs.values(source).sorted(by: { $0.key < $1.key }) {
                let name = journalFieldName(key)
                if !name.isEmpty { fields.append((name, value)) }
            }
            // A field's text form ends at its newline: a value that holds one is cut there.
            lines += fields.map { "field \($0.0)=\($0.1.prefix { $0 != "\n" })" }
        case .gelf:
            let (net, address) = try gelfAddress(options["gelf-address"])
            // Docker's extra fields, then the labels and variables asked for, each named with a leading `_`.
            var extra: [(String, String)] = [
                ("_container_id", source.id), ("_container_name", source.name), ("_image_id", source.imageID),
                ("_image_name", source.imageName), ("_command", source.command.joined(separator: " ")),
                ("_tag", tag), ("_created", source.created ?? ""),
            ]
            attrs.tag = nil
            for (key, value) in try attrs.values(source).sorted(by: { $0.key < $1.key }) {
                extra.append((key.hasPrefix("_") ? key : "_" + key, value))
            }
            lines = [
                "kind gelf", "net \(net)", "address \(address)",
                "compression \(options["gelf-compression-type"] ?? "gzip")",
                "level \(options["gelf-compression-level"] ?? "1")", "hostname \(hostname)",
                "extra " + extra.map { ",\(JSONString.quote($0.0)):\(JSONString.quote($0.1))" }.joined(),
            ]
        case .fluentd:
            let (net, address) = try fluentdAddress(options["fluentd-address"])
            let async = ["fluentd-async", "fluentd-async-connect"].contains {
                options[$0].flatMap(LogDriver.bool) == true
            }
            lines = [
                "kind fluentd", "net \(net)", "address \(address)", "tag \(tag)",
                "subsecond \(options["fluentd-sub-second-precision"].flatMap(LogDriver.bool) == true ? 1 : 0)",
                "lazy \(async ? 1 : 0)", "field container_id=\(source.id)", "field container_name=/\(source.name)",
            ]
            attrs.tag = nil
            for (key, value) in try attrs.values(source).sorted(by: { $0.key < $1.key }) {
                lines.append("field \(key)=\(value.prefix { $0 != "\n" })")
            }
        default:
            return nil
        }
        return lines.map { String($0.prefix { $0 != "\n" }) }.joined(separator: "\n")
    }

    /// A label or variable name as a journal field (Docker's sanitizeKeyMod): upper case, anything but
    /// A–Z and 0–9 made `_`, no `_` at the start.
    static func journalFieldName(_ key: String) -> String {
        var out = ""
        for c in key.unicodeScalars {
            var v = c
            if ("a"..."z").contains(c) {
                v = Unicode.Scalar(c.value - 32)!
            } else if !("A"..."Z").contains(c) && !("0"..."9").contains(c) {
                v = "_"
            }
            if out.isEmpty && v == "_" { continue }
            out.unicodeScalars.append(v)
        }
        return out
    }

    /// Why the driver cannot send now, checked at each start as Docker's driver connects at its start
    /// ("failed to initialize logging driver"); nil when it can.
    package static func problem(_ driver: LogDriver?, spec: String?) -> String? {
        // fluentd-async connects when the first line comes (udp "connects" without a word to the server).
        guard let spec, !spec.contains("\nlazy 1") else { return nil }
        if driver == .journald && access(journalSocket, F_OK) != 0 {
            return "failed to initialize logging driver: journald is not enabled on this host"
        }
        return LogForwardConnection.problem(spec).map { "failed to initialize logging driver: \($0)" }
    }
}
