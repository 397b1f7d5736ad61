#if canImport(Glibc)
import Glibc
#endif

/// The mounts a container without a mount namespace makes under its rootfs live in the host's namespace
/// (runc leaves them there; Skiff removes them when the container is deleted or its create fails).
enum HostMounts {
    /// Mount points strictly under `rootfs`, deepest first, from the text of /proc/self/mountinfo.
    static func under(_ rootfs: String, mountinfo: String) -> [String] {
        let prefix = rootfs.hasSuffix("/") ? rootfs : rootfs + "/"
        var points: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4 else { continue }
            let point = NoPivotMounts.unescape(fields[4])
            if point.hasPrefix(prefix) && !points.contains(point) { points.append(point) }
        }
        return points.sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
    }

    /// Detach every mount under `rootfs` in this process's mount namespace. Returns those that would not go.
    @discardableResult
    static func detach(under rootfs: String) -> [String] {
        guard !rootfs.isEmpty, let text = try? FileIO.readString("/proc/self/mountinfo") else { return [] }
        var stuck: [String] = []
        // A mount stacked on another at the same point is listed twice: each detach removes the top one.
        for point in under(rootfs, mountinfo: text) {
            while umount2(point, Int32(MNT_DETACH)) == 0 {}
            if errno != EINVAL && errno != ENOENT { stuck.append(point) }
        }
        return stuck
    }
}
