import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// How openat2(2) may resolve a path: the RESOLVE_* flags.
public struct PathResolution: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `..` or an absolute symlink may not leave the directory (EXDEV).
    public static let beneath = PathResolution(rawValue: CSYS_RESOLVE_BENEATH)
    /// The directory is `/` for the walk: `..` and absolute symlinks stay inside it.
    public static let inRoot = PathResolution(rawValue: CSYS_RESOLVE_IN_ROOT)
    /// No symlink anywhere on the path (ELOOP).
    public static let noSymlinks = PathResolution(rawValue: CSYS_RESOLVE_NO_SYMLINKS)
    /// No /proc magic links (`/proc/self/fd/N`, `/proc/self/root`).
    public static let noMagicLinks = PathResolution(rawValue: CSYS_RESOLVE_NO_MAGICLINKS)
    /// No mount point crossed.
    public static let noCrossingMounts = PathResolution(rawValue: CSYS_RESOLVE_NO_XDEV)
}

/// openat2(2), which Glibc's Swift module lacks.
public enum ResolvedOpen {
    /// O_PATH: a handle on a path, not its content (not exported by Glibc's Swift module).
    public static let pathOnly: Int32 = CSYS_O_PATH

    /// Open `path` under the directory `dirfd` as `resolve` allows; O_CLOEXEC is always added.
    /// Returns the new fd, or -1 with errno set (callers branch on ELOOP, EXDEV, ENOENT…).
    public static func open(at dirfd: Int32, _ path: String, flags: Int32, mode: mode_t = 0, resolve: PathResolution)
        -> Int32
    {
        csys_openat2(dirfd, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), UInt64(mode), resolve.rawValue)
    }
}
