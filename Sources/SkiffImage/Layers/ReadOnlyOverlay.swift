import CSystem
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A read-only merged view of layer directories (overlayfs with lower layers only: no upper, no work
/// directory, so it can be made while the same directories serve a running container), mounted in a
/// private mount namespace of the calling thread and detached at once: it is reachable only through the
/// returned fd, never appears on the host, and goes away when the fd is closed.
public enum ReadOnlyOverlay {
    /// Mount `lowers` (top first) on the empty directory `mountpoint` and return an fd of its root.
    public static func open(lowers: [String], mountpoint: String) throws(SystemError) -> Int32 {
        let namespace = try PrivateMountNamespace(for: "a read-only view of the container's filesystem")
        defer { namespace.leave() }
        if mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) != 0 {
            throw SystemError("make mounts private")
        }
        var cLowers: [UnsafePointer<CChar>?] = lowers.map { UnsafePointer(strdup($0)) }
        defer { for p in cLowers { free(UnsafeMutablePointer(mutating: p)) } }
        if csys_mount_overlay(mountpoint, &cLowers, Int32(cLowers.count), nil, nil, nil, 0) != 0 {
            throw SystemError("mount a read-only overlay", path: mountpoint)
        }
        let fd = Glibc.open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let failure = fd < 0 ? SystemError("open", path: mountpoint) : nil
        umount2(mountpoint, Int32(MNT_DETACH))
        if let failure { throw failure }
        return fd
    }
}
