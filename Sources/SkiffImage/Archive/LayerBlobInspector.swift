import CArchive
import Crypto
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What a layer blob on disk is: its compression (from its first bytes) and its diff ID (the sha256 of the
/// uncompressed tar), which an image config lists and a loader must check.
enum LayerBlobInspector {
    enum Compression: String { case none, gzip, zstd, xz, bzip2 }

    static func compression(of path: String) throws(ImageError) -> Compression {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: path)) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 6)
        let n = magic.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 6) }
        if n < 0 { throw .system(SystemError("read", path: path)) }
        return compression(magic: Array(magic.prefix(max(n, 0))))
    }

    static func compression(magic m: [UInt8]) -> Compression {
        if m.starts(with: [0x1f, 0x8b]) { return .gzip }
        if m.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if m.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        if m.starts(with: Array("BZh".utf8)) { return .bzip2 }
        return .none
    }

    /// The OCI media type for a layer stored with this compression.
    static func mediaType(_ c: Compression, what: String) throws(ImageError) -> String {
        switch c {
        case .none: return MediaType.ociLayer
        case .gzip: return MediaType.ociLayerGzip
        case .zstd: return MediaType.ociLayerZstd
        case .xz, .bzip2:
            throw .unsupported("\(what) is compressed with \(c.rawValue); image layers may be plain, gzip or zstd")
        }
    }

    /// The diff ID of a layer blob whose (compressed) digest is `digest`: the same digest when the blob is a
    /// plain tar, else the sha256 of its decompressed bytes.
    static func diffID(of path: String, digest: Digest, what: String) throws(ImageError) -> (
        diffID: Digest, compression: Compression
    ) {
        let c = try compression(of: path)
        if c == .none { return (digest, c) }
        guard let a = archive_read_new() else { throw .system(SystemError("archive_read_new", errno: ENOMEM)) }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_raw(a)
        func failure() -> ImageError {
            let message = archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
            return .invalidContent("\(what): cannot decompress the \(c.rawValue) layer: \(message) (corrupt data)")
        }
        if archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK { throw failure() }
        var entry: OpaquePointer?
        guard archive_read_next_header(a, &entry) == ARCHIVE_OK else { throw failure() }
        var hasher = SHA256()
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let r = archive_read_data_block(a, &buffer, &size, &offset)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure() }
            if size > 0 { hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: size)) }
        }
        return (Digest(finalized: hasher), c)
    }
}
