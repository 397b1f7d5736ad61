import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes (xattrs). Paths are never followed when they are symlinks (the l* calls).
public enum ExtendedAttributes {
    /// The names of the attributes of `path`; empty when it has none, or its filesystem has no xattrs.
    public static func names(of path: String) -> [String] {
        let size = csys_llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var list = [CChar](repeating: 0, count: size)
        let n = csys_llistxattr(path, &list, size)
        guard n > 0 else { return [] }
        return list[0..<n].split(separator: 0).map { raw in
            String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The value of attribute `name` of `path`, nil when it has none (or it cannot be read).
    public static func value(_ name: String, of path: String) -> [UInt8]? {
        // Most values (overlay markers, capabilities) fit, so one call usually does.
        var value = [UInt8](repeating: 0, count: 256)
        var n = csys_lgetxattr(path, name, &value, value.count)
        if n < 0 && errno == ERANGE {
            let length = csys_lgetxattr(path, name, nil, 0)
            guard length >= 0 else { return nil }
            value = [UInt8](repeating: 0, count: max(length, 1))
            n = csys_lgetxattr(path, name, &value, length)
        }
        guard n >= 0 else { return nil }
        return Array(value[0..<n])
    }

    /// Set attribute `name` on the open file `fd`. False when the filesystem refuses (errno says why).
    @discardableResult
    public static func set(_ name: String, to value: [UInt8], on fd: Int32) -> Bool {
        csys_fsetxattr(fd, name, value, value.count, 0) == 0
    }

    /// Whether overlayfs treats directory `path` as opaque (`trusted.overlay.opaque` = "y"): the layers
    /// below it do not show through.
    public static func isOverlayOpaque(_ path: String) -> Bool {
        value("trusted.overlay.opaque", of: path) == [UInt8(ascii: "y")]
    }
}
