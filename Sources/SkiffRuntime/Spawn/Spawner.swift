import CSkiff
import Logging
import SkiffExplain

#if canImport(Glibc)
import Glibc
#endif

/// A child cloned by the C shim, waiting for (or past) the parent's go.
public struct SpawnedChild: Sendable {
    public var pid: Int32
    public var pidfd: Int32
    var syncFD: Int32
    var reportFD: Int32
    /// Made in the cgroup2 directory it was given (CLONE_INTO_CGROUP); see `CgroupJoin.finish`.
    public var bornInCgroup = false
    /// The parent's end of the socket the seccomp notify fd comes over (-1: the filter notifies nothing).
    var seccompSocket: Int32 = -1
}

/// Copies a `LaunchConfig` into the C shim's flat structure and clones the child. The child gets its
/// own copy of this memory at clone, so the C copies are freed as soon as `spawn` returns.
public enum Spawner {
    /// `namespaces` holds the opened files of `config.joins`, in their order; `cgroup`, the files the
    /// child joins its cgroup through.
    public static func spawn(
        _ config: LaunchConfig, namespaces: NamespaceFiles = NamespaceFiles(), cgroup: CgroupJoin? = nil
    ) throws(SpawnError) -> SpawnedChild {
        precondition(namespaces.fds.count == config.joins.count, "the joins' namespace files are not opened")
        let arena = CArena()
        defer { arena.free() }
        var spec = cskiff_spawn()

        spec.clone_flags = config.cloneFlags
        spec.loopback_up = config.loopbackUp ? 1 : 0
        let joins = zip(namespaces.fds, config.joins).sorted { $0.1.kind.joinOrder < $1.1.kind.joinOrder }
        spec.joins = arena.array(
            joins.map { cskiff_namespace_join(fd: $0.0, nstype: Int32(truncatingIfNeeded: $0.1.kind.cloneFlag)) })
        spec.n_joins = Int32(joins.count)
        spec.unshare_cgroup = config.unshareCgroup ? 1 : 0

        spec.rootfs = arena.string(config.rootfs)
        spec.use_chroot = config.useChroot ? 1 : 0
        spec.rootfs_propagation = config.rootfsPropagation
        spec.rootfs_propagation_after = config.rootfsPropagationAfterPivot
        spec.host_mount_namespace = config.hostMountNamespace ? 1 : 0
        spec.no_pivot_detach = arena.stringArray(config.noPivotDetach, nullTerminated: false)
        spec.n_no_pivot_detach = Int32(config.noPivotDetach.count)
        spec.rootfs_overlay_options = arena.string(config.rootfsOverlayOptions)
        spec.rootfs_overlay_dir = arena.string(config.rootfsOverlayDirectory)
        spec.root_readonly = config.rootReadonly ? 1 : 0
        spec.mounts = arena.array(
            config.mounts.map { m in
                cskiff_mount(
                    source: arena.string(m.source), target: arena.string(m.target), fstype: arena.string(m.fstype),
                    data: arena.string(m.data), flags: m.flags, bind_remount: m.bindRemountFlags,
                    propagation: m.propagation, target_kind: m.targetKind.rawValue,
                    rec_attr_set: m.recursiveAttrSet, rec_attr_clr: m.recursiveAttrClear,
                    readonly_last: m.readonlyLast ? 1 : 0)
            })
        spec.n_mounts = Int32(config.mounts.count)
        spec.devices = arena.array(
            config.devices.map { d in
                cskiff_device(
                    path: arena.string(d.path), mode: d.mode, major: d.major, minor: d.minor, uid: d.uid,
                    gid: d.gid, bind_from_host: d.bindFromHost ? 1 : 0)
            })
        spec.n_devices = Int32(config.devices.count)
        spec.symlinks = arena.array(
            config.symlinks.map { cskiff_symlink(target: arena.string($0.target), linkpath: arena.string($0.link)) })
        spec.n_symlinks = Int32(config.symlinks.count)
        spec.masked_paths = arena.stringArray(config.maskedPaths, nullTerminated: false)
        spec.n_masked_paths = Int32(config.maskedPaths.count)
        spec.readonly_paths = arena.stringArray(config.readonlyPaths, nullTerminated: false)
        spec.n_readonly_paths = Int32(config.readonlyPaths.count)
        spec.hostname = arena.string(config.hostname)
        spec.domainname = arena.string(config.domainname)
        spec.sysctls = arena.array(
            config.sysctls.map { cskiff_sysctl(path: arena.string($0.path), value: arena.string($0.value)) })
        spec.n_sysctls = Int32(config.sysctls.count)

        spec.argv = arena.stringArray(config.argv, nullTerminated: true)
        spec.envp = arena.stringArray(config.env, nullTerminated: true)
        spec.cwd = arena.string(config.cwd)
        spec.uid = config.uid
        spec.gid = config.gid
        spec.additional_gids = arena.array(config.additionalGids)
        spec.n_additional_gids = Int32(config.additionalGids.count)
        spec.set_groups = config.setGroups ? 1 : 0
        spec.umask = config.umask
        spec.rlimits = arena.array(
            config.rlimits.map { cskiff_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) })
        spec.n_rlimits = Int32(config.rlimits.count)
        spec.oom_score_adj_set = config.oomScoreAdj == nil ? 0 : 1
        spec.oom_score_adj = config.oomScoreAdj ?? 0
        spec.setsid = config.setsid ? 1 : 0
        spec.stdin_fd = config.stdio.in
        spec.stdout_fd = config.stdio.out
        spec.stderr_fd = config.stdio.err
        spec.terminal_socket = config.terminalSocket
        spec.bind_console = config.bindConsole ? 1 : 0
        spec.console_rows = config.consoleSize.rows
        spec.console_cols = config.consoleSize.columns
        spec.preserve_fds = config.preserveFDs

        spec.no_new_privs = config.noNewPrivileges ? 1 : 0
        config.capabilities?.apply(to: &spec)
        if let seccomp = config.seccomp {
            spec.seccomp_filter = UnsafeRawPointer(arena.array(seccomp.bytes))
            spec.seccomp_len = UInt16(seccomp.instructionCount)
            spec.seccomp_flags = seccomp.flags
        }
        spec.seccomp_notify_socket = -1
        var notifySocket: [Int32] = [-1, -1]
        if let seccomp = config.seccomp, seccomp.flags & SeccompCompiler.newListenerFlag != 0 {
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &notifySocket) == 0
            else { throw .system(SystemError("socketpair for the seccomp notify fd")) }
            spec.seccomp_notify_socket = notifySocket[1]
        }
        defer { if notifySocket[1] >= 0 { close(notifySocket[1]) } }
        spec.wait_parent = config.waitForParent ? 1 : 0
        if let cgroup {
            spec.cgroup_task_fds = arena.array(cgroup.taskFDs.map { Int32($0) })
            spec.n_cgroup_task_fds = Int32(cgroup.taskFDs.count)
            spec.use_cgroup_dir = cgroup.unifiedFD >= 0 ? 1 : 0
            spec.cgroup_dir_fd = cgroup.unifiedFD
        }
        spec.start_fd = config.startFD
        spec.debug = config.debug ? 1 : 0
        spec.start_result_fd = -1
        if !config.hooks.isEmpty {
            let hooks = config.hooks
            func commands(_ list: [ChildHooks.Command]) -> UnsafePointer<cskiff_hook>? {
                arena.array(
                    list.map {
                        cskiff_hook(
                            path: arena.string($0.path), argv: arena.stringArray($0.argv, nullTerminated: true),
                            envp: arena.stringArray($0.env, nullTerminated: true), timeout: $0.timeout)
                    })
            }
            spec.pause_for_hooks = hooks.pauseForParent ? 1 : 0
            spec.create_container_hooks = commands(hooks.createContainer)
            spec.n_create_container_hooks = Int32(hooks.createContainer.count)
            spec.start_container_hooks = commands(hooks.startContainer)
            spec.n_start_container_hooks = Int32(hooks.startContainer.count)
            spec.hook_state_creating = arena.string(hooks.stateCreating)
            spec.hook_state_created = arena.string(hooks.stateCreated)
            spec.start_result_fd = hooks.startResultFD
        }

        if config.terminalSocket < 0, let owner = config.stdioOwner {
            try owner.give([config.stdio.in, config.stdio.out, config.stdio.err])
        }
        var child = cskiff_child()
        if cskiff_spawn(&spec, &child) != 0 {
            let error = SystemError("clone3")
            if notifySocket[0] >= 0 { close(notifySocket[0]) }
            throw .system(error)
        }
        return SpawnedChild(
            pid: child.pid, pidfd: child.pidfd, syncFD: child.sync_fd, reportFD: child.report_fd,
            bornInCgroup: child.in_cgroup_dir != 0, seccompSocket: notifySocket[0])
    }

    /// Let a child that waits for its parent continue. With `keepSync` (the child pauses again for the
    /// parent's hooks) the sync pipe stays open for `release` to be called once more.
    public static func release(_ child: inout SpawnedChild, keepSync: Bool = false) throws(SpawnError) {
        if keepSync {
            var go: UInt8 = 0x67
            if write(child.syncFD, &go, 1) != 1 { throw .system(SystemError("release child \(child.pid)")) }
            return
        }
        var c = cskiff_child(
            pid: child.pid, pidfd: child.pidfd, sync_fd: child.syncFD, report_fd: child.reportFD, in_cgroup_dir: 0)
        let rc = cskiff_release(&c)
        child.syncFD = -1
        if rc != 0 { throw .system(SystemError("release child \(child.pid)")) }
    }

    public enum Outcome: Sendable {
        /// The child called execve (the report pipe closed on exec).
        case execed
        /// The child finished its set-up and waits on its start fifo (`oci create`).
        case ready
        /// The child made its mounts and waits (on the sync pipe) for the parent's prestart and
        /// createRuntime hooks; `release` it, then await the rest of its set-up.
        case hooks
    }

    /// Read the child's reports until it has exec'd or is ready, logging each event at debug level.
    /// A reported failure is thrown; the child has exited by then. With `plan` (the config the child
    /// was spawned with) and the logger explaining, each step the child completed is recorded for `--explain`.
    /// A filter with SCMP_ACT_NOTIFY rules has its notify fd handed to `seccompAgent`.
    /// `keepReportAfterReady`: a child that is ready keeps its report pipe, to be awaited again once
    /// let through its gate (a detached start's work beside the set-up, `StartOptions.alongsideSetup`).
    public static func awaitSetup(
        _ child: inout SpawnedChild, logger: Logger, plan: LaunchConfig? = nil,
        seccomp: SeccompSummary? = nil, seccompAgent: SeccompAgent? = nil, keepReportAfterReady: Bool = false
    ) throws(SpawnError) -> Outcome {
        var paused = false
        defer {
            if !paused, child.reportFD >= 0 { close(child.reportFD); child.reportFD = -1 }
            if !paused, child.seccompSocket >= 0 { close(child.seccompSocket); child.seccompSocket = -1 }
        }
        var steps = plan.flatMap { logger.isExplaining ? ChildStepEvents(config: $0, seccomp: seccomp) : nil }
        var report = cskiff_report()
        while true {
            let rc = cskiff_read_report(child.reportFD, &report)
            if rc == 0 {
                for e in steps?.finish() ?? [] { logger.explain(e) }
                return .execed
            }
            if rc < 0 { throw .system(SystemError("read child report")) }
            let detail = withUnsafeBytes(of: &report.detail) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            switch report.kind {
            case Int32(CSKIFF_REPORT_EVENT.rawValue):
                logger.debug(
                    "\(String(cString: cskiff_step_name(report.step)))",
                    metadata: ["pid": "\(child.pid)", "detail": "\(detail)"])
                for e in steps?.report(step: report.step, detail: detail) ?? [] { logger.explain(e) }
            case Int32(CSKIFF_REPORT_READY.rawValue):
                for e in steps?.finish() ?? [] where e.kind != .execve { logger.explain(e) }
                paused = keepReportAfterReady
                return .ready
            case Int32(CSKIFF_REPORT_HOOKS.rawValue):
                paused = true
                return .hooks
            case Int32(CSKIFF_REPORT_SECCOMP.rawValue):
                try handSeccompFD(&child, to: seccompAgent, logger: logger)
            default:
                throw .step(step: report.step, detail: detail, errno: report.err)
            }
        }
    }

    /// The child loaded a filter that notifies and sent its notify fd: pass it to the agent. The child
    /// may be blocked in a notified syscall until the agent has it; on failure the caller kills it.
    static func handSeccompFD(
        _ child: inout SpawnedChild, to agent: SeccompAgent?, logger: Logger
    ) throws(SpawnError) {
        let fd = cskiff_recv_fd(child.seccompSocket)
        if fd < 0 { throw .system(SystemError("receive the seccomp notify fd")) }
        defer { close(fd) }
        close(child.seccompSocket)
        child.seccompSocket = -1
        guard let agent else { throw .childDied("its seccomp filter notifies, but no listenerPath is set") }
        logger.debug("seccomp agent", metadata: ["listenerPath": "\(agent.listenerPath)", "pid": "\(child.pid)"])
        try agent.hand(fd: fd, pid: child.pid)
    }

    /// Wait for a child to exit; returns the shell-style status (the code, or 128 + signal).
    public static func wait(pidfd: Int32) throws(SpawnError) -> ExitStatus {
        var code: Int32 = 0
        var sig: Int32 = 0
        if cskiff_wait(pidfd, &code, &sig) != 0 { throw .system(SystemError("waitid")) }
        return ExitStatus(code: code >= 0 ? code : nil, signal: sig > 0 ? sig : nil)
    }
}

/// How a process ended.
public struct ExitStatus: Sendable, Equatable, CustomStringConvertible {
    public var code: Int32?
    public var signal: Int32?

    public init(code: Int32?, signal: Int32?) {
        self.code = code
        self.signal = signal
    }

    /// What a shell reports: the exit code, or 128 + the signal number.
    public var shellStatus: Int32 { code ?? (128 + (signal ?? 0)) }

    public var description: String {
        if let signal { return "killed by signal \(signal)" }
        return "exited with code \(code ?? -1)"
    }
}

/// C memory for one spawn, released together.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s else { return nil }
        let p = strdup(s)!
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func array<T>(_ values: [T]) -> UnsafePointer<T>? {
        if values.isEmpty { return nil }
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func stringArray(_ values: [String], nullTerminated: Bool) -> UnsafePointer<UnsafePointer<CChar>?>? {
        if values.isEmpty && !nullTerminated { return nil }
        var pointers = values.map { string($0) }
        if nullTerminated { pointers.append(nil) }
        return array(pointers)
    }

    func free() {
        for b in blocks { Glibc.free(b) }
        blocks.removeAll()
    }
}
