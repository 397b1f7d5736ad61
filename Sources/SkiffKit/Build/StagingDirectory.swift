import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The directory a new layer is written into (COPY, ADD, WORKDIR; a container's working directory in
/// its upper layer). Every write opens the parent with openat2 beneath the directory refusing symlinks,
/// then acts on the last name with *at calls that do not follow it: a symlink that an earlier source
/// put in the layer (`evil -> /etc`) can never carry a later write to the host.
final class StagingDirectory {
    let path: String
    let root: RootDirectory

    init(_ path: String) throws(BuildError) {
        self.path = path
        do { root = try RootDirectory(path) } catch { throw .wrap(error) }
    }

    /// The parent of `relative` (absolute in the image: "/a/b") opened as a directory, and the last name.
    private func parent(_ relative: String) throws(BuildError) -> (fd: Int32, name: String) {
        let parts = relative.split(separator: "/").map(String.init)
        guard let name = parts.last else { throw .context("cannot write to / of a layer") }
        let fd = root.open(
            parts.dropLast().joined(separator: "/"), flags: ResolvedOpen.pathOnly | O_DIRECTORY | O_NOFOLLOW)
        guard fd >= 0 else {
            let reason =
                errno == ELOOP || errno == ENOTDIR
                ? "a parent is a symlink or file in this layer" : String(cString: strerror(errno))
            throw .context("cannot write \(relative): \(reason)")
        }
        return (fd, name)
    }

    func lstat(_ relative: String) -> stat? {
        root.lstat(String(relative.drop { $0 == "/" }))
    }

    func makeDirectory(_ relative: String, mode: mode_t) throws(BuildError) {
        let (fd, name) = try parent(relative)
        defer { close(fd) }
        guard mkdirat(fd, name, mode) == 0 else { throw .wrap(SystemError("mkdir", path: path + relative)) }
        fchmodat(fd, name, mode, 0)
    }

    /// A new regular file (whatever was at the name that is not a directory is replaced).
    func writeFile(_ relative: String, bytes: [UInt8], mode: mode_t) throws(BuildError) {
        let fd = try createFile(relative)
        defer { close(fd) }
        do { try FileIO.writeAll(fd: fd, bytes: bytes, path: path + relative) } catch { throw .wrap(error) }
        fchmod(fd, mode)
    }

    /// A new, empty regular file opened for writing, made where nothing but a directory may stand.
    private func createFile(_ relative: String) throws(BuildError) -> Int32 {
        let (dir, name) = try parent(relative)
        defer { close(dir) }
        removeNonDirectory(dir, name)
        let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .wrap(SystemError("create", path: path + relative)) }
        return fd
    }

    /// A regular file with the bytes read from `source` (copied by the kernel where it can, never held
    /// in memory whole: a build context's file may be larger than memory).
    func copyFile(_ relative: String, from source: Int32, mode: mode_t) throws(BuildError) {
        let fd = try createFile(relative)
        defer { close(fd) }
        while true {
            let n = FileRange.copy(from: source, to: fd, count: 1 << 30)
            if n > 0 { continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            if errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP {
                try copyByReading(source, to: fd, relative)
                break
            }
            throw .wrap(SystemError("copy_file_range", path: path + relative))
        }
        fchmod(fd, mode)
    }

    private func copyByReading(_ source: Int32, to fd: Int32, _ relative: String) throws(BuildError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .wrap(SystemError("read", path: relative))
            }
            if n == 0 { return }
            do { try FileIO.writeAll(fd: fd, bytes: buffer[0..<n], path: path + relative) } catch { throw .wrap(error) }
        }
    }

    /// A device node or fifo (what was at the name that is not a directory is replaced).
    func makeNode(_ relative: String, mode: mode_t, device: dev_t) throws(BuildError) {
        let (dir, name) = try parent(relative)
        defer { close(dir) }
        removeNonDirectory(dir, name)
        guard mknodat(dir, name, mode, device) == 0 else { throw .wrap(SystemError("mknod", path: path + relative)) }
    }

    func makeSymlink(_ relative: String, target: String) throws(BuildError) {
        let (dir, name) = try parent(relative)
        defer { close(dir) }
        removeNonDirectory(dir, name)
        guard symlinkat(target, dir, name) == 0 else { throw .wrap(SystemError("symlink", path: path + relative)) }
    }

    /// Make `relative` a directory: kept if it is one, else what is there is replaced.
    func replaceWithDirectory(_ relative: String) throws(BuildError) {
        if let st = lstat(relative), (st.st_mode & S_IFMT) == S_IFDIR { return }
        let (dir, name) = try parent(relative)
        defer { close(dir) }
        removeNonDirectory(dir, name)
        guard mkdirat(dir, name, 0o700) == 0 else { throw .wrap(SystemError("mkdir", path: path + relative)) }
    }

    /// Owner, then mode (not for a symlink), then times, of what is at `relative`, without following it.
    func setMetadata(_ relative: String, owner: (uid: UInt32, gid: UInt32)?, mode: mode_t?, times: [timespec]?) {
        guard let (dir, name) = try? parent(relative) else { return }
        defer { close(dir) }
        if let owner { fchownat(dir, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) }
        var st = stat()
        if let mode, fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) != S_IFLNK {
            fchmodat(dir, name, mode, 0)
        }
        if var times { utimensat(dir, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    /// Remove the file (`directory`: the empty directory) at `relative`, never through a symlink.
    func remove(_ relative: String, directory: Bool = false) {
        guard let (dir, name) = try? parent(relative) else { return }
        defer { close(dir) }
        unlinkat(dir, name, directory ? AT_REMOVEDIR : 0)
    }

    /// The names in the directory at `relative` (empty when it is not a real directory there).
    func list(_ relative: String) -> [String] {
        let fd = root.open(String(relative.drop { $0 == "/" }), flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        return fd < 0 ? [] : DirectoryListing.names(fd: fd)
    }

    private func removeNonDirectory(_ dir: Int32, _ name: String) {
        var st = stat()
        if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
            unlinkat(dir, name, 0)
        }
    }
}
