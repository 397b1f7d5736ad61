import Logging
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// What planning an exec needs to know about the host, gathered once by `current(initPid:spec:)` so that
/// `ExecPlanner` reads nothing: tests give it any host they like.
public struct ExecFacts: Sendable, Equatable {
    /// /proc/sys/kernel/cap_last_cap: capabilities above it are left out of the masks.
    public var lastCap: Int
    /// The container's init, whose namespaces the process joins through /proc/PID/ns.
    public var initPid: Int32
    /// The spec's namespaces that the init shares with the caller (same inode): joining one of those
    /// changes nothing, and setns(2) into one's own user namespace fails, so they are not joined.
    public var sharedNamespaces: Set<NamespaceKind>

    public init(lastCap: Int, initPid: Int32, sharedNamespaces: Set<NamespaceKind> = []) {
        self.lastCap = lastCap
        self.initPid = initPid
        self.sharedNamespaces = sharedNamespaces
    }

    /// The running host's facts for an exec into the container whose init is `initPid`, created from `spec`.
    public static func current(initPid: Int32, spec: ExecSpec) throws(RuntimeError) -> ExecFacts {
        let lastCap: Int
        do { lastCap = try KernelCapabilities.lastCap() } catch { throw .security(error.description) }
        var shared: Set<NamespaceKind> = []
        for ns in spec.namespaces {
            guard let kind = NamespaceKind(rawValue: ns.type) else { continue }
            if sameFile("/proc/\(initPid)/ns/\(kind.procName)", "/proc/self/ns/\(kind.procName)") {
                shared.insert(kind)
            }
        }
        return ExecFacts(lastCap: lastCap, initPid: initPid, sharedNamespaces: shared)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat()
        var sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev
    }
}

/// The policy step of an exec: the process to run, the container's spec and the host facts → the
/// `LaunchConfig` (Equatable) the C shim gets, before any per-call descriptors (stdio, a terminal) are
/// added. Pure, as `LaunchPlanner` is; the seccomp compiler may use its on-disk cache.
public struct ExecPlanner {
    public var seccomp: SeccompCompiler
    public var logger: Logger

    public init(seccomp: SeccompCompiler, logger: Logger) {
        self.seccomp = seccomp
        self.logger = logger
    }

    /// Join every namespace of the init (the time namespace cannot be joined by an existing process, and
    /// shared ones need no join), run `process` with its user, capabilities, rlimits and environment, under
    /// the container's seccomp profile (`seccompProgram`: its filter as compiled for the init, used as it is).
    /// A terminal makes the process a session leader.
    public func plan(
        _ process: Process, spec: Spec, facts: ExecFacts, seccompProgram: SeccompProgram? = nil
    ) throws(RuntimeError) -> LaunchConfig {
        try plan(process, spec: ExecSpec(spec), facts: facts, seccompProgram: seccompProgram)
    }

    /// `plan` with the exec's parts of the spec.
    public func plan(
        _ process: Process, spec: ExecSpec, facts: ExecFacts, seccompProgram: SeccompProgram? = nil
    ) throws(RuntimeError) -> LaunchConfig {
        var config = LaunchConfig()
        config.rootfs = nil
        do { try ProcessPlanner.apply(process, to: &config) } catch { throw .spec(error) }
        config.setsid = process.terminal ?? false
        config.stdioOwner = .forProcess(
            uid: config.uid, gid: config.gid, uidMappings: spec.uidMappings, gidMappings: spec.gidMappings)
        for ns in spec.namespaces {
            guard let kind = NamespaceKind(rawValue: ns.type), kind != .time else { continue }
            if facts.sharedNamespaces.contains(kind) { continue }
            config.joins.append(.init(path: "/proc/\(facts.initPid)/ns/\(kind.procName)", kind: kind))
        }
        // Joining a user namespace someone else set up may find setgroups denied; one with mappings in
        // the spec was made by this runtime, which leaves setgroups allowed.
        config.setGroups = !config.joins.contains { $0.kind == .user } || !spec.uidMappings.isEmpty
        do {
            config.capabilities = try CapabilityMasks(process.capabilities, lastCap: facts.lastCap, logger: logger)
            if let seccompProgram {
                config.seccomp = seccompProgram
            } else if let profile = spec.seccomp {
                config.seccomp = try seccomp.compile(profile)
            }
        } catch {
            throw .security("\(error)")
        }
        return config
    }
}
