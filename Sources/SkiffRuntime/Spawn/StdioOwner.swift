import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// Who gets the process's stdio pipes, in host ids. A pipe belongs to the root that made it with mode
/// 0600, so a process running as another user cannot reopen it (`/dev/stdout` is `/proc/self/fd/1`):
/// nginx's "log to /dev/stdout" fails with EACCES. runc gives the pipes to the process's user; so does
/// Skiff, for anonymous pipes only (never a file or terminal the caller passed).
public struct StdioOwner: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// The host ids of a process user (ids inside the container, mapped when it has a user namespace),
    /// or nil when nothing is to change (root) or the ids have no host counterpart.
    public static func forProcess(
        uid: UInt32, gid: UInt32, uidMappings: [LinuxIDMapping] = [],
        gidMappings: [LinuxIDMapping] = []
    ) -> StdioOwner? {
        guard let hostUID = hostID(uid, uidMappings), let hostGID = hostID(gid, gidMappings) else { return nil }
        if hostUID == 0 && hostGID == 0 { return nil }
        return StdioOwner(uid: hostUID, gid: hostGID)
    }

    static func hostID(_ id: UInt32, _ mappings: [LinuxIDMapping]) -> UInt32? {
        if mappings.isEmpty { return id }
        for m in mappings where id >= m.containerID && UInt64(id) < UInt64(m.containerID) + UInt64(m.size) {
            return m.hostID + (id - m.containerID)
        }
        return nil
    }

    /// Give the anonymous pipes among `fds` (-1: ours, inherited by the child) to this owner.
    func give(_ fds: [Int32]) throws(SpawnError) {
        for (index, fd) in fds.enumerated() {
            let target = fd >= 0 ? fd : Int32(index)
            guard Self.isAnonymousPipe(target) else { continue }
            if fchown(target, uid, gid) != 0 {
                throw .system(SystemError("give the process's stdio pipe (fd \(target)) to uid \(uid)"))
            }
        }
    }

    /// A pipe from pipe(2), not a named FIFO on some filesystem: its /proc link reads "pipe:[INODE]".
    static func isAnonymousPipe(_ fd: Int32) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFIFO else { return false }
        var link = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/self/fd/\(fd)", &link, link.count - 1)
        return n > 0 && String(decoding: link[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("pipe:")
    }
}
