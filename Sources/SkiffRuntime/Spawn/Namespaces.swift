#if canImport(Glibc)
import Glibc
#endif

/// The namespace types of the spec and their clone flags.
public enum NamespaceKind: String, CaseIterable, Sendable {
    case user, mount, pid, network, ipc, uts, cgroup, time

    /// CLONE_NEW* from <linux/sched.h> (Glibc exports them to Swift only with _GNU_SOURCE).
    public var cloneFlag: UInt64 {
        switch self {
        case .user: 0x1000_0000
        case .mount: 0x0002_0000
        case .pid: 0x2000_0000
        case .network: 0x4000_0000
        case .ipc: 0x0800_0000
        case .uts: 0x0400_0000
        case .cgroup: 0x0200_0000
        case .time: 0x0000_0080
        }
    }

    /// The file under /proc/PID/ns/ for this kind.
    public var procName: String {
        switch self {
        case .user: "user"
        case .mount: "mnt"
        case .pid: "pid"
        case .network: "net"
        case .ipc: "ipc"
        case .uts: "uts"
        case .cgroup: "cgroup"
        case .time: "time"
        }
    }

    /// The order in which joins must happen: the user namespace first, since it grants the
    /// capabilities to enter the others; mount last, since it changes how paths resolve.
    public var joinOrder: Int {
        switch self {
        case .user: 0
        case .mount: 9
        default: 5
        }
    }

    public init(specType: String) throws(SpecError) {
        guard let kind = NamespaceKind(rawValue: specType) else {
            throw SpecError.invalid(
                field: "linux.namespaces",
                reason:
                    "unknown namespace type \"\(specType)\" (expected one of: \(NamespaceKind.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self = kind
    }
}
