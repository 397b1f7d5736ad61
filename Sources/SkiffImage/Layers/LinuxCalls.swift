#if canImport(Glibc)
import Glibc
#endif

/// Constants and macros Swift's Glibc module leaves out (behind _GNU_SOURCE, or cast macros) that
/// CSystem does not carry either.
enum LinuxCalls {
    static let AT_EMPTY_PATH: Int32 = 0x1000
    static let UTIME_OMIT: Int = (1 << 30) - 2
    static let XATTR_CREATE: Int32 = 1

    /// glibc's gnu_dev_makedev.
    static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        let ma = UInt64(major), mi = UInt64(minor)
        return dev_t(
            ((ma & 0xffff_f000) << 32) | ((ma & 0x0000_0fff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0x0000_00ff))
    }

    static func major(_ dev: dev_t) -> UInt32 {
        let d = UInt64(dev)
        return UInt32(truncatingIfNeeded: ((d >> 32) & 0xffff_f000) | ((d >> 8) & 0x0000_0fff))
    }

    static func minor(_ dev: dev_t) -> UInt32 {
        let d = UInt64(dev)
        return UInt32(truncatingIfNeeded: ((d >> 12) & 0xffff_ff00) | (d & 0x0000_00ff))
    }
}
