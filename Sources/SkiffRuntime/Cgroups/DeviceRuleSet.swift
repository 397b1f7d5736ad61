import SkiffOCI

/// Read, write and mknod, as the devices cgroup and BPF_PROG_TYPE_CGROUP_DEVICE number them
/// (BPF_DEVCG_ACC_MKNOD = 1, READ = 2, WRITE = 4).
public struct DeviceAccess: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let mknod = DeviceAccess(rawValue: 1)
    public static let read = DeviceAccess(rawValue: 2)
    public static let write = DeviceAccess(rawValue: 4)
    public static let all: DeviceAccess = [.read, .write, .mknod]

    /// "rwm", "r", ... (nil for a string with other letters or none).
    init?(_ text: String) {
        var access: DeviceAccess = []
        for c in text {
            switch c {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default: return nil
            }
        }
        if access.isEmpty { return nil }
        self = access
    }

    public var description: String {
        (contains(.read) ? "r" : "") + (contains(.write) ? "w" : "") + (contains(.mknod) ? "m" : "")
    }
}

/// `linux.resources.devices`, applied in order, folded into what the kernel can hold: a default (allow
/// or deny everything) and exceptions to it. The v1 devices controller is given exactly this (`v1Writes`)
/// and the v2 BPF program is generated from it (`DeviceFilterProgram`), so both enforce the same set.
///
/// Semantics, as the v1 devices controller has them (and runc emulates): a rule of type "a" resets
/// everything to its verdict; a rule with the default's verdict takes access away from exceptions; one
/// with the other verdict adds an exception. Unlike the kernel, taking access away also reaches the
/// narrower exceptions the rule covers (a later "deny c 1:* rw" also ends an earlier "allow c 1:3 rw"),
/// and a rule that would have to punch a read/write hole into a broader exception ("deny c 1:11 rw"
/// after "allow c *:* rw") is refused: the kernel would ignore it in silence, leaving the device open.
public struct DeviceRuleSet: Equatable, Sendable {
    public enum NodeType: String, Sendable, Hashable {
        case block = "b"
        case char = "c"
    }

    /// Which devices an exception is about; nil major or minor is the wildcard "*".
    public struct Match: Hashable, Sendable, CustomStringConvertible {
        public var type: NodeType
        public var major: UInt32?
        public var minor: UInt32?

        public init(type: NodeType, major: UInt32?, minor: UInt32?) {
            self.type = type
            self.major = major
            self.minor = minor
        }

        /// Every device `other` matches is matched by self too.
        func covers(_ other: Match) -> Bool {
            type == other.type && (major == nil || major == other.major) && (minor == nil || minor == other.minor)
        }

        /// Some device is matched by both.
        func overlaps(_ other: Match) -> Bool {
            type == other.type && (major == nil || other.major == nil || major == other.major)
                && (minor == nil || other.minor == nil || minor == other.minor)
        }

        public var description: String {
            "\(type.rawValue) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*")"
        }
    }

    public struct Exception: Equatable, Hashable, Sendable, CustomStringConvertible {
        public var match: Match
        public var access: DeviceAccess

        public init(_ match: Match, _ access: DeviceAccess) {
            self.match = match
            self.access = access
        }

        /// A devices.allow / devices.deny line, "c 1:3 rwm".
        public var description: String { "\(match) \(access)" }
    }

    /// True: everything is allowed except the exceptions; false: everything is denied except them.
    public var defaultAllow: Bool
    /// In the order they were first added.
    public var exceptions: [Exception]

    public init(defaultAllow: Bool, exceptions: [Exception] = []) {
        self.defaultAllow = defaultAllow
        self.exceptions = exceptions
    }

    /// Fold `rules` in order, starting from a new cgroup's state (everything allowed).
    public static func emulate(_ rules: [LinuxDeviceCgroup]) throws(CgroupError) -> DeviceRuleSet {
        var set = DeviceRuleSet(defaultAllow: true)
        for (index, rule) in rules.enumerated() {
            try set.apply(rule, index: index)
        }
        return set
    }

    mutating func apply(_ rule: LinuxDeviceCgroup, index: Int) throws(CgroupError) {
        let field = "linux.resources.devices[\(index)]"
        let accessText = rule.access ?? "rwm"
        guard let access = DeviceAccess(accessText) else {
            throw .invalidValue(
                setting: "\(field).access", value: "\"\(accessText)\"",
                reason: "must be a non-empty combination of r, w and m")
        }
        let match: Match
        switch rule.type ?? "a" {
        case "a":
            // As in the kernel, "a" resets the whole list whatever its numbers and access say.
            self = DeviceRuleSet(defaultAllow: rule.allow)
            return
        case "b":
            match = Match(
                type: .block, major: try Self.number(rule.major, "\(field).major"),
                minor: try Self.number(rule.minor, "\(field).minor"))
        case "c":
            match = Match(
                type: .char, major: try Self.number(rule.major, "\(field).major"),
                minor: try Self.number(rule.minor, "\(field).minor"))
        case let other:
            throw .invalidValue(setting: "\(field).type", value: "\"\(other)\"", reason: "must be a, b or c")
        }
        if rule.allow == defaultAllow {
            try remove(Exception(match, access), field: field)
        } else {
            add(Exception(match, access))
        }
    }

    /// nil (or negative, as some tools write -1) is the wildcard; a number must fit the BPF program's
    /// 32-bit signed immediates (Linux majors and minors are far smaller).
    static func number(_ n: Int64?, _ field: String) throws(CgroupError) -> UInt32? {
        guard let n, n >= 0 else { return nil }
        guard n <= Int64(Int32.max) else {
            throw .invalidValue(setting: field, value: String(n), reason: "device numbers must be below 2^31")
        }
        return UInt32(n)
    }

    mutating func add(_ exception: Exception) {
        if let i = exceptions.firstIndex(where: { $0.match == exception.match }) {
            exceptions[i].access.formUnion(exception.access)
        } else {
            exceptions.append(exception)
        }
    }

    mutating func remove(_ rule: Exception, field: String) throws(CgroupError) {
        let useAccess = rule.access.intersection([.read, .write])
        for existing in exceptions where !rule.match.covers(existing.match) && rule.match.overlaps(existing.match) {
            // mknod alone opens nothing (using a node needs r or w), so only a read/write hole is refused.
            if !existing.access.intersection(useAccess).isEmpty {
                let verdict = defaultAllow ? "allow" : "deny"
                throw .invalidValue(
                    setting: field, value: "\"\(verdict) \(rule)\"",
                    reason: "cannot take \(existing.access.intersection(useAccess)) out of the broader rule "
                        + "\"\(defaultAllow ? "deny" : "allow") \(existing)\" before it (the devices cgroup "
                        + "cannot punch a hole into a wildcard rule); list the devices one by one instead")
            }
        }
        exceptions = exceptions.compactMap { existing in
            guard rule.match.covers(existing.match) else { return existing }
            let left = existing.access.subtracting(rule.access)
            return left.isEmpty ? nil : Exception(existing.match, left)
        }
    }

    /// The v1 writes that give a new devices cgroup this set: "a" to reset it to the default, then each
    /// exception to the other file. (file name, line) pairs, in order.
    public var v1Writes: [(file: String, line: String)] {
        let (defaultFile, exceptionFile) =
            defaultAllow
            ? ("devices.allow", "devices.deny") : ("devices.deny", "devices.allow")
        return [(defaultFile, "a")] + exceptions.map { (exceptionFile, $0.description) }
    }

    /// Whether an access is allowed (what the kernel decides; for tests and messages).
    public func allows(_ type: NodeType, major: UInt32, minor: UInt32, access: DeviceAccess) -> Bool {
        let device = Match(type: type, major: major, minor: minor)
        if defaultAllow {
            return !exceptions.contains { $0.match.covers(device) && !$0.access.intersection(access).isEmpty }
        }
        return exceptions.contains { $0.match.covers(device) && $0.access.isSuperset(of: access) }
    }
}
