import CArchive
import CSystem
import Crypto
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The machinery of `LayerPacker`: two chained libarchive writers. The tar writer (pax restricted, no
/// filter) hands its bytes to `TarSink`, which hashes them (diff ID) and feeds them as the single entry of
/// a raw-format writer with the gzip filter, whose output `BlobSink` hashes (digest) and writes to the file.
final class PackWriter {
    private let layer: String
    private let options: LayerPacker.Options
    private let convertWhiteouts: Bool
    private let tar: OpaquePointer
    private let gzip: OpaquePointer
    private let tarSink: TarSink
    private let blobSink: BlobSink
    private let entry: OpaquePointer
    private var entries = 0
    private var closed = false
    /// First path seen for each (device, inode) of files with more than one link.
    private var linkTargets: [FileID: [CChar]] = [:]
    private var readBuffer: UnsafeMutableRawPointer
    private static let readBufferSize = 1 << 20

    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    final class BlobSink {
        let fd: Int32
        var hasher = SHA256()
        var size: Int64 = 0
        var errno: Int32 = 0
        init(fd: Int32) { self.fd = fd }
    }

    final class TarSink {
        let gzip: OpaquePointer
        var hasher = SHA256()
        var size: Int64 = 0
        init(gzip: OpaquePointer) { self.gzip = gzip }
    }

    private static let blobWrite:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> la_ssize_t = {
            _, context, buffer, length in
            let sink = Unmanaged<BlobSink>.fromOpaque(context!).takeUnretainedValue()
            guard let buffer, length > 0 else { return 0 }
            sink.hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: length))
            var done = 0
            while done < length {
                let n = write(sink.fd, buffer + done, length - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    sink.errno = errno
                    return -1
                }
                done += n
            }
            sink.size += Int64(length)
            return length
        }

    private static let tarWrite:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> la_ssize_t = {
            _, context, buffer, length in
            let sink = Unmanaged<TarSink>.fromOpaque(context!).takeUnretainedValue()
            guard let buffer, length > 0 else { return 0 }
            sink.hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: length))
            let n = archive_write_data(sink.gzip, buffer, length)
            if n < 0 { return -1 }
            sink.size += Int64(length)
            return length
        }

    init(output: String, layer: String, options: LayerPacker.Options, convertOverlayWhiteouts: Bool) throws(LayerError)
    {
        self.layer = layer
        self.options = options
        self.convertWhiteouts = convertOverlayWhiteouts
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw LayerError(layer: layer, .system(SystemError("create", path: output), entry: nil)) }
        blobSink = BlobSink(fd: fd)
        gzip = archive_write_new()
        tar = archive_write_new()
        entry = archive_entry_new()
        tarSink = TarSink(gzip: gzip)
        readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 4096)

        archive_write_add_filter_gzip(gzip)
        archive_write_set_filter_option(
            gzip, "gzip", "compression-level", "\(max(1, min(9, options.compressionLevel)))")
        archive_write_set_filter_option(gzip, "gzip", "timestamp", nil)  // no mtime in the gzip header
        archive_write_set_format_raw(gzip)
        archive_write_set_bytes_per_block(gzip, 1 << 16)
        archive_write_set_bytes_in_last_block(gzip, 1)  // no zero padding after the gzip stream
        guard
            archive_write_open(gzip, Unmanaged.passUnretained(blobSink).toOpaque(), nil, Self.blobWrite, nil)
                == ARCHIVE_OK
        else {
            throw failure(gzip)
        }
        archive_entry_set_pathname(entry, "layer.tar")
        archive_entry_set_filetype(entry, UInt32(UnpackWriter.typeRegular))
        archive_entry_set_perm(entry, 0o644)
        guard archive_write_header(gzip, entry) == ARCHIVE_OK else { throw failure(gzip) }
        archive_entry_clear(entry)

        archive_write_set_format_pax_restricted(tar)
        archive_write_set_bytes_per_block(tar, 1 << 16)
        archive_write_set_bytes_in_last_block(tar, 1)  // end with the two zero blocks, no 10 KiB padding
        guard
            archive_write_open(tar, Unmanaged.passUnretained(tarSink).toOpaque(), nil, Self.tarWrite, nil) == ARCHIVE_OK
        else {
            throw failure(tar)
        }
    }

    deinit {
        archive_write_free(tar)
        archive_write_free(gzip)
        archive_entry_free(entry)
        close(blobSink.fd)
        readBuffer.deallocate()
    }

    private func failure(_ a: OpaquePointer, entry name: String? = nil) -> LayerError {
        if blobSink.errno != 0 {
            return LayerError(
                layer: layer, .system(SystemError("write layer blob", errno: blobSink.errno), entry: name))
        }
        let message = archive_error_string(a).map { String(cString: $0) } ?? "libarchive error"
        return LayerError(
            layer: layer,
            .system(SystemError(message, errno: archive_errno(a) > 0 ? archive_errno(a) : EIO), entry: name))
    }

    private func systemFailure(_ operation: String, _ path: [CChar]) -> LayerError {
        let name = Self.text(path)
        return LayerError(layer: layer, .system(SystemError(operation, path: name), entry: name))
    }

    static func text(_ bytes: [CChar]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Walking

    func writeTree(_ directory: String) throws(LayerError) {
        var root = Array(directory.utf8CString)
        while root.count > 2 && root[root.count - 2] == 47 { root.remove(at: root.count - 2) }  // trailing '/'
        var st = stat()
        if lstat(root, &st) != 0 || (st.st_mode & UnpackWriter.typeMask) != UnpackWriter.typeDirectory {
            throw LayerError(
                layer: layer,
                .system(
                    SystemError(
                        "open directory", path: directory,
                        errno: errno == 0 ? ENOTDIR : errno), entry: nil))
        }
        try writeChildren(absolute: root, relative: [0])
    }

    /// Join two NUL-terminated byte paths with '/'.
    private static func join(_ a: [CChar], _ b: [CChar]) -> [CChar] {
        var out = Array(a.dropLast())
        if !out.isEmpty { out.append(47) }
        out.append(contentsOf: b)
        return out
    }

    private func writeChildren(absolute: [CChar], relative: [CChar]) throws(LayerError) {
        let fd = open(absolute, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw systemFailure("open directory", absolute) }
        let names: [[CChar]]
        do {
            names = try DirectoryTree.names(in: fd)
        } catch {
            close(fd)
            throw LayerError(layer: layer, .system(error, entry: Self.text(relative)))
        }
        close(fd)
        let sorted = names.sorted { lhs, rhs in
            lhs.withUnsafeBufferPointer { l in
                rhs.withUnsafeBufferPointer { r in strcmp(l.baseAddress!, r.baseAddress!) < 0 }
            }
        }
        for name in sorted {
            try writeEntry(absolute: Self.join(absolute, name), relative: Self.join(relative, name), name: name)
        }
    }

    private func writeEntry(absolute: [CChar], relative: [CChar], name: [CChar]) throws(LayerError) {
        if Cancellation.isCancelled { throw LayerError(layer: layer, .system(.cancelled, entry: nil)) }
        var st = stat()
        if lstat(absolute, &st) != 0 { throw systemFailure("stat", absolute) }
        let type = st.st_mode & UnpackWriter.typeMask

        if convertWhiteouts && type == UnpackWriter.typeCharacter && st.st_rdev == 0 {
            // Overlay whiteout → OCI ".wh.NAME" beside it.
            var parent = Array(relative.dropLast(name.count))  // "dir/" or ""
            parent.append(contentsOf: Array(".wh.".utf8CString.dropLast()))
            parent.append(contentsOf: name)
            try writeMarker(parent, mtime: Int64(st.st_mtim.tv_sec))
            return
        }

        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, relative)
        archive_entry_set_uid(entry, Int64(st.st_uid))
        archive_entry_set_gid(entry, Int64(st.st_gid))
        archive_entry_set_perm(entry, st.st_mode & 0o7777)
        archive_entry_set_mtime(entry, time_t(clamp(Int64(st.st_mtim.tv_sec))), 0)

        var opaque = false
        let xattrs = try readXattrs(absolute, relative: relative)
        for (xname, value) in xattrs {
            if xname.hasPrefix("trusted.overlay.") || xname.hasPrefix("user.overlay.") {
                if xname == "trusted.overlay.opaque" && value == [121] { opaque = true }
                continue
            }
            value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, xname, $0.baseAddress, $0.count) }
        }

        var dataFD: Int32 = -1
        switch type {
        case UnpackWriter.typeDirectory:
            archive_entry_set_filetype(entry, UInt32(UnpackWriter.typeDirectory))
        case UnpackWriter.typeRegular:
            archive_entry_set_filetype(entry, UInt32(UnpackWriter.typeRegular))
            let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if st.st_nlink > 1, let first = linkTargets[id] {
                archive_entry_set_hardlink(entry, first)
                archive_entry_set_size(entry, 0)
            } else {
                if st.st_nlink > 1 { linkTargets[id] = relative }
                archive_entry_set_size(entry, Int64(st.st_size))
                dataFD = open(absolute, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                if dataFD < 0 { throw systemFailure("open", absolute) }
            }
        case UnpackWriter.typeSymlink:
            archive_entry_set_filetype(entry, UInt32(UnpackWriter.typeSymlink))
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(absolute, &target, Int(PATH_MAX))
            if n < 0 { throw systemFailure("readlink", absolute) }
            target[n] = 0
            archive_entry_set_symlink(entry, target)
        case UnpackWriter.typeCharacter, UnpackWriter.typeBlock, UnpackWriter.typeFIFO:
            archive_entry_set_filetype(entry, UInt32(type))
            archive_entry_set_rdevmajor(entry, dev_t(LinuxCalls.major(st.st_rdev)))
            archive_entry_set_rdevminor(entry, dev_t(LinuxCalls.minor(st.st_rdev)))
        default:
            return  // sockets have no place in a layer
        }
        defer { if dataFD >= 0 { close(dataFD) } }

        let r = archive_write_header(tar, entry)
        if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure(tar, entry: Self.text(relative)) }
        entries += 1

        if dataFD >= 0 {
            var remaining = Int64(st.st_size)
            while remaining > 0 {
                let n = read(dataFD, readBuffer, Int(min(Int64(Self.readBufferSize), remaining)))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw systemFailure("read", absolute)
                }
                if n == 0 {
                    // The file shrank while packing: the header promised more, so this layer would be wrong.
                    throw LayerError(
                        layer: layer,
                        .system(
                            SystemError("read (file changed while packing)", path: Self.text(absolute), errno: EIO),
                            entry: Self.text(relative)))
                }
                if archive_write_data(tar, readBuffer, n) < 0 { throw failure(tar, entry: Self.text(relative)) }
                remaining -= Int64(n)
            }
        }

        if type == UnpackWriter.typeDirectory {
            if opaque && convertWhiteouts {
                try writeMarker(Self.join(relative, Array(".wh..wh..opq".utf8CString)), mtime: Int64(st.st_mtim.tv_sec))
            }
            try writeChildren(absolute: absolute, relative: relative)
        }
    }

    /// An empty regular file entry: an OCI whiteout or opaque marker.
    private func writeMarker(_ relative: [CChar], mtime: Int64) throws(LayerError) {
        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, relative)
        archive_entry_set_filetype(entry, UInt32(UnpackWriter.typeRegular))
        archive_entry_set_perm(entry, 0o600)
        archive_entry_set_size(entry, 0)
        archive_entry_set_mtime(entry, time_t(clamp(mtime)), 0)
        let r = archive_write_header(tar, entry)
        if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure(tar, entry: Self.text(relative)) }
        entries += 1
    }

    private func clamp(_ seconds: Int64) -> Int64 {
        if let limit = options.clampMtime, seconds > limit { return limit }
        return seconds
    }

    /// The xattrs of `path` (not following a final symlink), sorted by name.
    private func readXattrs(_ path: [CChar], relative: [CChar]) throws(LayerError) -> [(String, [UInt8])] {
        var size = csys_llistxattr(path, nil, 0)
        if size < 0 {
            if errno == ENOTSUP || errno == EOPNOTSUPP { return [] }
            throw systemFailure("list xattrs of", path)
        }
        if size == 0 { return [] }
        var names = [CChar](repeating: 0, count: size)
        size = csys_llistxattr(path, &names, names.count)
        if size < 0 { throw systemFailure("list xattrs of", path) }
        var out: [(String, [UInt8])] = []
        var start = 0
        while start < size {
            var end = start
            while end < size && names[end] != 0 { end += 1 }
            let name = Array(names[start..<end]) + [0]
            start = end + 1
            if name.count == 1 { continue }
            var valueSize = csys_lgetxattr(path, name, nil, 0)
            if valueSize < 0 {
                if errno == ENODATA { continue }
                throw systemFailure("read xattr of", path)
            }
            var value = [UInt8](repeating: 0, count: valueSize)
            valueSize = csys_lgetxattr(path, name, &value, valueSize)
            if valueSize < 0 { throw systemFailure("read xattr of", path) }
            out.append((Self.text(name), Array(value.prefix(valueSize))))
        }
        return out.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    // MARK: - Finishing

    func finish() throws(LayerError) -> PackedLayer {
        if archive_write_close(tar) != ARCHIVE_OK { throw failure(tar) }
        if archive_write_close(gzip) != ARCHIVE_OK { throw failure(gzip) }
        closed = true
        return PackedLayer(
            digest: LayerDigest.string(blobSink.hasher), diffID: LayerDigest.string(tarSink.hasher),
            size: blobSink.size, uncompressedSize: tarSink.size, entries: entries)
    }

    /// After a failure: stop without finishing the streams.
    func abandon() {
        closed = true
    }
}
