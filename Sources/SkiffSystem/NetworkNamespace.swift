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

    /// Run `body` on the calling thread inside the network namespace of the file at `path` (a netns
    /// file, /proc/PID/ns/net), then bring the thread back to its own. What `body` makes there stays
    /// there: a socket, a process spawned, a /proc/sys/net file opened. A namespace that cannot be
    /// entered is `failure`'s error; a thread that cannot come back ends the process (exit 125), since
    /// everything else it did would happen in the container's namespace.
    public static func inside<T, E: Error>(
        namespaceAt path: String, orElse failure: (SystemError) -> E, _ body: () throws(E) -> T
    ) throws(E) -> T {
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw failure(SystemError("enter network namespace", path: path)) }
        defer { close(target) }
        return try inside(namespace: target, path: path, orElse: failure, body)
    }

    /// `inside(namespace:orElse:)` for work that cannot fail: nil when the namespace cannot be entered.
    public static func inside<T>(namespace fd: Int32, _ body: () -> T) -> T? {
        try? inside(namespace: fd, orElse: { $0 }, { () throws(SystemError) in body() })
    }

    /// `inside(namespaceAt:)` for a namespace already open as `fd` (`path` only names it in an error).
    public static func inside<T, E: Error>(
        namespace fd: Int32, path: String? = nil, orElse failure: (SystemError) -> E, _ body: () throws(E) -> T
    ) throws(E) -> T {
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard own >= 0, enter(fd) else {
            let error = SystemError("enter network namespace", path: path)
            if own >= 0 { close(own) }
            throw failure(error)
        }
        defer {
            if !enter(own) {
                let message = "skiff: cannot return to the host's network namespace\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                _exit(125)
            }
            close(own)
        }
        return try body()
    }

    /// The MTU of network device `name` in the calling thread's namespace, nil when there is none.
    /// (/sys/class/net would show the namespace of whoever mounted /sys.)
    public static func mtu(ofLink name: String) -> Int? {
        let mtu = csys_link_mtu(name)
        return mtu > 0 ? Int(mtu) : nil
    }
}
