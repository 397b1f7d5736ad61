import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// The calling thread in a mount namespace of its own, until `leave()`: mounts made meanwhile are seen
/// by nobody else, and go away with the namespace.
public final class PrivateMountNamespace {
    private let original: Int32

    /// Unshare the calling thread's mount namespace; `purpose` names the operation in an error.
    public init(for purpose: String) throws(SystemError) {
        original = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC)
        if original < 0 { throw SystemError("open", path: "/proc/thread-self/ns/mnt") }
        if csys_unshare(CSYS_CLONE_NEWNS) != 0 {
            let e = SystemError("unshare a mount namespace for \(purpose)")
            close(original)
            throw e
        }
    }

    /// Back to the namespace the thread had before.
    public func leave() {
        _ = csys_setns(original, CSYS_CLONE_NEWNS)
    }

    deinit { close(original) }
}
