/// What one unpack did: the layer's diff ID (computed while reading) and what was written.
public struct LayerUnpackResult: Sendable, Equatable {
    /// `sha256:<hex>` of the uncompressed tar stream: the image config's `rootfs.diff_ids` entry.
    public var diffID: String
    /// The compression found by content: "gzip", "zstd", "none" (plain tar), ….
    public var compression: String
    /// Bytes of the blob read (compressed size).
    public var compressedBytes: Int64
    /// Bytes of the uncompressed tar stream.
    public var uncompressedBytes: Int64
    /// Bytes of file contents written.
    public var dataBytes: Int64
    /// Tar entries read, of every kind.
    public var entries: Int
    public var regularFiles: Int
    public var directories: Int
    public var symlinks: Int
    public var hardlinks: Int
    /// OCI `.wh.NAME` entries turned into overlay whiteouts (character devices 0/0).
    public var whiteouts: Int
    /// OCI `.wh..wh..opq` entries turned into `trusted.overlay.opaque=y` on their directory.
    public var opaqueDirectories: Int
    /// Device nodes and FIFOs made (only with `allowDevices`).
    public var devices: Int

    public init(
        diffID: String = "", compression: String = "none", compressedBytes: Int64 = 0,
        uncompressedBytes: Int64 = 0, dataBytes: Int64 = 0, entries: Int = 0, regularFiles: Int = 0,
        directories: Int = 0, symlinks: Int = 0, hardlinks: Int = 0, whiteouts: Int = 0,
        opaqueDirectories: Int = 0, devices: Int = 0
    ) {
        self.diffID = diffID
        self.compression = compression
        self.compressedBytes = compressedBytes
        self.uncompressedBytes = uncompressedBytes
        self.dataBytes = dataBytes
        self.entries = entries
        self.regularFiles = regularFiles
        self.directories = directories
        self.symlinks = symlinks
        self.hardlinks = hardlinks
        self.whiteouts = whiteouts
        self.opaqueDirectories = opaqueDirectories
        self.devices = devices
    }
}
