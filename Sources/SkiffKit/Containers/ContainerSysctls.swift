/// The kernel settings a container gets (`linux.sysctl`): Docker's defaults plus `--sysctl` / compose
/// `sysctls:`. Only settings that belong to the container's own namespaces may be changed, as Docker
/// allows them: IPC (`kernel.msg*`, `kernel.sem`, `kernel.shm*`, `fs.mqueue.*`) and, with a network
/// namespace of its own, `net.*`. Anything else would change the host.
public enum ContainerSysctls {
    /// Docker (20.10+) in every container with its own network namespace: any user may bind ports below
    /// 1024 and send ICMP echo (ping) without CAP_NET_RAW, so non-root services work as they do on Docker.
    public static let networkDefaults: [String: String] = [
        "net.ipv4.ip_unprivileged_port_start": "0",
        "net.ipv4.ping_group_range": "0 2147483647",
    ]

    /// The settings for a container in `network` mode with the user's `requested` ones on top. A
    /// namespace the runtime makes (`none`) gets IPv6 off as Docker's does (NamespaceIPv6); Skiff's
    /// networks turn it off where they make the namespace.
    public static func resolve(
        _ requested: [String: String], network: RunOptions.NetworkMode,
        kernelHasIPv6: Bool? = nil
    ) throws(KitError) -> [String: String] {
        let ownNetwork: Bool
        switch network {
        case .none, .bridge, .named: ownNetwork = true
        case .host, .container: ownNetwork = false
        }
        var out = ownNetwork ? networkDefaults : [:]
        if network == .none && (kernelHasIPv6 ?? NamespaceIPv6.kernelHasIPv6) {
            out[NamespaceIPv6.whenMadeSysctl.0] = NamespaceIPv6.whenMadeSysctl.1
        }
        for (key, value) in requested {
            if key.hasPrefix("net.") {
                guard ownNetwork else {
                    throw .usage(
                        "--sysctl \(key)=\(value): not allowed with --network \(network == .host ? "host" : "container:…"): the container shares another network namespace"
                    )
                }
            } else if !isIPCNamespaced(key) {
                throw .usage(
                    "--sysctl \(key)=\(value): not allowed: only net.*, kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.* belong to the container's own namespaces"
                )
            }
            out[key] = value
        }
        return out
    }

    static func isIPCNamespaced(_ key: String) -> Bool {
        key.hasPrefix("kernel.msg") || key == "kernel.sem" || key.hasPrefix("kernel.shm") || key.hasPrefix("fs.mqueue.")
    }

    /// `KEY=VALUE` words (`--sysctl`, compose's list form) as a map; an error names the word.
    public static func parse(_ words: [String]) throws(KitError) -> [String: String] {
        var out: [String: String] = [:]
        for word in words {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw .usage("--sysctl \(word): expected KEY=VALUE, e.g. net.ipv4.ip_forward=1")
            }
            out[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        return out
    }
}
