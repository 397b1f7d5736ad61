import CArchive
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A tar stream read through libarchive from a file descriptor (a file or a pipe), plain or compressed
/// (gzip, zstd, xz, bzip2 — detected from the content). Entries come one at a time and their data is
/// read in blocks, so an archive of any size is read with constant memory.
final class TarStreamReader {
    struct Entry {
        enum Kind: Equatable { case file, directory, symlink, hardlink, other(mode_t) }
        var path: String
        var kind: Kind
        var size: Int64
        /// Symlink target, or the archive path a hard link points to.
        var linkTarget: String?
        /// Permission bits (with setuid, setgid and sticky).
        var mode: mode_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        /// Modification time (seconds, nanoseconds); nil when the header has none.
        var mtime: timespec?
        /// A device's major and minor numbers.
        var deviceMajor: UInt32 = 0
        var deviceMinor: UInt32 = 0
    }

    private let archive: OpaquePointer
    private let what: String

    /// Read from `fd` (not closed here). `what` names the source in errors.
    init(fd: Int32, what: String) throws(ImageError) {
        guard let a = archive_read_new() else { throw .system(SystemError("archive_read_new", errno: ENOMEM)) }
        archive = a
        self.what = what
        archive_read_support_filter_gzip(a)
        archive_read_support_filter_zstd(a)
        archive_read_support_filter_xz(a)
        archive_read_support_filter_bzip2(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_gnutar(a)
        if CancellableArchiveInput.open(a, fd: fd) != ARCHIVE_OK {
            // deinit frees the handle.
            throw failure("open")
        }
    }

    deinit {
        archive_read_free(archive)
    }

    /// The next entry's header, nil at the end of the archive.
    func next() throws(ImageError) -> Entry? {
        var entry: OpaquePointer?
        let r = archive_read_next_header(archive, &entry)
        if Cancellation.isCancelled { throw .system(.cancelled) }
        if r == ARCHIVE_EOF { return nil }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else { throw failure("read entry") }
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let type = archive_entry_filetype(entry)
        var kind: Entry.Kind
        var target: String?
        if let hard = archive_entry_hardlink(entry) {
            kind = .hardlink
            target = String(cString: hard)
        } else {
            switch mode_t(type) {
            case Glibc.S_IFREG: kind = .file
            case Glibc.S_IFDIR: kind = .directory
            case Glibc.S_IFLNK:
                kind = .symlink
                target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            default: kind = .other(mode_t(type))
            }
        }
        var e = Entry(path: path, kind: kind, size: archive_entry_size(entry), linkTarget: target)
        e.mode = mode_t(archive_entry_perm(entry)) & 0o7777
        e.uid = uid_t(truncatingIfNeeded: archive_entry_uid(entry))
        e.gid = gid_t(truncatingIfNeeded: archive_entry_gid(entry))
        if archive_entry_mtime_is_set(entry) != 0 {
            e.mtime = timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry))
        }
        e.deviceMajor = UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry))
        e.deviceMinor = UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry))
        return e
    }

    /// Hand the current entry's data to `body` block by block.
    func readData(_ body: (UnsafeRawBufferPointer) throws(ImageError) -> Void) throws(ImageError) {
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let r = archive_read_data_block(archive, &buffer, &size, &offset)
            if Cancellation.isCancelled { throw .system(.cancelled) }
            if r == ARCHIVE_EOF { return }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure("read data") }
            if size > 0 { try body(UnsafeRawBufferPointer(start: buffer, count: size)) }
        }
    }

    /// Read the current entry into memory (small files: JSON documents), at most `limit` bytes.
    func readAll(limit: Int, name: String) throws(ImageError) -> [UInt8] {
        var out: [UInt8] = []
        try readData { (block) throws(ImageError) in
            if out.count + block.count > limit {
                throw .invalidContent("\(what): \(name) is larger than \(limit) bytes, too large for a metadata file")
            }
            out.append(contentsOf: block)
        }
        return out
    }

    private func failure(_ step: String) -> ImageError {
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        return .invalidContent("\(what): cannot \(step): \(message) (not a tar archive, or a truncated or corrupt one)")
    }
}
