import CArchive
import Crypto
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Packs a directory tree (an image rootfs, or a container's overlay upper dir) into a tar+gzip layer blob.
///
/// - Entries are written in byte-wise sorted order, a directory before its contents, with numeric owners
///   only, mtimes truncated to whole seconds (optionally clamped to `clampMtime`, like SOURCE_DATE_EPOCH),
///   no atime/ctime, and a gzip header without a timestamp: the same tree gives the same blob.
/// - Modes, owners, symlinks, xattrs and hard links (files with several links inside the tree) are kept;
///   overlayfs's own `trusted.overlay.*` xattrs are not.
/// - With `convertOverlayWhiteouts`, overlay whiteouts (character devices 0/0) become OCI `.wh.NAME`
///   entries and opaque directories (`trusted.overlay.opaque=y`) get a `.wh..wh..opq` entry.
/// - The digest (of the compressed blob) and the diff ID (of the tar) are computed while writing.
public struct LayerPacker: Sendable {
    public struct Options: Sendable, Equatable {
        /// Clamp mtimes later than this (seconds since the epoch) to it; nil keeps them.
        public var clampMtime: Int64?
        /// gzip level, 1 (fastest) to 9 (smallest).
        public var compressionLevel: Int

        public init(clampMtime: Int64? = nil, compressionLevel: Int = 6) {
            self.clampMtime = clampMtime
            self.compressionLevel = compressionLevel
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Write the tree under `directory` to a tar+gzip file at `path` (created or replaced).
    public func pack(directory: String, to path: String, convertOverlayWhiteouts: Bool = true) throws(LayerError)
        -> PackedLayer
    {
        let writer = try PackWriter(
            output: path, layer: directory, options: options,
            convertOverlayWhiteouts: convertOverlayWhiteouts)
        do {
            try writer.writeTree(directory)
            return try writer.finish()
        } catch {
            writer.abandon()
            unlink(path)
            throw error
        }
    }
}
