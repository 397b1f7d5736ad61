// The process to run: `process` in config.json, and the file `skiff oci exec --process` reads.

public struct Process: Codable, Sendable, Equatable {
    public var terminal: Bool?
    public var consoleSize: ConsoleSize?
    public var user: User
    public var args: [String]?
    public var commandLine: String?
    public var env: [String]?
    public var cwd: String
    public var capabilities: LinuxCapabilities?
    public var rlimits: [POSIXRlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var selinuxLabel: String?

    public init(terminal: Bool? = nil, consoleSize: ConsoleSize? = nil, user: User = User(), args: [String]? = nil,
                env: [String]? = nil, cwd: String = "/", capabilities: LinuxCapabilities? = nil,
                rlimits: [POSIXRlimit]? = nil, noNewPrivileges: Bool? = nil, oomScoreAdj: Int? = nil) {
        self.terminal = terminal
        self.consoleSize = consoleSize
        self.user = user
        self.args = args
        self.env = env
        self.cwd = cwd
        self.capabilities = capabilities
        self.rlimits = rlimits
        self.noNewPrivileges = noNewPrivileges
        self.oomScoreAdj = oomScoreAdj
    }

    /// As runc reads it: a process without `user` (a process.json for `exec --process`, often) runs as
    /// uid 0, gid 0 — Go's zero value, which Podman's and runc's own tests rely on.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        terminal = try c.decodeIfPresent(Bool.self, forKey: .terminal)
        consoleSize = try c.decodeIfPresent(ConsoleSize.self, forKey: .consoleSize)
        user = try c.decodeIfPresent(User.self, forKey: .user) ?? User()
        args = try c.decodeIfPresent([String].self, forKey: .args)
        commandLine = try c.decodeIfPresent(String.self, forKey: .commandLine)
        env = try c.decodeIfPresent([String].self, forKey: .env)
        cwd = try c.decode(String.self, forKey: .cwd)
        capabilities = try c.decodeIfPresent(LinuxCapabilities.self, forKey: .capabilities)
        rlimits = try c.decodeIfPresent([POSIXRlimit].self, forKey: .rlimits)
        noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivileges)
        apparmorProfile = try c.decodeIfPresent(String.self, forKey: .apparmorProfile)
        oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
        selinuxLabel = try c.decodeIfPresent(String.self, forKey: .selinuxLabel)
    }
}

public struct ConsoleSize: Codable, Sendable, Equatable {
    public var height: UInt
    public var width: UInt

    public init(height: UInt, width: UInt) {
        self.height = height
        self.width = width
    }
}

public struct User: Codable, Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32?
    public var additionalGids: [UInt32]?
    public var username: String?

    public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
        self.additionalGids = additionalGids
    }
}

/// Capability names as the spec writes them, e.g. "CAP_CHOWN".
public struct LinuxCapabilities: Codable, Sendable, Equatable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?

    public init(bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
                permitted: [String]? = nil, ambient: [String]? = nil) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }

    /// The same names in the bounding, effective and permitted sets (what Docker does).
    public static func uniform(_ names: [String]) -> LinuxCapabilities {
        LinuxCapabilities(bounding: names, effective: names, permitted: names)
    }
}

public struct POSIXRlimit: Codable, Sendable, Equatable {
    public var type: String
    public var hard: UInt64
    public var soft: UInt64

    public init(type: String, hard: UInt64, soft: UInt64) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }
}
