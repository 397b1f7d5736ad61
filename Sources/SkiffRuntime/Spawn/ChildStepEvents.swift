import CSkiff
import SkiffExplain

/// Turns the child's step reports (sent before each step, see child.c) into `--explain` events, with the
/// facts taken from the report itself or from the plan the child was handed. A step counts as done only
/// once the child reports the next one (or execs): a step that failed is never narrated.
struct ChildStepEvents {
    let config: LaunchConfig
    let seccomp: SeccompSummary?
    private var joinIndex = 0
    private var rlimitIndex = 0
    private var pending: [ExplainEvent] = []

    init(config: LaunchConfig, seccomp: SeccompSummary?) {
        self.config = config
        self.seccomp = seccomp
    }

    static let childFile = "Sources/CSkiff/child.c"
    static let rootfsFile = "Sources/CSkiff/child_rootfs.c"

    /// The events confirmed by this report (those of the step before), after which `step` is pending.
    mutating func report(step: Int32, detail: String) -> [ExplainEvent] {
        let done = pending
        pending = events(step: step, detail: detail)
        return done
    }

    /// The child exec'd or is ready: its last step is done too.
    mutating func finish() -> [ExplainEvent] {
        defer { pending = [] }
        return pending
    }

    private mutating func events(step: Int32, detail: String) -> [ExplainEvent] {
        func child(_ s: ExplainEvent.Step) -> [ExplainEvent] { [ExplainEvent(s, source: Self.childFile)] }
        func rootfs(_ s: ExplainEvent.Step) -> [ExplainEvent] { [ExplainEvent(s, source: Self.rootfsFile)] }
        func after(_ prefix: String) -> String {
            detail.hasPrefix(prefix) ? String(detail.dropFirst(prefix.count)) : detail
        }

        switch UInt32(bitPattern: step) {
        case CSKIFF_STEP_SETNS.rawValue:
            let joins = config.joins.sorted { $0.kind.joinOrder < $1.kind.joinOrder }
            guard joinIndex < joins.count else { return [] }
            let join = joins[joinIndex]
            joinIndex += 1
            return child(.namespaceJoined(type: join.kind.rawValue, path: join.path))
        case CSKIFF_STEP_UNSHARE_CGROUP.rawValue:
            return child(.namespaceCreated(type: "cgroup", flag: "unshare(CLONE_NEWCGROUP)"))
        case CSKIFF_STEP_OOM_SCORE.rawValue, CSKIFF_STEP_SYSCTL.rawValue:
            guard let (value, path) = Self.writeDetail(detail) else { return [] }
            return child(.sysctl(path: path, value: value))
        case CSKIFF_STEP_PROPAGATION.rawValue:
            return rootfs(.rootPropagation(flags: MountFlagNames.names(UInt(config.rootfsPropagation))))
        case CSKIFF_STEP_ROOTFS_OVERLAY.rawValue:
            guard let options = config.rootfsOverlayOptions else { return [] }
            let (lowers, upper, work) = Self.overlayParts(options, directory: config.rootfsOverlayDirectory)
            return rootfs(
                .overlayMounted(target: config.rootfs ?? "", lowerDirs: lowers, upperDir: upper, workDir: work))
        case CSKIFF_STEP_ROOTFS_BIND.rawValue:
            return rootfs(.rootfsBound(path: config.rootfs ?? after("bind rootfs ")))
        case CSKIFF_STEP_MOUNT.rawValue:
            guard let m = Self.mountDetail(detail) else { return [] }
            return rootfs(
                .mount(
                    source: m.source, target: m.target, fstype: m.fstype, flags: MountFlagNames.names(m.flags),
                    data: m.data))
        case CSKIFF_STEP_MKNOD.rawValue:
            let path = after("mknod ")
            guard let d = config.devices.first(where: { $0.path == path }) else { return [] }
            let type = d.bindFromHost ? "bound from the host" : Self.nodeType(d.mode)
            return rootfs(.deviceNode(path: path, type: type, major: d.major, minor: d.minor))
        case CSKIFF_STEP_SYMLINK.rawValue:
            let text = Substring(after("symlink "))
            guard let arrow = Self.find(" -> ", in: text) else { return [] }
            return rootfs(.symlink(target: String(text[arrow.upperBound...]), link: String(text[..<arrow.lowerBound])))
        case CSKIFF_STEP_PIVOT_ROOT.rawValue:
            return rootfs(.pivotRoot(newRoot: config.rootfs ?? after("pivot_root "), chroot: false))
        case CSKIFF_STEP_CHROOT.rawValue:
            return rootfs(.pivotRoot(newRoot: config.rootfs ?? after("chroot "), chroot: true))
        case CSKIFF_STEP_MASK_PATH.rawValue:
            return rootfs(.maskedPath(after("mask ")))
        case CSKIFF_STEP_READONLY_PATH.rawValue:
            return rootfs(.readonlyPath(after("read-only ")))
        case CSKIFF_STEP_ROOT_READONLY.rawValue:
            return rootfs(.rootReadonly)
        case CSKIFF_STEP_LOOPBACK.rawValue:
            return child(.loopbackUp)
        case CSKIFF_STEP_SETHOSTNAME.rawValue:
            guard let h = config.hostname else { return [] }
            return child(.hostname(h))
        case CSKIFF_STEP_RLIMIT.rawValue:
            guard rlimitIndex < config.rlimits.count else { return [] }
            let r = config.rlimits[rlimitIndex]
            rlimitIndex += 1
            return child(.rlimit(resource: Self.rlimitName(r.resource), soft: r.soft, hard: r.hard))
        case CSKIFF_STEP_NO_NEW_PRIVS.rawValue:
            return child(.noNewPrivileges)
        case CSKIFF_STEP_SETUID.rawValue:
            return child(.user(uid: config.uid, gid: config.gid, groups: config.setGroups ? config.additionalGids : []))
        case CSKIFF_STEP_CAPSET.rawValue:
            guard let caps = config.capabilities else { return [] }
            let all = Capability.allCases.filter { Int($0.rawValue) <= caps.lastCap }
            let kept = all.filter { caps.bounding.contains(CapabilitySet([$0])) }
            let dropped = all.filter { !caps.bounding.contains(CapabilitySet([$0])) }
            return child(.capabilities(kept: kept.map(\.name), dropped: dropped.map(\.name)))
        case CSKIFF_STEP_SECCOMP.rawValue:
            guard let program = config.seccomp else { return [] }
            let s = seccomp ?? SeccompSummary(defaultAction: "?", allowed: 0, deniedNotable: [])
            return child(
                .seccomp(
                    defaultAction: s.defaultAction, allowed: s.allowed, deniedNotable: s.deniedNotable,
                    instructions: program.instructionCount))
        case CSKIFF_STEP_CHDIR.rawValue:
            return config.cwd.map { child(.workingDirectory($0)) } ?? []
        case CSKIFF_STEP_EXEC.rawValue:
            return child(.execve(argv: config.argv, environmentCount: config.env.count))
        default:
            return []
        }
    }

    /// "write VALUE to PATH" (write_proc_file in child.c).
    static func writeDetail(_ detail: String) -> (String, String)? {
        guard detail.hasPrefix("write "), let r = find(" to ", in: Substring(detail), last: true) else { return nil }
        return (
            String(detail[detail.index(detail.startIndex, offsetBy: 6)..<r.lowerBound]), String(detail[r.upperBound...])
        )
    }

    /// "mount SRC on PATH[ type T] flags 0xF[ (DATA)]" (mount_in_root in child_rootfs.c).
    static func mountDetail(_ detail: String) -> (
        source: String?, target: String, fstype: String?, flags: UInt, data: String?
    )? {
        guard detail.hasPrefix("mount "), let on = find(" on ", in: Substring(detail)),
            let flagsAt = find(" flags 0x", in: detail[on.upperBound...])
        else { return nil }
        let source = String(detail[detail.index(detail.startIndex, offsetBy: 6)..<on.lowerBound])
        var middle = String(detail[on.upperBound..<flagsAt.lowerBound])
        var fstype: String?
        if let t = find(" type ", in: Substring(middle), last: true) {
            fstype = String(middle[t.upperBound...])
            middle = String(middle[..<t.lowerBound])
        }
        let rest = detail[flagsAt.upperBound...]
        let hex = rest.prefix { $0.isHexDigit }
        var data: String?
        if let open = find(" (", in: rest), rest.hasSuffix(")") {
            data = String(rest[open.upperBound..<rest.index(before: rest.endIndex)])
        }
        return (source == "none" ? nil : source, middle, fstype, UInt(hex, radix: 16) ?? 0, data)
    }

    /// Where `needle` first (or last) occurs in `text` (no Foundation in the runtime's hot path).
    static func find(_ needle: String, in text: Substring, last: Bool = false) -> Range<String.Index>? {
        var found: Range<String.Index>?
        var i = text.startIndex
        while i < text.endIndex {
            if text[i...].hasPrefix(needle) {
                found = i..<text.index(i, offsetBy: needle.count)
                if !last { return found }
            }
            i = text.index(after: i)
        }
        return found
    }

    /// lowerdir (top first, relative to `directory`), upperdir and workdir of overlay options.
    static func overlayParts(_ options: String, directory: String?) -> ([String], String, String) {
        var lowers: [String] = [], upper = "", work = ""
        for option in options.split(separator: ",") {
            if option.hasPrefix("lowerdir=") {
                lowers = option.dropFirst(9).split(separator: ":").map { l in
                    l.hasPrefix("/") || directory == nil ? String(l) : directory! + "/" + l
                }
            } else if option.hasPrefix("upperdir=") {
                upper = String(option.dropFirst(9))
            } else if option.hasPrefix("workdir=") {
                work = String(option.dropFirst(8))
            }
        }
        return (lowers, upper, work)
    }

    static func nodeType(_ mode: UInt32) -> String {
        switch mode & 0o170000 {
        case 0o020000: "character device"
        case 0o060000: "block device"
        case 0o010000: "FIFO"
        default: "node"
        }
    }

    static func rlimitName(_ resource: Int32) -> String {
        let names = [
            "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
            "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
            "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
        ]
        return resource >= 0 && Int(resource) < names.count ? names[Int(resource)] : "resource \(resource)"
    }
}

/// MS_* names of mount(2) flags, for narration.
public enum MountFlagNames {
    static let table: [(UInt, String)] = [
        (1, "MS_RDONLY"), (2, "MS_NOSUID"), (4, "MS_NODEV"), (8, "MS_NOEXEC"), (16, "MS_SYNCHRONOUS"),
        (32, "MS_REMOUNT"),
        (64, "MS_MANDLOCK"), (128, "MS_DIRSYNC"), (256, "MS_NOSYMFOLLOW"), (1024, "MS_NOATIME"),
        (2048, "MS_NODIRATIME"),
        (4096, "MS_BIND"), (8192, "MS_MOVE"), (16384, "MS_REC"), (32768, "MS_SILENT"), (1 << 16, "MS_POSIXACL"),
        (1 << 17, "MS_UNBINDABLE"), (1 << 18, "MS_PRIVATE"), (1 << 19, "MS_SLAVE"), (1 << 20, "MS_SHARED"),
        (1 << 21, "MS_RELATIME"), (1 << 24, "MS_STRICTATIME"), (1 << 25, "MS_LAZYTIME"),
    ]

    public static func names(_ flags: UInt) -> [String] {
        var names = table.filter { flags & $0.0 != 0 }.map(\.1)
        let known = table.reduce(UInt(0)) { $0 | $1.0 }
        if flags & ~known != 0 { names.append("0x" + String(flags & ~known, radix: 16)) }
        return names
    }
}
