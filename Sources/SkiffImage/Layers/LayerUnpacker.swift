import CArchive
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks one image layer (tar, tar+gzip or tar+zstd, detected by content) into a directory that
/// overlayfs can use as a lowerdir.
///
/// - OCI whiteouts become overlay whiteouts: `.wh.NAME` a character device 0/0 named NAME,
///   `.wh..wh..opq` the xattr `trusted.overlay.opaque=y` on its directory.
/// - Modes (with setuid/setgid/sticky), numeric owners, mtimes, symlinks, hard links (to earlier entries of
///   the same layer) and xattrs (security.capability included) are kept.
/// - Nothing is written outside `target`: absolute paths and `..` are refused, every parent directory is
///   opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from the root's fd (so a symlink on the
///   way, even one to a place inside the layer, is refused), the last component is created with
///   O_EXCL/O_NOFOLLOW or *at calls that do not follow symlinks. Symlink contents may be anything
///   (`/bin/sh -> /bin/busybox` is common); they are never followed while unpacking.
/// - Device nodes and FIFOs are refused unless `allowDevices` (whiteouts are not devices in this sense).
///
/// The diff ID (sha256 of the uncompressed tar) is computed while reading: the blob is decompressed once.
///
/// Callers unpack into a fresh temporary directory and rename it into place; on failure the unpacker
/// removes what it wrote (the contents of `target`, not `target` itself).
public struct LayerUnpacker: Sendable {
    public struct Options: Sendable, Equatable {
        /// Make character/block devices and FIFOs found in the layer (trusted layers only).
        public var allowDevices: Bool
        /// Read block size for the compressed blob.
        public var readBlockSize: Int
        /// Decompress and hash on a second thread, overlapping with the file writes.
        public var pipelined: Bool

        public init(allowDevices: Bool = false, readBlockSize: Int = 1 << 20, pipelined: Bool = true) {
            self.allowDevices = allowDevices
            self.readBlockSize = readBlockSize
            self.pipelined = pipelined
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public init(allowDevices: Bool) {
        self.options = Options(allowDevices: allowDevices)
    }

    /// Unpack the layer blob at `blob` into `target`, an existing (empty) directory.
    ///
    /// - Parameters:
    ///   - layerName: how errors name the layer (default: `sha256:<hex>` when the blob's file name is a
    ///     hex digest, as in the content store, else the blob path).
    ///   - expectedDiffID: when given, a different diff ID is an error (and the target is emptied).
    public func unpack(
        blob: String, into target: String, layerName: String? = nil,
        expectedDiffID: String? = nil
    ) throws(LayerError) -> LayerUnpackResult {
        let layer = layerName ?? LayerDigest.displayName(forBlob: blob)
        let rootFD = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if rootFD < 0 {
            throw LayerError(layer: layer, .system(SystemError("open target directory", path: target), entry: nil))
        }
        defer { close(rootFD) }
        do throws(LayerError) {
            let source = try DecompressedStream(path: blob, layer: layer, blockSize: options.readBlockSize)
            let writer = UnpackWriter(rootFD: rootFD, layer: layer, allowDevices: options.allowDevices)
            var result = try writer.unpack(from: source, pipelined: options.pipelined)
            result.diffID = source.diffID
            if let expectedDiffID, expectedDiffID != result.diffID {
                throw LayerError(layer: layer, .diffIDMismatch(expected: expectedDiffID, actual: result.diffID))
            }
            result.compression = source.compression
            result.compressedBytes = source.compressedBytes
            result.uncompressedBytes = source.uncompressedBytes
            return result
        } catch {
            try? DirectoryTree.removeContents(of: rootFD)
            throw error
        }
    }
}
