import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--storage-opt size=` carried out: the container's upper and work directories share a project ID of
/// their own (inherited by all made under them, so overlay's copy-ups and the container's writes count)
/// and that project gets the limit; `rm` sets the limit back to 0, leaving nothing in the quota file.
/// The ID is drawn under a lock in the state root, so concurrent creates never share one.
struct ContainerStorageQuota {
    /// The state root: its filesystem holds the containers' directories, and its files the counter.
    let root: String

    var lockPath: String { root + "/quota.lock" }
    var counterPath: String { root + "/quota-projid" }

    /// Put `directories` in a new project limited to `bytes`; the project ID.
    @discardableResult
    func apply(bytes: UInt64, to directories: [String]) throws(KitError) -> UInt32 {
        do {
            let quota = try ProjectQuota(filesystemOf: root)
            guard try quota.isEnforced() else {
                throw KitError.unsupported(
                    "\(StorageOptions.unsupportedText) (project quotas are not enforced on the filesystem of \(root))")
            }
            let lock = try FileLock(lockPath)
            defer { lock.unlock() }
            guard let id = try draw(quota) else {
                throw KitError.unsupported(
                    "--storage-opt size=: no free project ID is left on the filesystem of \(root)")
            }
            try FileIO.writeAtomically(counterPath, contents: Array(ProjectIDPolicy.counterText(id).utf8), mode: 0o600)
            for directory in directories { try ProjectQuota.setProjectID(id, on: directory) }
            try quota.setLimit(project: id, bytes: bytes)
            return id
        } catch let error as KitError {
            throw error
        } catch let error as SystemError {
            throw .system(SystemError("--storage-opt size=: " + error.operation, path: error.path, errno: error.errno))
        } catch {
            throw .usage("--storage-opt size=: \(error)")
        }
    }

    /// The next free project ID above the counter and the state root's own ID (nil: none is left).
    private func draw(_ quota: ProjectQuota) throws(SystemError) -> UInt32? {
        let floor = try ProjectQuota.projectID(of: root).id
        let last = ProjectIDPolicy.counter(from: try? FileIO.readString(counterPath))
        let drawn = try ProjectIDPolicy.next(after: last, floor: floor) { (id) throws(SystemError) -> Bool in
            guard let u = try quota.usage(project: id) else { return true }
            return ProjectIDPolicy.isFree(
                hardLimit: u.hardLimitBytes, softLimit: u.softLimitBytes, usedBytes: u.usedBytes,
                usedInodes: u.usedInodes)
        }
        if case .success(let id) = drawn { return id }
        return nil
    }

    /// Clear the limit of the project `upper` is in (a container created with `size=`). Best effort: a
    /// removal does not fail over it.
    func release(upper: String) {
        guard let id = try? ProjectQuota.projectID(of: upper).id, id != 0,
            id != (try? ProjectQuota.projectID(of: root).id),
            let quota = try? ProjectQuota(filesystemOf: root)
        else { return }
        try? quota.setLimit(project: id, bytes: 0)
    }
}
