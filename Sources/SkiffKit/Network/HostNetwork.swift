import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What container networking needs from the host: `ip` runs for the rare paths (a bridge made, a link
/// deleted; a start's veth pair is made over rtnetlink, `AttachmentSteps`), `nft` runs, sysctls, the
/// host's routes and uplink MTU, named network namespaces, and checks that a host port is free.
enum HostNetwork {
    static let ipTool = firstExisting(["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"])
    static let nftTool = firstExisting(["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"])

    static func firstExisting(_ paths: [String]) -> String? { paths.first { access($0, X_OK) == 0 } }

    /// Run `argv` with `input` on stdin; in the network namespace at `netns` when given (the spawning
    /// thread enters it for the spawn only). Throws with the tool's stderr.
    /// With `captureOutput`, returns its stdout (else stdout goes to /dev/null).
    @discardableResult
    static func run(_ argv: [String], input: String = "", netns: String? = nil, captureOutput: Bool = false)
        throws(KitError) -> String
    {
        try start(argv, input: input, netns: netns, captureOutput: captureOutput).finish()
    }

    /// A tool started by `start`: `finish` collects its output and status, `abandon` ends it unread.
    /// Exactly one of them is called.
    struct RunningTool {
        let pid: pid_t
        let argv: [String]
        let input: String
        let outFD: Int32
        let errFD: Int32

        func finish() throws(KitError) -> String {
            func drain(_ fd: Int32) -> [UInt8] {
                var bytes: [UInt8] = []
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(fd, &buf, buf.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    bytes += buf[0..<n]
                }
                close(fd)
                return bytes
            }
            // stdout first: the tools here write little to stderr, so it cannot fill up meanwhile.
            let out = outFD >= 0 ? drain(outFD) : []
            let err = drain(errFD)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            if status != 0 {
                let text = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                let what =
                    argv.count > 1 && argv[1] == "-batch" ? "\(argv[0]) -batch:\n\(input)" : argv.joined(separator: " ")
                throw .network("\(what) failed: \(text)")
            }
            return String(decoding: out, as: UTF8.self)
        }

        func abandon() {
            kill(pid, SIGKILL)
            for fd in [outFD, errFD] where fd >= 0 { close(fd) }
            while waitpid(pid, nil, 0) < 0 && errno == EINTR {}
        }
    }

    /// Start `argv` as `run` does, with its input written, and return without waiting for it.
    static func start(_ argv: [String], input: String = "", netns: String? = nil, captureOutput: Bool = false)
        throws(KitError) -> RunningTool
    {
        var inPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0, pipe(&errPipe) == 0, !captureOutput || pipe(&outPipe) == 0 else {
            throw .system(SystemError("pipe"))
        }
        for fd in inPipe + errPipe + outPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let attributes = SpawnAttributes()
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { free(env[0]) }

        var pid: pid_t = 0
        let spawn = { posix_spawn(&pid, argv[0], &actions, &attributes.attr, &cargs, env) }
        let rc: Int32
        do throws(KitError) {
            rc =
                try netns.map { path throws(KitError) in
                    try NetworkNamespace.inside(namespaceAt: path, orElse: KitError.system) {
                        () throws(KitError) in spawn()
                    }
                } ?? spawn()
        } catch {
            for fd in [inPipe[0], inPipe[1], errPipe[0], errPipe[1], outPipe[0], outPipe[1]] where fd >= 0 { close(fd) }
            throw error
        }
        close(inPipe[0])
        close(errPipe[1])
        if outPipe[1] >= 0 { close(outPipe[1]) }
        if rc != 0 {
            close(inPipe[1])
            close(errPipe[0])
            if outPipe[0] >= 0 { close(outPipe[0]) }
            throw .system(SystemError("run \(argv[0])", errno: rc))
        }
        let bytes = Array(input.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(inPipe[1], $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            off += n
        }
        close(inPipe[1])
        return RunningTool(pid: pid, argv: argv, input: input, outFD: outPipe[0], errFD: errPipe[0])
    }

    /// `ip -batch -` with these commands, on the host.
    static func ip(_ batch: [String]) throws(KitError) {
        guard !batch.isEmpty else { return }
        guard let tool = ipTool else {
            throw .unsupported("container networking needs the ip tool (apt-get install iproute2)")
        }
        try run([tool, "-batch", "-"], input: batch.joined(separator: "\n") + "\n")
    }

    static func nft(_ script: String) throws(KitError) {
        guard let tool = nftTool else {
            throw .unsupported("container networking needs nftables (apt-get install nftables)")
        }
        try run([tool, "-f", "-"], input: script)
    }

    static let iptablesRestoreTool = firstExisting([
        "/usr/sbin/iptables-restore", "/sbin/iptables-restore", "/usr/bin/iptables-restore",
    ])
    static let iptablesSaveTool = firstExisting([
        "/usr/sbin/iptables-save", "/sbin/iptables-save", "/usr/bin/iptables-save",
    ])

    enum FirewallBackend: String { case nftables, iptables }

    /// Whether `iptables` here is iptables-nft (its rules are nftables rules, and a change of them a
    /// change of nftables' generation), not the legacy one: the multi-call binary the tool resolves to.
    static let iptablesIsNftables: Bool = {
        guard let tool = iptablesSaveTool, let real = realpath(tool, nil) else { return false }
        defer { free(real) }
        let name = String(cString: real).split(separator: "/").last.map(String.init) ?? ""
        return name.contains("nft")
    }()

    /// nftables when `nft` is there, else iptables; SKIFF_FIREWALL=nftables|iptables chooses.
    static func firewallBackend() throws(KitError) -> FirewallBackend {
        let asked = getenv("SKIFF_FIREWALL").map { String(cString: $0) } ?? ""
        switch asked {
        case "nftables":
            guard nftTool != nil else {
                throw .unsupported("SKIFF_FIREWALL=nftables, but nft is missing (apt-get install nftables)")
            }
            return .nftables
        case "iptables":
            guard iptablesRestoreTool != nil, iptablesSaveTool != nil else {
                throw .unsupported(
                    "SKIFF_FIREWALL=iptables, but iptables-restore is missing (apt-get install iptables)")
            }
            return .iptables
        case "":
            if nftTool != nil { return .nftables }
            if iptablesRestoreTool != nil && iptablesSaveTool != nil { return .iptables }
            throw .unsupported("container networking needs nftables or iptables (apt-get install nftables)")
        default:
            throw .usage("SKIFF_FIREWALL=\(asked): expected nftables or iptables")
        }
    }

    static let ip6tablesRestoreTool = firstExisting([
        "/usr/sbin/ip6tables-restore", "/sbin/ip6tables-restore", "/usr/bin/ip6tables-restore",
    ])
    static let ip6tablesSaveTool = firstExisting([
        "/usr/sbin/ip6tables-save", "/sbin/ip6tables-save", "/usr/bin/ip6tables-save",
    ])

    /// iptables-restore, or ip6tables-restore for the IPv6 rules.
    static func iptablesRestore(_ input: String, ipv6: Bool = false) throws(KitError) {
        guard let tool = ipv6 ? ip6tablesRestoreTool : iptablesRestoreTool else {
            throw .unsupported("\(ipv6 ? "ip6tables" : "iptables")-restore is missing (apt-get install iptables)")
        }
        try run([tool, "--noflush", "--wait"], input: input)
    }

    /// `iptables-save` (the jumps and chains already there), of every table or of one; ip6tables-save
    /// with `ipv6`.
    static func iptablesSave(table: String? = nil, ipv6: Bool = false) throws(KitError) -> String {
        try startIptablesSave(table: table, ipv6: ipv6).finish()
    }

    /// `iptablesSave`, started: its output is read by `finish()` later.
    static func startIptablesSave(table: String? = nil, ipv6: Bool = false) throws(KitError) -> RunningTool {
        guard let tool = ipv6 ? ip6tablesSaveTool : iptablesSaveTool else {
            throw .unsupported("\(ipv6 ? "ip6tables" : "iptables")-save is missing (apt-get install iptables)")
        }
        return try start([tool] + (table.map { ["-t", $0] } ?? []), captureOutput: true)
    }

    /// Whether the caller's network namespace has this device (not /sys/class/net, which shows the
    /// namespace /sys was mounted in: a skiff run under `nsenter --net` would see the host's).
    static func linkExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    static func sysctl(_ path: String, _ value: String) {
        try? FileIO.write(value, to: "/proc/sys/" + path)
    }

    /// Write sysctls (paths under /proc/sys) in the network namespace `netns`: the calling thread joins
    /// it for the writes (/proc/sys/net shows the namespace of whoever opens it) and returns to its own.
    static func writeSysctls(_ writes: [(path: String, value: String)], netns: String) throws(KitError) {
        guard !writes.isEmpty else { return }
        try NetworkNamespace.inside(namespaceAt: netns, orElse: KitError.system) { () throws(KitError) in
            for w in writes {
                do { try FileIO.write(w.value, to: "/proc/sys/" + w.path) } catch {
                    let name = w.path.replacingOccurrences(of: "/", with: ".")
                    throw .network("\(EndpointOptions.sysctlsOption): cannot set \(name)=\(w.value): \(error)")
                }
            }
        }
    }

    static func readSysctl(_ path: String) -> String? {
        (try? FileIO.readString("/proc/sys/" + path))?.trimmingWhitespace
    }

    // MARK: MTU

    /// The device of the default route, and its MTU (1500 when there is none).
    static func uplinkMTU() -> Int {
        let text = (try? FileIO.readString("/proc/net/route")) ?? ""
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 8, f[1] == "00000000", f[7] == "00000000" else { continue }
            if let mtu = NetworkNamespace.mtu(ofLink: String(f[0])) { return mtu }
        }
        return 1500
    }

    // MARK: named network namespaces

    static func createNetns(_ path: String) throws(KitError) {
        do { try NetworkNamespace.create(at: path) } catch { throw .system(error) }
    }

    static func removeNetns(_ path: String) {
        NetworkNamespace.remove(at: path)
    }

    // MARK: ports

    /// Whether the host has IPv6 (not disabled by sysctl or at boot): a port published on every
    /// address is then published on [::] too, as Docker's is.
    static var hasIPv6: Bool { readSysctl("net/ipv6/conf/all/disable_ipv6") == "0" }

    /// Bind `port` on `ip` to see whether a host process holds it; "" is every address, IPv4's and (when
    /// the host has IPv6) IPv6's, as Docker binds both. Port 0 asks the kernel for a free port; returns
    /// the port bound, or nil when it is in use.
    static func probePort(ip: String, port: UInt16, proto: String) -> UInt16? {
        let type = proto == "udp" ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        guard var address = SocketAddress(host: ip, port: port) else { return nil }
        let fd = address.boundSocket(type: type)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let bound = port != 0 ? port : SocketAddress.local(of: fd)?.port else { return nil }
        if ip.isEmpty && hasIPv6 {
            var any6 = SocketAddress(host: "::", port: bound)!
            let fd6 = any6.boundSocket(type: type)
            guard fd6 >= 0 else { return nil }
            close(fd6)
        }
        return bound
    }

    // MARK: resolv.conf

    /// The container's resolv.conf on a bridge network, as Docker makes it: the host's file without
    /// loopback name servers (they cannot be reached from another network namespace). When only loopback
    /// servers were there, the upstreams of systemd-resolved are used, else the network's gateway, where
    /// Skiff forwards DNS to the host's loopback resolver (a DNAT rule; no public server is ever added).
    /// On an IPv6-only network (`gateway` nil) only the IPv6 servers are reachable: they are the ones kept.
    static func containerResolvConf(
        hostText: String, gateway: IPv4Address?, resolvedPath: String = "/run/systemd/resolve/resolv.conf"
    )
        -> (text: String, loopbackResolver: String?)
    {
        func split(_ text: String) -> (kept: [String], servers: [String], loopback: [String]) {
            var kept: [String] = []
            var servers: [String] = []
            var loopback: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if f.count >= 2, f[0] == "nameserver" {
                    let s = String(f[1])
                    if s.hasPrefix("127.") || s == "::1" {
                        loopback.append(s)
                    } else if s.contains(":" as Character) == (gateway == nil), !s.lowercased().hasPrefix("fe80:") {
                        servers.append(s)
                    }
                    continue
                }
                kept.append(String(line))
            }
            return (kept, servers, loopback)
        }
        var parsed = split(hostText)
        var resolver: String?
        if parsed.servers.isEmpty && !parsed.loopback.isEmpty {
            if let other = try? FileIO.readString(resolvedPath) {
                let upstream = split(other)
                if !upstream.servers.isEmpty { parsed = (parsed.kept, upstream.servers, []) }
            }
            if parsed.servers.isEmpty, let gateway, let first = parsed.loopback.first(where: { $0.hasPrefix("127.") }) {
                resolver = first
                parsed.servers = [gateway.description]
            }
        }
        var lines = parsed.kept.filter { !$0.isEmpty }
        lines += parsed.servers.map { "nameserver " + $0 }
        return (lines.joined(separator: "\n") + "\n", resolver)
    }
}

extension HostNetwork {
    /// The container's resolv.conf on a user-defined network, where Skiff's embedded DNS serves it, as
    /// Docker writes it for its own (127.0.0.11): that one name server, the host's search domains and
    /// options, `ndots:0` appended unless an ndots is there, and the host's other lines. The servers the
    /// embedded server forwards to are listed on an `# ExtServers: [...]` comment as Docker lists them
    /// (`host(ADDR)`: a loopback one, used from the host's namespace); the server does not read them
    /// back from the file (the container may write it), see `embeddedUpstreams`.
    static func embeddedResolvConf(hostText: String) -> String {
        var search: [String] = []
        var options: [String] = []
        var other: [String] = []
        for line in hostText.split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = f.first, !key.hasPrefix("#"), !key.hasPrefix(";") else { continue }
            switch key {
            case "nameserver": continue
            case "search", "domain": if f.count >= 2 { search = Array(f.dropFirst()) }
            case "options": options += f.dropFirst()
            default: other.append(String(line))
            }
        }
        var lines = ["nameserver \(EmbeddedDNS.address)"]
        if !search.isEmpty { lines.append("search " + search.joined(separator: " ")) }
        lines.append("options " + withEmbeddedOptions(options).joined(separator: " "))
        lines += other
        lines.append("")
        lines.append(extServersLine(embeddedUpstreams(hostText: hostText), fromHost: true))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The options of a container served by the embedded DNS: Docker's resolver requires `ndots:0`,
    /// added (last) unless a valid ndots is there; an invalid ndots is dropped.
    static func withEmbeddedOptions(_ options: [String]) -> [String] {
        let kept = options.filter { o in
            guard o.hasPrefix("ndots:") else { return true }
            return Int(o.dropFirst("ndots:".count)).map { $0 >= 0 } ?? false
        }
        return kept.contains { $0.hasPrefix("ndots:") } ? kept : kept + ["ndots:0"]
    }

    /// Docker's comment line naming the embedded server's upstream servers.
    static func extServersLine(_ servers: [String], fromHost: Bool) -> String {
        let shown = servers.map { s in fromHost && (s.hasPrefix("127.") || s == "::1") ? "host(\(s))" : s }
        return "# ExtServers: [\(shown.joined(separator: " "))]"
    }

    /// The servers the embedded DNS server forwards to from the host's namespace: the host's name
    /// servers (loopback ones too, as Docker's `host(…)`; a link-local one needs its interface, which a
    /// forwarded query has no way to name).
    static func embeddedUpstreams(hostText: String) -> [String] {
        hostText.split(separator: "\n").compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 2, f[0] == "nameserver", !f[1].lowercased().hasPrefix("fe80:") else { return nil }
            return String(f[1])
        }
    }

    /// Whether a container's resolv.conf names the embedded server (a container made before Skiff
    /// served it on its network keeps the file and the name servers it has).
    static func namesEmbeddedServer(resolvConf text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return f.count >= 2 && f[0] == "nameserver" && f[1] == EmbeddedDNS.address[...]
        }
    }
}

/// The pure parts of `HostNetwork`, for tests and tools.
package enum HostNetworkProbe {
    /// A container's resolv.conf from the host's (see `HostNetwork.containerResolvConf`).
    package static func embeddedResolv(_ hostText: String) -> String {
        HostNetwork.embeddedResolvConf(hostText: hostText)
    }

    package static func namesEmbeddedServer(_ resolvConf: String) -> Bool {
        HostNetwork.namesEmbeddedServer(resolvConf: resolvConf)
    }

    package static func embeddedUpstreams(_ hostText: String) -> [String] {
        HostNetwork.embeddedUpstreams(hostText: hostText)
    }

    package static func resolv(_ hostText: String, gateway: IPv4Address?) -> (text: String, resolver: String?) {
        let r = HostNetwork.containerResolvConf(hostText: hostText, gateway: gateway, resolvedPath: "/nonexistent")
        return (r.text, r.loopbackResolver)
    }
}
