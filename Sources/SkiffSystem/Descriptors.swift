import CSystem

/// Descriptor housekeeping before an execve.
public enum Descriptors {
    /// Every descriptor from `first` on closes at this process's next execve.
    public static func closeOnExec(from first: Int32) {
        _ = csys_cloexec_from(UInt32(first))
    }
}
