#if canImport(Glibc)
import Glibc
#endif

/// Whether this kernel can make a mount read-only together with the mounts below it (mount_setattr with
/// AT_RECURSIVE, Linux 5.12). Where it cannot, a read-only bind is read-only at its top only, as Docker
/// falls back; `bind-recursive=readonly` still asks for it, and the start fails, as Docker's does.
enum RecursiveReadOnly {
    static let supported: Bool = {
        var name = utsname()
        guard uname(&name) == 0 else { return true }
        let release = withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return supported(release: release)
    }()

    /// From a kernel release ("6.1.0-18-amd64"); one that cannot be read counts as new enough, so the
    /// runtime's error says what is wrong rather than a bind silently losing its recursion.
    static func supported(release: String) -> Bool {
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return true }
        return numbers[0] > 5 || (numbers[0] == 5 && numbers[1] >= 12)
    }
}
