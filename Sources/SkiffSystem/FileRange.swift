import CSystem

/// copy_file_range(2): the kernel copies between two files (reflinks where the filesystem can), and
/// the bytes never pass through this process.
public enum FileRange {
    /// Copy up to `count` bytes from `source`'s offset to `destination`'s, both advanced. Returns the
    /// bytes copied (0 at the end of `source`), or -1 with errno set: EXDEV, EINVAL, ENOSYS or
    /// EOPNOTSUPP mean this pair of files cannot, and the caller should copy by reading.
    public static func copy(from source: Int32, to destination: Int32, count: Int) -> Int {
        csys_copy_file_range(source, destination, count)
    }
}
