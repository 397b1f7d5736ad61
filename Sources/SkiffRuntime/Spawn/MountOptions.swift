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
    /// MOUNT_ATTR_* set and cleared on the mount and every mount below it (runc's "rro", "rnosuid"...).
    public var recursiveAttrSet: UInt32 = 0
    public var recursiveAttrClear: UInt32 = 0
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
            } else if let (set, attr) = Self.recursiveAttrTable[option] {
                // The atime attributes are one field: setting one clears the others, and the kernel takes
                // a clear of that field only as a whole (back to relatime).
                let isAtime = attr & Self.attrAtimeMask != 0 || attr == Self.attrRelatime
                if set {
                    if isAtime {
                        recursiveAttrClear |= Self.attrAtimeMask
                        recursiveAttrSet &= ~Self.attrAtimeMask
                    } else {
                        recursiveAttrClear &= ~attr
                    }
                    recursiveAttrSet |= attr
                } else {
                    if isAtime {
                        recursiveAttrClear |= Self.attrAtimeMask
                        recursiveAttrSet &= ~Self.attrAtimeMask
                    } else {
                        recursiveAttrClear |= attr
                        recursiveAttrSet &= ~attr
                    }
                }
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

    // MOUNT_ATTR_* of <linux/mount.h>.
    static let attrRdonly: UInt32 = 0x1, attrNosuid: UInt32 = 0x2, attrNodev: UInt32 = 0x4, attrNoexec: UInt32 = 0x8
    static let attrAtimeMask: UInt32 = 0x70, attrRelatime: UInt32 = 0x0, attrNoatime: UInt32 = 0x10
    static let attrStrictatime: UInt32 = 0x20, attrNodiratime: UInt32 = 0x80

    /// The recursive options runc accepts: (set, attribute); false clears it.
    private static let recursiveAttrTable: [String: (Bool, UInt32)] = [
        "rro": (true, attrRdonly), "rrw": (false, attrRdonly),
        "rnosuid": (true, attrNosuid), "rsuid": (false, attrNosuid),
        "rnodev": (true, attrNodev), "rdev": (false, attrNodev),
        "rnoexec": (true, attrNoexec), "rexec": (false, attrNoexec),
        "rnodiratime": (true, attrNodiratime), "rdiratime": (false, attrNodiratime),
        "rrelatime": (true, attrRelatime), "rnorelatime": (false, attrRelatime),
        "rnoatime": (true, attrNoatime), "ratime": (false, attrNoatime),
        "rstrictatime": (true, attrStrictatime), "rnostrictatime": (false, attrStrictatime),
    ]

    private static let propagationTable: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE | MS_REC),
        "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE | MS_REC),
    ]

    /// `linux.rootfsPropagation` → flags for the host's "/" in the new mount namespace, before the rootfs
    /// is bound and pivoted into (default rslave, as runc). An unbindable one is applied only to the
    /// container's root (`rootPropagationAfterPivot`): a bind from an unbindable mount is refused, and the
    /// rootfs and the volumes are binds.
    public static func rootPropagation(_ value: String?) throws(SpecError) -> UInt {
        guard let value, !value.isEmpty else { return UInt(MS_SLAVE | MS_REC) }
        guard let flags = propagationTable[value] else {
            throw SpecError.invalid(field: "linux.rootfsPropagation", reason: "unknown propagation \"\(value)\"")
        }
        if flags & UInt(MS_UNBINDABLE) != 0 { return UInt(MS_SLAVE | MS_REC) }
        return flags | UInt(MS_REC)
    }

    /// `linux.rootfsPropagation` → flags for the container's own "/" once pivoted into, exactly as the spec
    /// names them (as runc and crun apply them); 0 when the spec leaves it unset.
    public static func rootPropagationAfterPivot(_ value: String?) throws(SpecError) -> UInt {
        guard let value, !value.isEmpty else { return 0 }
        _ = try rootPropagation(value)
        return propagationTable[value] ?? 0
    }
}

extension MountOptions {
    /// Every option name a mount's `options` may hold that Skiff turns into a flag or a propagation
    /// (anything else goes to the filesystem as data): `features`' mountOptions.
    public static var recognizedNames: [String] {
        (Array(flagTable.keys) + Array(propagationTable.keys)).sorted()
    }
}
