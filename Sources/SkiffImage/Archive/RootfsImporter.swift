import CArchive
import Foundation
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff import`: a root filesystem tarball (plain or compressed) becomes a one-layer image, as
/// `docker import` makes it. The tarball is read once: decompressed by libarchive, hashed (the diff ID),
/// gzip-compressed and hashed again on its way into the content store (the layer digest).
public struct RootfsImporter: Sendable {
    public let store: ImageStore

    public init(store: ImageStore) {
        self.store = store
    }

    /// Import from a file.
    public func importRootfs(
        path: String, changes: [String] = [], message: String? = nil,
        reference: ImageReference? = nil, platform: Platform = .current
    ) throws(ImageError) -> StoredImage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: path)) }
        defer { close(fd) }
        return try importRootfs(
            fd: fd, source: path, changes: changes, message: message, reference: reference, platform: platform)
    }

    /// Import from an open descriptor (a file or a pipe; not closed here). `source` is recorded in the
    /// history comment when there is no message ("Imported from SOURCE", as Docker does). `platform` is
    /// the image's (import --platform; this machine's by default).
    public func importRootfs(
        fd: Int32, source: String, changes: [String] = [], message: String? = nil,
        reference: ImageReference? = nil, platform: Platform = .current
    ) throws(ImageError) -> StoredImage {
        var containerConfig = ContainerConfig()
        try ImageConfigChange.apply(changes, to: &containerConfig)

        let layer = try compressLayer(fd: fd, source: source)

        let now = Timestamp.now()
        let config = ImageConfig(
            created: now, architecture: platform.architecture, os: platform.os,
            config: containerConfig, rootfs: RootFS(diffIDs: [layer.diffID.description]),
            history: [History(created: now, createdBy: nil, comment: message ?? "Imported from \(source)")])
        var configWithVariant = config
        configWithVariant.variant = platform.variant
        let configDescriptor = try store.content.writeJSON(configWithVariant, mediaType: MediaType.ociConfig)
        let manifest = Manifest(
            mediaType: MediaType.ociManifest, config: configDescriptor,
            layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: layer.digest.description, size: layer.size)])
        let manifestDescriptor = try store.content.writeJSON(manifest, mediaType: MediaType.ociManifest)
        let manifestDigest = try Digest(manifestDescriptor.digest)
        if let reference {
            try store.tag(reference, manifest: manifestDigest)
        } else {
            try store.keepUntagged(manifest: manifestDigest)
        }
        return try store.image(manifest: manifestDigest)
    }

    /// Decompress (any of libarchive's filters), check it is a tar, hash and gzip into the store.
    private func compressLayer(fd: Int32, source: String) throws(ImageError) -> (
        digest: Digest, size: Int64, diffID: Digest
    ) {
        guard let a = archive_read_new() else { throw .system(SystemError("archive_read_new", errno: ENOMEM)) }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_raw(a)
        func failure(_ step: String) -> ImageError {
            let message = archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
            return .invalidContent("\(source): cannot \(step): \(message)")
        }
        if CancellableArchiveInput.open(a, fd: fd) != ARCHIVE_OK { throw failure("open") }
        var entry: OpaquePointer?
        let r = archive_read_next_header(a, &entry)
        if Cancellation.isCancelled { throw .system(.cancelled) }
        if r == ARCHIVE_EOF { throw .invalidContent("\(source): empty input, not a tar archive") }
        if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure("read") }

        let gzip = try GzipBlobWriter(content: store.content)
        var head: [UInt8] = []
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let r = archive_read_data_block(a, &buffer, &size, &offset)
            if Cancellation.isCancelled { throw .system(.cancelled) }
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw failure("read") }
            let block = UnsafeRawBufferPointer(start: buffer, count: size)
            if head.count < 512 { head += block.prefix(512 - head.count) }
            try gzip.write(block)
        }
        // A tar starts with a 512-byte header; ustar/GNU/pax headers say so at offset 257.
        guard head.count == 512, Array(head[257..<262]) == Array("ustar".utf8) else {
            throw .invalidContent(
                "\(source): not a tar archive (a root filesystem tarball, plain or compressed, is expected)")
        }
        return try gzip.commit()
    }
}
