import SkiffSystem

/// What `--no-pivot` detaches before moving the rootfs onto "/": every procfs and sysfs mount of the host
/// outside the rootfs. The kernel lets a process in a new user namespace mount proc only where a full proc
/// mount is already visible in its mount namespace; after a chroot the host's stays there (runc's
/// msMoveRoot removes them for this reason).
enum NoPivotMounts {
    /// The mount points to detach, deepest first, from the text of /proc/self/mountinfo.
    static func detachList(rootfs: String, mountinfo: String) -> [String] {
        let inside = rootfs.hasSuffix("/") ? rootfs : rootfs + "/"
        var points: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields.count > 4 else { continue }
            let type = fields[dash + 1]
            guard type == "proc" || type == "sysfs" else { continue }
            let point = unescape(fields[4])
            if point == rootfs || point.hasPrefix(inside) { continue }
            if !points.contains(point) { points.append(point) }
        }
        return points.sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
    }

    /// The running host's list (read once, only for --no-pivot).
    static func current(rootfs: String) throws(SystemError) -> [String] {
        let text = try FileIO.readString("/proc/self/mountinfo")
        return detachList(rootfs: rootfs, mountinfo: text)
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "\\"), utf8.count >= 3,
                let v = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(v)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
