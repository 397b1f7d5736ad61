import CArchive
import CSystem
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A whole directory tree as an uncompressed tar (`skiff export`, Docker's `docker export`): names relative
/// to the tree (`bin`, `bin/sh`), numeric owners, modes, mtimes, xattrs, symlinks, devices and hard links
/// kept. The tree is a container's, so it is walked by directory fd only (openat with O_NOFOLLOW, fstatat
/// with AT_SYMLINK_NOFOLLOW): a symlink in it is written as a symlink and never followed.
public enum TreeArchive {
    /// Write the tree under the directory `root` (an open fd, not closed here) to `output`.
    /// `what` names the destination in errors.
    public static func write(root: Int32, to output: Int32, what: String) throws(ImageError) {
        let writer = try Writer(output: output, what: what)
        try writer.children(of: root, relative: "")
        try writer.finish()
    }

    /// Write the entry `name` of the directory `parent` (an open fd, not closed here), and everything under
    /// it, named `archiveName` in the archive (`archiveName/…` below it), as `docker cp CONTAINER:PATH -`
    /// streams PATH. `name` "." is the directory itself.
    public static func write(_ name: String, in parent: Int32, as archiveName: String, to output: Int32, what: String)
        throws(ImageError)
    {
        let writer = try Writer(output: output, what: what)
        try writer.add(name, in: parent, relative: archiveName)
        try writer.finish()
    }

    private final class Writer {
        let archive: OpaquePointer
        let entry: OpaquePointer
        let what: String
        var closed = false
        var linkTargets: [Key: String] = [:]
        var buffer = [UInt8](repeating: 0, count: 1 << 20)

        struct Key: Hashable {
            var device: UInt64
            var inode: UInt64
        }

        init(output: Int32, what: String) throws(ImageError) {
            guard let a = archive_write_new(), let e = archive_entry_new() else {
                throw .system(SystemError("archive_write_new", errno: ENOMEM))
            }
            archive = a
            entry = e
            self.what = what
            archive_write_set_format_pax_restricted(a)
            archive_write_set_bytes_in_last_block(a, 1)
            if archive_write_open_fd(a, output) != ARCHIVE_OK { throw failure("open") }
        }

        deinit {
            if !closed { archive_write_close(archive) }
            archive_write_free(archive)
            archive_entry_free(entry)
        }

        func failure(_ step: String) -> ImageError {
            let message = archive_error_string(archive).map { String(cString: $0) } ?? "libarchive error"
            let code = archive_errno(archive)
            return .system(SystemError("\(step) (\(what)): \(message)", errno: code > 0 ? code : EIO))
        }

        func finish() throws(ImageError) {
            closed = true
            if archive_write_close(archive) != ARCHIVE_OK { throw failure("finish") }
        }

        func children(of dir: Int32, relative: String) throws(ImageError) {
            let names = try WritableLayer.sortedNames(dir, path: relative)
            for name in names {
                if Cancellation.isCancelled { throw .system(.cancelled) }
                try add(name, in: dir, relative: relative.isEmpty ? name : relative + "/" + name)
            }
        }

        func add(_ name: String, in dir: Int32, relative: String) throws(ImageError) {
            var st = stat()
            if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                if errno == ENOENT { return }  // gone meanwhile (a running container)
                throw .system(SystemError("stat", path: "/" + relative))
            }
            let type = st.st_mode & S_IFMT
            if type == S_IFSOCK { return }  // a socket has no place in an archive
            archive_entry_clear(entry)
            archive_entry_set_pathname(entry, relative)
            archive_entry_set_uid(entry, Int64(st.st_uid))
            archive_entry_set_gid(entry, Int64(st.st_gid))
            archive_entry_set_perm(entry, st.st_mode & 0o7777)
            archive_entry_set_mtime(entry, st.st_mtim.tv_sec, 0)
            archive_entry_set_filetype(entry, UInt32(type))
            for (key, value) in xattrs(dir, name) {
                value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, key, $0.baseAddress, $0.count) }
            }
            var data: Int32 = -1
            defer { if data >= 0 { close(data) } }
            switch type {
            case S_IFREG:
                let key = Key(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                if st.st_nlink > 1, let first = linkTargets[key] {
                    archive_entry_set_hardlink(entry, first)
                    archive_entry_set_size(entry, 0)
                } else {
                    if st.st_nlink > 1 { linkTargets[key] = relative }
                    data = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                    if data < 0 { throw .system(SystemError("open", path: "/" + relative)) }
                    archive_entry_set_size(entry, Int64(st.st_size))
                }
            case S_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlinkat(dir, name, &target, Int(PATH_MAX))
                if n < 0 { throw .system(SystemError("readlink", path: "/" + relative)) }
                target[n] = 0
                archive_entry_set_symlink(entry, target)
            case S_IFCHR, S_IFBLK:
                archive_entry_set_rdevmajor(entry, dev_t(LinuxCalls.major(st.st_rdev)))
                archive_entry_set_rdevminor(entry, dev_t(LinuxCalls.minor(st.st_rdev)))
            default:
                break
            }
            let r = archive_write_header(archive, entry)
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure("write /\(relative)") }
            if data >= 0 {
                // Exactly the size the header promised, even if the file changes meanwhile.
                var remaining = Int64(st.st_size)
                while remaining > 0 {
                    let want = Int(min(Int64(buffer.count), remaining))
                    let n = buffer.withUnsafeMutableBytes { read(data, $0.baseAddress, want) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw .system(SystemError("read", path: "/" + relative))
                    }
                    if n == 0 {
                        throw .system(
                            SystemError("read (file changed while exporting)", path: "/" + relative, errno: EIO))
                    }
                    let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, n) }
                    if written < 0 { throw failure("write /\(relative)") }
                    remaining -= Int64(n)
                }
            }
            if type == S_IFDIR {
                let child = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child < 0 { throw .system(SystemError("open", path: "/" + relative)) }
                defer { close(child) }
                try children(of: child, relative: relative)
            }
        }

        /// The xattrs of `name` in `dir`, not following it: the final component is looked up in the
        /// directory the fd names (/proc/self/fd/N), without following a symlink.
        func xattrs(_ dir: Int32, _ name: String) -> [(String, [UInt8])] {
            let path = "/proc/self/fd/\(dir)/\(name)"
            return ExtendedAttributes.names(of: path).sorted().compactMap { key in
                ExtendedAttributes.value(key, of: path).map { (key, $0) }
            }
        }
    }
}
