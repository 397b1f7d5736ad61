import CArchive
import Crypto
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Gzip-compresses a byte stream straight into the content store: libarchive's gzip filter (raw format, no
/// tar framing) hands its output to a `BlobWriter`, which hashes and writes it. The uncompressed bytes are
/// hashed as they come in, so the diff ID and the blob digest are both known at the end, with nothing held
/// in memory.
final class GzipBlobWriter {
    private final class Sink {
        let blob: BlobWriter
        var error: ImageError?
        init(blob: BlobWriter) { self.blob = blob }
    }

    private let archive: OpaquePointer
    private let sink: Sink
    private var hasher = SHA256()
    private(set) var uncompressedSize: Int64 = 0
    private var closed = false

    init(content: ContentStore) throws(ImageError) {
        sink = Sink(blob: try BlobWriter(store: content, expected: nil, expectedSize: nil))
        guard let a = archive_write_new() else { throw .system(SystemError("archive_write_new", errno: ENOMEM)) }
        archive = a
        archive_write_set_format_raw(a)
        archive_write_add_filter_gzip(a)
        // No mtime in the gzip header: the same tar gives the same blob.
        _ = archive_write_set_filter_option(a, "gzip", "timestamp", nil)
        archive_write_set_bytes_per_block(a, 1 << 16)
        archive_write_set_bytes_in_last_block(a, 1)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let r = archive_write_open(
            a, context, nil,
            { _, context, buffer, length in
                let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                do throws(ImageError) {
                    try sink.blob.write(UnsafeRawBufferPointer(start: buffer, count: length))
                    return la_ssize_t(length)
                } catch {
                    sink.error = error
                    return -1
                }
            }, nil)
        if r != ARCHIVE_OK { throw failure("open") }
        guard let entry = archive_entry_new() else { throw .system(SystemError("archive_entry_new", errno: ENOMEM)) }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, "layer.tar")
        archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        archive_entry_set_perm(entry, 0o644)
        if archive_write_header(a, entry) != ARCHIVE_OK { throw failure("start") }
    }

    deinit {
        if !closed {
            archive_write_close(archive)
            sink.blob.abort()
        }
        archive_write_free(archive)
    }

    func write(_ block: UnsafeRawBufferPointer) throws(ImageError) {
        hasher.update(bufferPointer: block)
        uncompressedSize += Int64(block.count)
        let n = archive_write_data(archive, block.baseAddress, block.count)
        if n != block.count { throw failure("compress") }
    }

    /// Finish the gzip stream and commit the blob: (blob digest, compressed size, diff ID).
    func commit() throws(ImageError) -> (digest: Digest, size: Int64, diffID: Digest) {
        closed = true
        if archive_write_close(archive) != ARCHIVE_OK {
            sink.blob.abort()
            throw failure("finish")
        }
        let digest = try sink.blob.commit()
        return (digest, sink.blob.written, Digest(finalized: hasher))
    }

    private func failure(_ step: String) -> ImageError {
        if let e = sink.error { return e }
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        return .invalidContent("gzip \(step): \(message)")
    }
}
