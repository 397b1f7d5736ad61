// `linux.seccomp`: a default action and per-syscall rules, as in the spec and Docker's profile JSON.

/// `linux.seccomp`: the syscall filter installed just before the process starts.
public struct LinuxSeccomp: Codable, Sendable, Equatable {
    /// What happens to a syscall no rule matches (`SCMP_ACT_ERRNO`, `SCMP_ACT_ALLOW`, ...).
    public var defaultAction: String
    /// The errno the default action returns when it is `SCMP_ACT_ERRNO` (EPERM if nil).
    public var defaultErrnoRet: UInt32?
    /// Further architectures the filter also covers (`SCMP_ARCH_X86`, ...), for 32-bit compat syscalls.
    public var architectures: [String]?
    /// Flags for seccomp(2) (`SECCOMP_FILTER_FLAG_LOG`, ...).
    public var flags: [String]?
    /// The rules, matched by syscall name (and arguments).
    public var syscalls: [LinuxSyscall]?
    /// The unix socket of the seccomp agent that answers `SCMP_ACT_NOTIFY` syscalls; it is sent the
    /// container process state and the filter's notify fd.
    public var listenerPath: String?
    /// Opaque data for the agent, passed in the container process state's `metadata`.
    public var listenerMetadata: String?
    /// Decoded without its rules (`syscalls` left unread, see `omitsRules`): enough to tell whether a
    /// container has a profile and how it is set up, never enough to build its filter. Not in the JSON.
    public var rulesOmitted = false

    /// True while decoding (`$omitsRules.withValue(true) { ... }`) to leave every `linux.seccomp.syscalls`
    /// unread: an exec whose container's compiled filter is kept needs only the rest of the spec, and
    /// Docker's profile is most of a config.json's bytes and of the time to decode it. A task-local value
    /// rather than the decoder's `userInfo`, whose dictionary JSONDecoder casts at run time, a look-up
    /// through every protocol conformance in the binary once per process.
    @TaskLocal public static var omitsRules = false

    enum CodingKeys: String, CodingKey {
        case defaultAction, defaultErrnoRet, architectures, flags, syscalls, listenerPath, listenerMetadata
    }

    /// Every field of the JSON; the rules are left unread while `omitsRules` is true.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try c.decode(String.self, forKey: .defaultAction)
        defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: .defaultErrnoRet)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        flags = try c.decodeIfPresent([String].self, forKey: .flags)
        listenerPath = try c.decodeIfPresent(String.self, forKey: .listenerPath)
        listenerMetadata = try c.decodeIfPresent(String.self, forKey: .listenerMetadata)
        if Self.omitsRules {
            rulesOmitted = c.contains(.syscalls)
        } else {
            syscalls = try c.decodeIfPresent([LinuxSyscall].self, forKey: .syscalls)
        }
    }

    /// A profile read without its rules is never written back: it would drop them.
    public func encode(to encoder: any Encoder) throws {
        if rulesOmitted {
            throw EncodingError.invalidValue(
                self,
                .init(
                    codingPath: encoder.codingPath,
                    debugDescription: "a seccomp profile decoded without its rules cannot be encoded"))
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(defaultAction, forKey: .defaultAction)
        try c.encodeIfPresent(defaultErrnoRet, forKey: .defaultErrnoRet)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        try c.encodeIfPresent(flags, forKey: .flags)
        try c.encodeIfPresent(syscalls, forKey: .syscalls)
        try c.encodeIfPresent(listenerPath, forKey: .listenerPath)
        try c.encodeIfPresent(listenerMetadata, forKey: .listenerMetadata)
    }

    /// A filter with `defaultAction` and the given rules.
    public init(
        defaultAction: String, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
        flags: [String]? = nil, syscalls: [LinuxSyscall]? = nil, listenerPath: String? = nil,
        listenerMetadata: String? = nil
    ) {
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.syscalls = syscalls
    }
}

/// One seccomp rule: an action for the named syscalls, optionally only when their arguments match.
public struct LinuxSyscall: Codable, Sendable, Equatable {
    /// The syscalls the rule covers (names unknown to this kernel are skipped).
    public var names: [String]
    /// The action when it matches (`SCMP_ACT_ALLOW`, `SCMP_ACT_ERRNO`, `SCMP_ACT_KILL`, ...).
    public var action: String
    /// The errno an `SCMP_ACT_ERRNO` action returns (EPERM if nil).
    public var errnoRet: UInt32?
    /// Conditions on the arguments; all must hold for the rule to match.
    public var args: [LinuxSeccompArg]?

    /// A rule applying `action` to `names` when `args` hold.
    public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }
}

/// `op` is one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT,
/// SCMP_CMP_MASKED_EQ.
public struct LinuxSeccompArg: Codable, Sendable, Equatable {
    /// Which argument (0-5).
    public var index: UInt32
    /// The value compared with (the mask, for SCMP_CMP_MASKED_EQ).
    public var value: UInt64
    /// The second operand: what the masked argument must equal, for SCMP_CMP_MASKED_EQ.
    public var valueTwo: UInt64?
    /// The comparison, e.g. `SCMP_CMP_EQ`.
    public var op: String

    /// A condition comparing argument `index` with `value` (and `valueTwo`) by `op`.
    public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}
