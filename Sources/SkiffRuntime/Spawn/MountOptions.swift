#if canImport(Glibc)
import Glibc
#endif

/// The `options` of a spec mount, split the way mount(2) wants them: flags, propagation, and the
/// rest as the filesystem's data string.
public struct MountOptions: Equatable, Sendable {
    public var flags: UInt = 0
    /// Flags that clear a default (e.g. "rw", "suid"); kept only so parsing is total.
    public var cleared: UInt = 0
    public var propagation: UInt = 0
    public var data: [String] = []

    public var isBind: Bool { flags & UInt(MS_BIND) != 0 }
    public var isRecursive: Bool { flags & UInt(MS_REC) != 0 }

    /// Flags a bind mount can only get from a second, remounting call.
    public var bindRemountFlags: UInt {
        flags & ~UInt(MS_BIND | MS_REC | MS_REMOUNT)
    }

    public var dataString: String? { data.isEmpty ? nil : data.joined(separator: ",") }

    public init() {}

    public init(_ options: [String]) {
        for option in options {
            if let (set, value) = Self.flagTable[option] {
                if set { flags |= value } else { flags &= ~value; cleared |= value }
            } else if let value = Self.propagationTable[option] {
                propagation = value
            } else {
                data.append(option)
            }
        }
    }

    private static let flagTable: [String: (Bool, UInt)] = [
        "ro": (true, UInt(MS_RDONLY)), "rw": (false, UInt(MS_RDONLY)),
        "nosuid": (true, UInt(MS_NOSUID)), "suid": (false, UInt(MS_NOSUID)),
        "nodev": (true, UInt(MS_NODEV)), "dev": (false, UInt(MS_NODEV)),
        "noexec": (true, UInt(MS_NOEXEC)), "exec": (false, UInt(MS_NOEXEC)),
        "sync": (true, UInt(MS_SYNCHRONOUS)), "async": (false, UInt(MS_SYNCHRONOUS)),
        "dirsync": (true, UInt(MS_DIRSYNC)),
        "remount": (true, UInt(MS_REMOUNT)),
        "mand": (true, UInt(MS_MANDLOCK)), "nomand": (false, UInt(MS_MANDLOCK)),
        "noatime": (true, UInt(MS_NOATIME)), "atime": (false, UInt(MS_NOATIME)),
        "nodiratime": (true, UInt(MS_NODIRATIME)), "diratime": (false, UInt(MS_NODIRATIME)),
        "relatime": (true, UInt(MS_RELATIME)), "norelatime": (false, UInt(MS_RELATIME)),
        "strictatime": (true, UInt(MS_STRICTATIME)), "nostrictatime": (false, UInt(MS_STRICTATIME)),
        "bind": (true, UInt(MS_BIND)),
        "rbind": (true, UInt(MS_BIND | MS_REC)),
    ]

    private static let propagationTable: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE | MS_REC),
        "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE | MS_REC),
    ]

    /// `linux.rootfsPropagation` → flags for "/" (default rslave, as runc).
    public static func rootPropagation(_ value: String?) throws(SpecError) -> UInt {
        guard let value, !value.isEmpty else { return UInt(MS_SLAVE | MS_REC) }
        guard let flags = propagationTable[value] else {
            throw SpecError.invalid(field: "linux.rootfsPropagation", reason: "unknown propagation \"\(value)\"")
        }
        return flags | UInt(MS_REC)
    }
}

extension MountOptions {
    /// Every option name a mount's `options` may hold that Skiff turns into a flag or a propagation
    /// (anything else goes to the filesystem as data): `features`' mountOptions.
    public static var recognizedNames: [String] {
        (Array(flagTable.keys) + Array(propagationTable.keys)).sorted()
    }
}
