import Logging
import SkiffExplain

#if canImport(Glibc)
import Glibc
#endif

/// How a new process (a container's init or an exec) enters the container's cgroup without the cost of
/// writing its pid to cgroup.procs.
///
/// A pid written to cgroup.procs makes the kernel take its host-wide cgroup lock for writing, which
/// waits out an RCU grace period: 7 to 20 ms per start on this 2-core machine, more than the rest of a
/// start together. Two ways in avoid it:
/// - cgroup v1: the child, before anything else, writes "0" to each hierarchy's `tasks` file (moving
///   only the calling thread, which needs no global lock; the child has one thread);
/// - cgroup2: clone3 with CLONE_INTO_CGROUP makes the child in its directory.
///
/// The files are opened here, by the parent (the kernel checks the opener's credentials), and handed
/// to the child as plain fds. On a kernel without CLONE_INTO_CGROUP (before 5.7) the parent writes the
/// pid to the cgroup2 directory's cgroup.procs while the child waits; a fake tree (tests) is joined the
/// old way too.
public final class CgroupJoin {
    /// Open `tasks` files of the v1 hierarchies, for the child to write "0" to.
    public private(set) var taskFDs: [Int32] = []
    /// The cgroup2 directory, opened for CLONE_INTO_CGROUP; -1 for none.
    public private(set) var unifiedFD: Int32 = -1
    private let manager: CgroupManager

    /// Open the join files of `manager`'s cgroup (made by `create`). Nothing is opened for a fake tree.
    public init(_ manager: CgroupManager) throws(CgroupError) {
        self.manager = manager
        guard !manager.fakeFilesystem else { return }
        for (dir, isUnified) in manager.directoriesWithVersion {
            let path = isUnified ? dir : dir + "/tasks"
            let fd = open(path, isUnified ? (O_RDONLY | O_DIRECTORY | O_CLOEXEC) : (O_WRONLY | O_CLOEXEC))
            if fd < 0 {
                let err = errno
                close()
                throw .writeFailed(path: path, value: "0", errno: err)
            }
            if isUnified { unifiedFD = fd } else { taskFDs.append(fd) }
        }
    }

    /// After the spawn: move `pid` where the child could not join by itself (a cgroup2 directory it was
    /// not born in, or every directory of a fake tree), and tell `--explain` where it went.
    public func finish(pid: Int32, bornInUnified: Bool, logger: Logger) throws(CgroupError) {
        if manager.fakeFilesystem {
            try manager.addProcess(pid: pid)
            return
        }
        for (dir, isUnified) in manager.directoriesWithVersion {
            if isUnified && !bornInUnified {
                try manager.addProcess(pid: pid, toDirectory: dir)
            } else if logger.isExplaining {
                logger.explain(.cgroupJoined(pid: pid, directory: dir))
            }
        }
    }

    /// Close every file (the child has its own copies).
    public func close() {
        for fd in taskFDs { _ = Glibc.close(fd) }
        taskFDs = []
        if unifiedFD >= 0 { _ = Glibc.close(unifiedFD) }
        unifiedFD = -1
    }

    deinit { close() }
}
