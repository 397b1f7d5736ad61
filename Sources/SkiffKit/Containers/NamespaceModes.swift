/// `--pid`, `--ipc`, `--uts` and `--cgroupns` (compose `pid:`, `ipc:`, `uts:`, `cgroup:`): which of a
/// container's namespaces are its own, the host's, or another container's, with Docker's values.
/// Each is kept as Docker spells it, which is also what `inspect` shows (HostConfig.PidMode…).
public struct NamespaceModes: Codable, Sendable, Equatable {
    /// `--pid`: "" (its own), "host", or "container:NAME".
    public var pid: PIDMode = .private
    /// `--ipc`: private (Docker 20.10+'s default), shareable, host, none, or container:NAME.
    public var ipc: IPCMode = .private
    /// `--uts`: "" (its own) or "host".
    public var uts: UTSMode = .private
    /// `--cgroupns`: nil is Docker's default for the host's cgroup version (see `CgroupnsMode.default`).
    public var cgroupns: CgroupnsMode?

    /// Every namespace its own (Docker's defaults).
    public init() {}

    /// The PID namespace.
    public enum PIDMode: Sendable, Equatable {
        /// A PID namespace of its own: its process is pid 1.
        case `private`
        /// The host's: it sees (and may signal, with the capability) every host process.
        case host
        /// Another container's (by name or ID, looked up at every start).
        case container(String)
    }

    /// The IPC namespace and /dev/shm.
    public enum IPCMode: Sendable, Equatable {
        /// Its own namespace and /dev/shm, which no other container may join.
        case `private`
        /// Its own, which others may join with `container:`.
        case shareable
        /// The host's namespace and /dev/shm.
        case host
        /// Its own namespace and no /dev/shm at all.
        case none
        /// Another (shareable) container's namespace and /dev/shm.
        case container(String)
    }

    /// The UTS namespace (hostname).
    public enum UTSMode: Sendable, Equatable {
        /// Its own: the hostname is the container's.
        case `private`
        /// The host's: the hostname is the host's and cannot be set.
        case host
    }

    /// The cgroup namespace.
    public enum CgroupnsMode: String, Codable, Sendable, Equatable {
        /// Its own: /proc/self/cgroup shows its cgroup as the root.
        case `private`
        /// The host's: /proc/self/cgroup shows the host's path of its cgroup.
        case host

        /// Docker's default: private on a cgroup v2 host (unified only), host on v1 and hybrid hosts.
        public static func `default`(unifiedOnly: Bool) -> CgroupnsMode { unifiedOnly ? .private : .host }
    }

    /// The container whose PID namespace is joined, if any.
    public var pidContainer: String? {
        if case .container(let c) = pid { return c }
        return nil
    }

    /// The container whose IPC namespace is joined, if any.
    public var ipcContainer: String? {
        if case .container(let c) = ipc { return c }
        return nil
    }
}

extension NamespaceModes.PIDMode {
    /// Parse `--pid`'s value ("" or "host" or "container:NAME"); `flag` names the flag or key in errors.
    public init(parsing text: String, flag: String = "--pid") throws(KitError) {
        if text.isEmpty {
            self = .private
        } else if text == "host" {
            self = .host
        } else if let name = NamespaceModes.containerName(text, flag: flag) {
            self = .container(try name.get())
        } else {
            throw .usage("\(flag) \"\(text)\": invalid PID mode (expected host or container:NAME)")
        }
    }

    /// As Docker writes it ("" for its own namespace).
    public var text: String {
        switch self {
        case .private: ""
        case .host: "host"
        case .container(let c): "container:" + c
        }
    }
}

extension NamespaceModes.IPCMode {
    /// Parse `--ipc`'s value: "" (the default), private, shareable, host, none or container:NAME.
    public init(parsing text: String, flag: String = "--ipc") throws(KitError) {
        switch text {
        case "", "private": self = .private
        case "shareable": self = .shareable
        case "host": self = .host
        case "none": self = .none
        default:
            guard let name = NamespaceModes.containerName(text, flag: flag) else {
                throw .usage(
                    "\(flag) \"\(text)\": invalid IPC mode (expected private, shareable, host, none or container:NAME)")
            }
            self = .container(try name.get())
        }
    }

    /// As Docker writes it.
    public var text: String {
        switch self {
        case .private: "private"
        case .shareable: "shareable"
        case .host: "host"
        case .none: "none"
        case .container(let c): "container:" + c
        }
    }
}

extension NamespaceModes.UTSMode {
    /// Parse `--uts`'s value: "" or host.
    public init(parsing text: String, flag: String = "--uts") throws(KitError) {
        switch text {
        case "": self = .private
        case "host": self = .host
        default: throw .usage("\(flag) \"\(text)\": invalid UTS mode (expected host)")
        }
    }

    /// As Docker writes it ("" for its own namespace).
    public var text: String { self == .host ? "host" : "" }
}

extension NamespaceModes.CgroupnsMode {
    /// Parse `--cgroupns`'s value: "" (the default: nil), host or private.
    public static func parse(_ text: String, flag: String = "--cgroupns") throws(KitError) -> Self? {
        if text.isEmpty { return nil }
        guard let mode = Self(rawValue: text) else {
            throw .usage("\(flag) \"\(text)\": invalid cgroup namespace mode (expected host or private)")
        }
        return mode
    }
}

extension NamespaceModes {
    /// `container:NAME` → NAME (an error when NAME is empty); nil when `text` is not of that form.
    static func containerName(_ text: String, flag: String) -> Result<String, KitError>? {
        guard text.hasPrefix("container:") else { return nil }
        let name = String(text.dropFirst("container:".count))
        guard !name.isEmpty else { return .failure(.usage("\(flag) container: needs a container's name or ID")) }
        return .success(name)
    }

    /// Check the modes against the rest of the request, as Docker does at create.
    public func validate(hostname: String?) throws(KitError) {
        if uts == .host && hostname != nil { throw .usage("conflicting options: hostname and the UTS mode") }
    }

    // Codable as Docker's strings, so container.json reads like `inspect`.
    private enum CodingKeys: String, CodingKey { case pid, ipc, uts, cgroupns }

    /// Read the modes from their Docker spellings.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            pid = try PIDMode(parsing: try c.decodeIfPresent(String.self, forKey: .pid) ?? "")
            ipc = try IPCMode(parsing: try c.decodeIfPresent(String.self, forKey: .ipc) ?? "")
            uts = try UTSMode(parsing: try c.decodeIfPresent(String.self, forKey: .uts) ?? "")
        } catch let e as KitError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "\(e)"))
        }
        cgroupns = try c.decodeIfPresent(CgroupnsMode.self, forKey: .cgroupns)
    }

    /// Write the modes as Docker spells them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid.text, forKey: .pid)
        try c.encode(ipc.text, forKey: .ipc)
        try c.encode(uts.text, forKey: .uts)
        try c.encodeIfPresent(cgroupns, forKey: .cgroupns)
    }
}
