import CArchive
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A tar stream written to a file descriptor through libarchive (pax format, no compression), entry by
/// entry: file contents are copied from disk in 1 MiB blocks, so an archive of any size is written with
/// constant memory. Entries are owned by root with a fixed mtime, so the same images give the same bytes.
final class TarStreamWriter {
    private let archive: OpaquePointer
    private let what: String
    private var closed = false
    /// The mtime every entry gets (Docker writes the epoch too).
    var mtime: Int = 0

    /// Write to `fd` (not closed here). `what` names the destination in errors.
    init(fd: Int32, what: String) throws(ImageError) {
        guard let a = archive_write_new() else { throw .system(SystemError("archive_write_new", errno: ENOMEM)) }
        archive = a
        self.what = what
        archive_write_set_format_pax_restricted(a)
        // No padding of the last block beyond the tar format's own end marker.
        archive_write_set_bytes_in_last_block(a, 1)
        if archive_write_open_fd(a, fd) != ARCHIVE_OK {
            // deinit frees the handle.
            throw failure("open")
        }
    }

    deinit {
        if !closed { archive_write_close(archive) }
        archive_write_free(archive)
    }

    func addDirectory(_ name: String) throws(ImageError) {
        try header(name, type: Glibc.S_IFDIR, mode: 0o755, size: 0)
    }

    func addFile(_ name: String, bytes: [UInt8]) throws(ImageError) {
        try header(name, type: Glibc.S_IFREG, mode: 0o644, size: Int64(bytes.count))
        if !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            if n != bytes.count { throw failure("write \(name)") }
        }
    }

    /// Copy the file at `path` in as `name`; its size is checked against what was read.
    func addFile(_ name: String, from path: String) throws(ImageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: path)) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .system(SystemError("stat", path: path)) }
        let size = Int64(st.st_size)
        try header(name, type: Glibc.S_IFREG, mode: 0o644, size: size)
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied: Int64 = 0
        while copied < size {
            let n = buffer.withUnsafeMutableBytes {
                Glibc.read(fd, $0.baseAddress, Int(min(Int64($0.count), size - copied)))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("read", path: path))
            }
            if n == 0 { throw .invalidContent("\(path) shrank while it was being archived") }
            let w = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, n) }
            if w != n { throw failure("write \(name)") }
            copied += Int64(n)
        }
    }

    /// Write the end of the archive.
    func finish() throws(ImageError) {
        closed = true
        if archive_write_close(archive) != ARCHIVE_OK { throw failure("finish") }
    }

    private func header(_ name: String, type: mode_t, mode: mode_t, size: Int64) throws(ImageError) {
        guard let entry = archive_entry_new() else { throw .system(SystemError("archive_entry_new", errno: ENOMEM)) }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_filetype(entry, UInt32(type))
        archive_entry_set_perm(entry, mode)
        archive_entry_set_size(entry, size)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, mtime, 0)
        if archive_write_header(archive, entry) != ARCHIVE_OK { throw failure("write header of \(name)") }
    }

    private func failure(_ step: String) -> ImageError {
        let errno = archive_errno(archive)
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        if errno > 0 { return .system(SystemError("\(step) (\(message))", path: what, errno: errno)) }
        return .invalidContent("\(what): \(step): \(message)")
    }
}
