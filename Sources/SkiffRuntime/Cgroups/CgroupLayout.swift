import CSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How cgroups are mounted on this host.
///
/// - `.v2(root:)`: one cgroup2 hierarchy (pure "unified" mode), e.g. `/sys/fs/cgroup`.
/// - `.v1(hierarchies:)`: controller name → mount point of the v1 hierarchy holding it. Co-mounted
///   controllers (`cpu,cpuacct`) share a mount point. Named hierarchies (`name=systemd`) are not
///   controllers and are left out.
/// - `.hybrid(hierarchies:unified:)`: v1 controllers plus a cgroup2 mount (e.g. `/sys/fs/cgroup/unified`),
///   which usually holds no controller Skiff limits; Skiff still puts the container there so its cgroup set
///   is complete.
///
/// A layout is plain data: tests point it at a fake tree (`.v2(root: "/tmp/x")`).
public enum CgroupLayout: Codable, Sendable, Equatable {
    case v2(root: String)
    case v1(hierarchies: [String: String])
    case hybrid(hierarchies: [String: String], unified: String)

    /// v1 controller names the kernel knows (super options of a `cgroup` mount that are controllers).
    public static let knownV1Controllers: Set<String> = [
        "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory", "misc",
        "net_cls", "net_prio", "perf_event", "pids", "rdma", "debug",
    ]

    /// v1 controllers Skiff makes a container cgroup in.
    public static let managedV1Controllers: [String] = [
        "cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio", "hugetlb", "net_cls", "net_prio",
    ]

    /// controller → mount point for v1 and hybrid; empty for v2.
    public var v1Hierarchies: [String: String] {
        switch self {
        case .v2: return [:]
        case .v1(let h), .hybrid(let h, _): return h
        }
    }

    /// The cgroup2 mount point, if any (the root on v2, the extra mount on hybrid).
    public var unifiedMount: String? {
        switch self {
        case .v2(let root): return root
        case .v1: return nil
        case .hybrid(_, let unified): return unified
        }
    }

    /// "v1", "v2" or "hybrid" (for logs and `skiff info`).
    public var name: String {
        switch self {
        case .v2: return "v2"
        case .v1: return "v1"
        case .hybrid: return "hybrid"
        }
    }

    /// Whether cgroup2 is what is mounted at `path` (/sys/fs/cgroup: the host runs cgroup v2 alone), told
    /// by statfs(2) as Docker and runc tell it (`IsCgroup2UnifiedMode`): one system call, where `detect()`
    /// reads and parses all of mountinfo, which grows with every bridged container's namespace file.
    public static func isUnifiedMode(at path: String = "/sys/fs/cgroup") -> Bool {
        csys_statfs_type(path) == 0x6367_7270  // CGROUP2_SUPER_MAGIC
    }

    /// Read /proc/self/mountinfo (or another file in its format) and classify it.
    public static func detect(mountinfoPath: String = "/proc/self/mountinfo") throws(CgroupError) -> CgroupLayout {
        let text: String
        do {
            text = try FileIO.readString(mountinfoPath)
        } catch {
            throw .mountinfoUnreadable(path: mountinfoPath, errno: error.errno)
        }
        return try parse(mountinfo: text)
    }

    /// Classify the cgroup mounts listed in the text of a mountinfo file (proc(5)):
    /// `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`.
    public static func parse(mountinfo: String) throws(CgroupError) -> CgroupLayout {
        // controller -> (mount point, is the mount the hierarchy's root)
        var v1: [String: (path: String, fullRoot: Bool)] = [:]
        var unified: (path: String, fullRoot: Bool)?

        for lineBytes in mountinfo.utf8.split(separator: UInt8(ascii: "\n")) where mayBeCgroupMount(lineBytes) {
            let fields = Substring(lineBytes).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash >= 6,
                fields.count >= dash + 4
            else { continue }
            let fsType = fields[dash + 1]
            guard fsType == "cgroup" || fsType == "cgroup2" else { continue }
            let mountPoint = unescapeMountinfo(fields[4])
            let fullRoot = fields[3] == "/"

            if fsType == "cgroup2" {
                // Prefer a mount of the whole hierarchy; among equals, the first listed.
                if unified == nil || (!unified!.fullRoot && fullRoot) {
                    unified = (mountPoint, fullRoot)
                }
                continue
            }
            for option in fields[dash + 3].split(separator: ",") {
                let name = String(option)
                guard knownV1Controllers.contains(name) else { continue }  // rw, name=systemd, xattr, ...
                if let existing = v1[name], existing.fullRoot || !fullRoot { continue }
                v1[name] = (mountPoint, fullRoot)
            }
        }

        let hierarchies = v1.mapValues(\.path)
        switch (hierarchies.isEmpty, unified) {
        case (true, nil): throw .noCgroupFilesystem
        case (true, let u?): return .v2(root: u.path)
        case (false, nil): return .v1(hierarchies: hierarchies)
        case (false, let u?): return .hybrid(hierarchies: hierarchies, unified: u.path)
        }
    }

    /// Whether a mountinfo line names a filesystem type starting with "cgroup" after its " - "
    /// separator, found by bytes: every container's network namespace file is a mount of the host's, so
    /// the file grows with the containers, and splitting each line into fields was most of a start's
    /// parse (issue 15). The separator is the first " - " (mountinfo escapes spaces inside fields).
    static func mayBeCgroupMount(_ line: Substring.UTF8View) -> Bool {
        let marker = Array(" - cgroup".utf8)
        var matched = 0
        for byte in line {
            if byte == marker[matched] {
                matched += 1
                if matched == marker.count { return true }
            } else if matched >= 3 {
                return false  // the separator, then another filesystem type
            } else {
                matched = byte == marker[0] ? 1 : 0
            }
        }
        return false
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescapeMountinfo(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
                let value = octal(bytes[(i + 1)..<(i + 4)])
            {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value: UInt32 = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt32(d - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
