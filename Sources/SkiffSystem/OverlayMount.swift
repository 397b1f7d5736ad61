import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// overlayfs through the new mount API (fsopen/fsconfig/fsmount), one option per call, so the number of
/// lower layers is not limited by a page of mount options.
public enum OverlayMount {
    /// Mount an overlay of `lowers` (top first), `upper` and `work` on `target`.
    public static func mount(on target: String, lowers: [String], upper: String, work: String) throws(SystemError) {
        var cLowers: [UnsafePointer<CChar>?] = lowers.map { UnsafePointer(strdup($0)) }
        defer { for p in cLowers { free(UnsafeMutablePointer(mutating: p)) } }
        if csys_mount_overlay(target, &cLowers, Int32(lowers.count), upper, work, nil, 0) != 0 {
            throw SystemError("mount overlay", path: target)
        }
    }
}
