import CArchive
import Crypto
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The uncompressed bytes of a layer blob, read once and hashed as they pass.
///
/// A filter-only libarchive reader (gzip, zstd or none, detected by content; the "raw" format) turns the
/// blob into its tar stream. The tar reader that unpacks the layer pulls its input from here through
/// `archive_read_open` callbacks, so every uncompressed byte is decompressed once and hashed once, and the
/// diff ID is ready when the tar reader is done (after `drain()` hashes any padding it did not ask for).
final class DecompressedStream {
    private let archive: OpaquePointer
    private let fd: Int32
    private let layer: String
    private(set) var hasher = SHA256()
    private(set) var uncompressedBytes: Int64 = 0
    private(set) var finished = false
    /// The reader's message when reading failed (libarchive's, e.g. "truncated gzip input").
    private(set) var failure: String?

    init(path: String, layer: String, blockSize: Int = 1 << 20) throws(LayerError) {
        guard let a = archive_read_new() else {
            throw LayerError(layer: layer, .system(SystemError("archive_read_new", errno: ENOMEM), entry: nil))
        }
        archive = a
        self.layer = layer
        archive_read_support_filter_gzip(a)
        archive_read_support_filter_zstd(a)
        archive_read_support_filter_xz(a)
        archive_read_support_filter_bzip2(a)
        archive_read_support_format_raw(a)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = SystemError("open", path: path)
            archive_read_free(a)
            throw LayerError(layer: layer, .system(e, entry: nil))
        }
        self.fd = fd
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        if archive_read_open_fd(a, fd, blockSize) != ARCHIVE_OK {
            let message = Self.message(a)
            archive_read_free(a)
            close(fd)
            throw LayerError(layer: layer, .corrupt(detail: message))
        }
        let entry = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
        defer { entry.deallocate() }
        let r = archive_read_next_header(a, entry)
        if r != ARCHIVE_OK && r != ARCHIVE_WARN {
            let message = r == ARCHIVE_EOF ? "the blob is empty" : Self.message(a)
            archive_read_free(a)
            close(fd)
            throw LayerError(layer: layer, .corrupt(detail: message))
        }
    }

    deinit {
        archive_read_free(archive)
        close(fd)
    }

    /// The compression found: "gzip", "zstd", "none", ….
    var compression: String {
        guard let name = archive_filter_name(archive, 0) else { return "none" }
        return String(cString: name)
    }

    /// Compressed bytes consumed so far.
    var compressedBytes: Int64 {
        archive_filter_bytes(archive, -1)
    }

    /// The next block of uncompressed bytes, hashed; an empty buffer at the end; nil on a read error
    /// (then `failure` says why). The buffer stays valid until the next call.
    func next() -> UnsafeRawBufferPointer? {
        if finished { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        let r = archive_read_data_block(archive, &buffer, &size, &offset)
        if r == ARCHIVE_EOF {
            finished = true
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        if r != ARCHIVE_OK && r != ARCHIVE_WARN {
            failure = Self.message(archive)
            return nil
        }
        let block = UnsafeRawBufferPointer(start: buffer, count: size)
        hasher.update(bufferPointer: block)
        uncompressedBytes += Int64(size)
        return block
    }

    /// Read and hash whatever the tar reader left (end-of-archive padding), so the diff ID covers the
    /// whole uncompressed stream.
    func drain() throws(LayerError) {
        while true {
            guard let block = next() else {
                throw LayerError(layer: layer, .corrupt(detail: failure ?? "read error"))
            }
            if block.count == 0 { return }
        }
    }

    var diffID: String { LayerDigest.string(hasher) }

    static func message(_ a: OpaquePointer) -> String {
        if let s = archive_error_string(a) { return String(cString: s) }
        return "unknown libarchive error"
    }
}
