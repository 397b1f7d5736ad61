// The process to run: `process` in config.json, and the file `skiff oci exec --process` reads.

/// `process`: the program a container runs (or `exec` adds), with its user, environment, working
/// directory, capabilities and limits.
public struct Process: Codable, Sendable, Equatable {
    /// Whether the process gets a pseudo-terminal as its stdio (the runtime hands the master to the caller).
    public var terminal: Bool?
    /// The terminal's size when `terminal` is set.
    public var consoleSize: ConsoleSize?
    /// Who the process runs as, in the container's user namespace.
    public var user: User
    /// The program and its arguments (argv; `args[0]` is looked up in the container's PATH by the runtime).
    public var args: [String]?
    /// Windows only: the whole command line as one string; ignored on Linux.
    public var commandLine: String?
    /// The environment, as KEY=VALUE entries (nothing is inherited from the runtime).
    public var env: [String]?
    /// The working directory, an absolute path in the container.
    public var cwd: String
    /// The capability sets the process gets; absent means none.
    public var capabilities: LinuxCapabilities?
    /// Resource limits set with setrlimit(2) before the program starts.
    public var rlimits: [POSIXRlimit]?
    /// Sets no_new_privs: setuid binaries and file capabilities grant nothing more.
    public var noNewPrivileges: Bool?
    /// The AppArmor profile to run under (not applied by Skiff; kept for round trips).
    public var apparmorProfile: String?
    /// The process's `oom_score_adj` (-1000 ... 1000).
    public var oomScoreAdj: Int?
    /// The SELinux label to run with (not applied by Skiff; kept for round trips).
    public var selinuxLabel: String?

    /// A process running `args` in `cwd` as `user`; the other fields as given, absent otherwise.
    public init(
        terminal: Bool? = nil, consoleSize: ConsoleSize? = nil, user: User = User(), args: [String]? = nil,
        env: [String]? = nil, cwd: String = "/", capabilities: LinuxCapabilities? = nil,
        rlimits: [POSIXRlimit]? = nil, noNewPrivileges: Bool? = nil, oomScoreAdj: Int? = nil
    ) {
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

/// A terminal size in character cells.
public struct ConsoleSize: Codable, Sendable, Equatable {
    /// Rows.
    public var height: UInt
    /// Columns.
    public var width: UInt

    /// A size of `height` rows by `width` columns.
    public init(height: UInt, width: UInt) {
        self.height = height
        self.width = width
    }
}

/// `process.user`: the ids the process runs with.
public struct User: Codable, Sendable, Equatable {
    /// The user id, in the container's user namespace.
    public var uid: UInt32
    /// The primary group id, in the container's user namespace.
    public var gid: UInt32
    /// The file mode creation mask; nil keeps the runtime's.
    public var umask: UInt32?
    /// Supplementary group ids, set with setgroups(2).
    public var additionalGids: [UInt32]?
    /// Windows only: the user name; ignored on Linux.
    public var username: String?

    /// Root (0:0) unless ids are given.
    public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
        self.additionalGids = additionalGids
    }
}

/// Capability names as the spec writes them, e.g. "CAP_CHOWN".
public struct LinuxCapabilities: Codable, Sendable, Equatable {
    /// The bounding set: what the process and its children can ever gain.
    public var bounding: [String]?
    /// The effective set: what the kernel checks now (must be within `permitted`).
    public var effective: [String]?
    /// The inheritable set: what survives execve(2) for programs with matching file capabilities.
    public var inheritable: [String]?
    /// The permitted set: what the process may make effective.
    public var permitted: [String]?
    /// The ambient set: kept across execve(2) of unprivileged programs (must be permitted and inheritable).
    public var ambient: [String]?

    /// The five sets as given; an absent set is empty.
    public init(
        bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
        permitted: [String]? = nil, ambient: [String]? = nil
    ) {
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

/// One `process.rlimits` entry: a resource limit set before the program starts.
public struct POSIXRlimit: Codable, Sendable, Equatable {
    /// The resource, as `RLIMIT_NOFILE`, `RLIMIT_NPROC`, ...
    public var type: String
    /// The ceiling an unprivileged process cannot raise.
    public var hard: UInt64
    /// The limit the kernel enforces (at most `hard`).
    public var soft: UInt64

    /// A limit of `soft` (enforced) and `hard` (ceiling) on `type`.
    public init(type: String, hard: UInt64, soft: UInt64) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }
}
