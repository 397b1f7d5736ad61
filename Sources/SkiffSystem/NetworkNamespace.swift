import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// Network namespaces kept by a file (as `ip netns add` does).
public enum NetworkNamespace {
    /// Make a new network namespace and bind-mount it on `path`. A namespace file left at `path` (by a
    /// crash) is removed first. The caller's own namespace never changes.
    public static func create(at path: String) throws(SystemError) {
        var rc = csys_netns_create(path)
        if rc == -EEXIST {
            _ = csys_netns_remove(path)
            rc = csys_netns_create(path)
        }
        if rc != 0 { throw SystemError("create network namespace", path: path, errno: -rc) }
    }

    /// Unmount and unlink a namespace file; a missing one is no error.
    public static func remove(at path: String) {
        _ = csys_netns_remove(path)
    }

    /// Move the calling thread into the network namespace `fd` refers to. False with errno set on failure.
    public static func enter(_ fd: Int32) -> Bool {
        csys_setns_net(fd) == 0
    }

    /// The MTU of network device `name` in the calling thread's namespace, nil when there is none.
    /// (/sys/class/net would show the namespace of whoever mounted /sys.)
    public static func mtu(ofLink name: String) -> Int? {
        let mtu = csys_link_mtu(name)
        return mtu > 0 ? Int(mtu) : nil
    }
}
