// Linux capabilities: the name <-> number table, sets as 64-bit masks, and the five masks the C
// shim applies (cskiff_spawn.cap_*).

import CSkiff
import Logging
import SkiffOCI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One Linux capability, numbered as in <linux/capability.h>.
public enum Capability: Int, CaseIterable, Sendable, Comparable {
    case chown = 0
    case dacOverride = 1
    case dacReadSearch = 2
    case fowner = 3
    case fsetid = 4
    case kill = 5
    case setgid = 6
    case setuid = 7
    case setpcap = 8
    case linuxImmutable = 9
    case netBindService = 10
    case netBroadcast = 11
    case netAdmin = 12
    case netRaw = 13
    case ipcLock = 14
    case ipcOwner = 15
    case sysModule = 16
    case sysRawio = 17
    case sysChroot = 18
    case sysPtrace = 19
    case sysPacct = 20
    case sysAdmin = 21
    case sysBoot = 22
    case sysNice = 23
    case sysResource = 24
    case sysTime = 25
    case sysTtyConfig = 26
    case mknod = 27
    case lease = 28
    case auditWrite = 29
    case auditControl = 30
    case setfcap = 31
    case macOverride = 32
    case macAdmin = 33
    case syslog = 34
    case wakeAlarm = 35
    case blockSuspend = 36
    case auditRead = 37
    case perfmon = 38
    case bpf = 39
    case checkpointRestore = 40

    /// The highest capability this table knows.
    public static let highest = Capability.checkpointRestore

    /// Names without the "CAP_" prefix, indexed by number.
    private static let shortNames: [String] = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    private static let byShortName: [String: Capability] = {
        var table: [String: Capability] = [:]
        for cap in Capability.allCases { table[shortNames[cap.rawValue]] = cap }
        return table
    }()

    /// The name as the OCI spec writes it, e.g. "CAP_CHOWN".
    public var name: String { "CAP_" + Capability.shortNames[rawValue] }

    /// The name without the prefix, e.g. "CHOWN" (what `docker run --cap-add` takes).
    public var shortName: String { Capability.shortNames[rawValue] }

    /// Parse "CAP_CHOWN", "CHOWN", "chown" or "cap_chown". Nil for a name this table does not know.
    public init?(name: String) {
        var upper = name.uppercased()
        if upper.hasPrefix("CAP_") { upper.removeFirst(4) }
        guard let cap = Capability.byShortName[upper] else { return nil }
        self = cap
    }

    /// Like `init?(name:)`, but an unknown name is an error that names it (and the set it was in).
    public static func parse(_ name: String, in set: String? = nil) throws(CapabilityError) -> Capability {
        guard let cap = Capability(name: name) else { throw .unknownName(name, set: set) }
        return cap
    }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum CapabilityError: Error, CustomStringConvertible, Equatable {
    /// A name that is no Linux capability (set: "bounding", "effective", ... when it came from a spec).
    case unknownName(String, set: String?)
    /// The kernel's last capability could not be read.
    case lastCapUnreadable(SystemError)
    /// `effective` holds capabilities that `permitted` does not (capset(2) would refuse it).
    case effectiveNotPermitted([String])
    /// `inheritable` holds capabilities outside `bounding` (capset(2) would refuse it).
    case inheritableNotBounded([String])

    public var description: String {
        switch self {
        case .unknownName(let name, let set):
            let known = "known names are CAP_CHOWN ... CAP_CHECKPOINT_RESTORE, see capabilities(7)"
            if let set {
                return "unknown capability \"\(name)\" in process.capabilities.\(set) (\(known))"
            }
            return "unknown capability \"\(name)\" (\(known))"
        case .lastCapUnreadable(let error):
            return "cannot read the kernel's last capability: \(error)"
        case .effectiveNotPermitted(let names):
            return "process.capabilities.effective has \(names.joined(separator: ", ")), which "
                + "process.capabilities.permitted lacks; add them to permitted or remove them from effective"
        case .inheritableNotBounded(let names):
            return "process.capabilities.inheritable has \(names.joined(separator: ", ")), which "
                + "process.capabilities.bounding lacks; add them to bounding or remove them from inheritable"
        }
    }
}

/// A set of capabilities as the kernel's 64-bit mask (bit n = capability n).
public struct CapabilitySet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(_ caps: some Sequence<Capability>) {
        var mask: UInt64 = 0
        for cap in caps { mask |= 1 << UInt64(cap.rawValue) }
        self.rawValue = mask
    }

    /// Parse spec names ("CAP_CHOWN", also "chown"); an unknown name is an error naming it.
    public init(names: [String], set: String? = nil) throws(CapabilityError) {
        var mask: UInt64 = 0
        for name in names {
            mask |= 1 << UInt64(try Capability.parse(name, in: set).rawValue)
        }
        self.rawValue = mask
    }

    /// Every capability this table knows (0 ... CAP_CHECKPOINT_RESTORE).
    public static let all = CapabilitySet(Capability.allCases)

    /// Every capability up to and including `lastCap` (the bits a kernel knows).
    public static func upTo(lastCap: Int) -> CapabilitySet {
        if lastCap < 0 { return [] }
        if lastCap >= 63 { return CapabilitySet(rawValue: UInt64.max) }
        return CapabilitySet(rawValue: (UInt64(1) << UInt64(lastCap + 1)) - 1)
    }

    public func contains(_ cap: Capability) -> Bool { rawValue & (1 << UInt64(cap.rawValue)) != 0 }

    public mutating func insert(_ cap: Capability) { rawValue |= 1 << UInt64(cap.rawValue) }

    public mutating func remove(_ cap: Capability) { rawValue &= ~(1 << UInt64(cap.rawValue)) }

    /// The members this table knows, in number order.
    public var capabilities: [Capability] { Capability.allCases.filter { contains($0) } }

    /// "CAP_..." names of the members, in number order.
    public var names: [String] { capabilities.map(\.name) }

    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}

/// The running kernel's view of capabilities.
public enum KernelCapabilities {
    public static let lastCapPath = "/proc/sys/kernel/cap_last_cap"

    private static let cached: Result<Int, CapabilityError> = {
        do throws(SystemError) {
            let text = try FileIO.readString(lastCapPath)
            let trimmed = String(text.filter { !$0.isWhitespace })
            guard let value = Int(trimmed), value >= 0, value < 64 else {
                return .failure(
                    .lastCapUnreadable(
                        SystemError(
                            "parse \"\(trimmed)\" from", path: lastCapPath,
                            errno: EINVAL)))
            }
            return .success(value)
        } catch {
            return .failure(.lastCapUnreadable(error))
        }
    }()

    /// /proc/sys/kernel/cap_last_cap, read once per process.
    public static func lastCap() throws(CapabilityError) -> Int {
        try cached.get()
    }
}

/// The five capability masks a container process gets, ready for `cskiff_spawn`.
public struct CapabilityMasks: Sendable, Equatable {
    public var bounding: CapabilitySet
    public var effective: CapabilitySet
    public var permitted: CapabilitySet
    public var inheritable: CapabilitySet
    public var ambient: CapabilitySet
    /// The kernel's last capability (bits above it are never set).
    public var lastCap: Int

    public init(
        bounding: CapabilitySet = [], effective: CapabilitySet = [], permitted: CapabilitySet = [],
        inheritable: CapabilitySet = [], ambient: CapabilitySet = [], lastCap: Int
    ) {
        self.bounding = bounding
        self.effective = effective
        self.permitted = permitted
        self.inheritable = inheritable
        self.ambient = ambient
        self.lastCap = lastCap
    }

    /// The masks for a spec's `process.capabilities`.
    ///
    /// - A missing object or a missing list is the empty set (the process keeps no capability).
    /// - An unknown name is an error naming it and its list.
    /// - A known name the running kernel lacks (above `lastCap`) is left out with a debug note, as runc does.
    /// - Ambient capabilities need to be permitted and inheritable to be raised; others are left out with a
    ///   debug note (runc warns and goes on; `runc spec` itself writes such an ambient list).
    /// - effective must be within permitted, inheritable within bounding: otherwise capset(2) fails, so
    ///   it is reported here, naming the capabilities.
    public init(_ caps: LinuxCapabilities?, lastCap: Int, logger: Logger? = nil) throws(CapabilityError) {
        let available = CapabilitySet.upTo(lastCap: lastCap)
        func parse(_ names: [String]?, _ set: String) throws(CapabilityError) -> CapabilitySet {
            let parsed = try CapabilitySet(names: names ?? [], set: set)
            let unavailable = parsed.subtracting(available)
            if !unavailable.isEmpty {
                logger?.debug(
                    "ignoring capabilities the kernel does not have (cap_last_cap \(lastCap))",
                    metadata: ["set": "\(set)", "capabilities": "\(unavailable.names)"])
            }
            return parsed.intersection(available)
        }
        let bounding = try parse(caps?.bounding, "bounding")
        let effective = try parse(caps?.effective, "effective")
        let permitted = try parse(caps?.permitted, "permitted")
        let inheritable = try parse(caps?.inheritable, "inheritable")
        var ambient = try parse(caps?.ambient, "ambient")

        let notPermitted = effective.subtracting(permitted)
        if !notPermitted.isEmpty { throw .effectiveNotPermitted(notPermitted.names) }
        let notBounded = inheritable.subtracting(bounding)
        if !notBounded.isEmpty { throw .inheritableNotBounded(notBounded.names) }

        let raisable = permitted.intersection(inheritable)
        let dropped = ambient.subtracting(raisable)
        if !dropped.isEmpty {
            logger?.debug(
                "ambient capabilities not both permitted and inheritable are not raised",
                metadata: ["capabilities": "\(dropped.names)"])
            ambient = ambient.intersection(raisable)
        }
        self.init(
            bounding: bounding, effective: effective, permitted: permitted, inheritable: inheritable,
            ambient: ambient, lastCap: lastCap)
    }

    /// Like `init(_:lastCap:logger:)` with the running kernel's last capability.
    public static func forRunningKernel(_ caps: LinuxCapabilities?, logger: Logger? = nil)
        throws(CapabilityError) -> CapabilityMasks
    {
        try CapabilityMasks(caps, lastCap: KernelCapabilities.lastCap(), logger: logger)
    }

    /// Fill the capability fields of a spawn request (and ask the child to apply them).
    public func apply(to spawn: inout cskiff_spawn) {
        spawn.apply_caps = 1
        spawn.cap_bounding = bounding.rawValue
        spawn.cap_effective = effective.rawValue
        spawn.cap_permitted = permitted.rawValue
        spawn.cap_inheritable = inheritable.rawValue
        spawn.cap_ambient = ambient.rawValue
        spawn.last_cap = Int32(lastCap)
    }
}
