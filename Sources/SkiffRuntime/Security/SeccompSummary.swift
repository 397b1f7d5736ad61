import SkiffOCI

/// What a seccomp profile does, in a sentence's worth of facts for `--explain`: its default action, how
/// many system calls it allows, and which of a few well-known dangerous ones it leaves denied.
public struct SeccompSummary: Sendable, Equatable {
    public var defaultAction: String
    public var allowed: Int
    public var deniedNotable: [String]

    public init(defaultAction: String, allowed: Int, deniedNotable: [String]) {
        self.defaultAction = defaultAction
        self.allowed = allowed
        self.deniedNotable = deniedNotable
    }

    /// Calls a learner should know a container is refused (Docker's documentation lists these).
    static let notable = [
        "mount", "umount2", "ptrace", "reboot", "kexec_load", "init_module", "bpf", "unshare", "setns",
        "keyctl", "add_key", "open_by_handle_at", "swapon", "clock_settime", "pivot_root", "userfaultfd",
    ]

    public init(_ profile: LinuxSeccomp) {
        let allowedNames = Set((profile.syscalls ?? []).filter { $0.action == "SCMP_ACT_ALLOW" }.flatMap(\.names))
        defaultAction = profile.defaultAction
        allowed = allowedNames.count
        deniedNotable =
            profile.defaultAction == "SCMP_ACT_ALLOW" ? [] : Self.notable.filter { !allowedNames.contains($0) }
    }
}
