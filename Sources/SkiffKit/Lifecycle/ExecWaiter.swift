import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `exec -d`'s exec_die. Only a process's parent learns its exit status, and the `skiff exec -d` that
/// starts it exits at once; so that skiff runs again under a waiter, the monitor in exec-wait mode
/// (`skiff-monitor -E`, C, a few hundred KB while the process runs): the waiter is a child subreaper,
/// the skiff it runs (SKIFF_EXEC_WAITER=<the waiter's pid>) starts the process and exits, the process
/// is reparented to the waiter, and when it ends the waiter runs `skiff container-internal exec-died`.
extension Engine {
    /// Set to the waiter's pid in the environment of the skiff it runs.
    public static let execWaiterVariable = "SKIFF_EXEC_WAITER"

    /// Whether this process is the skiff an exec waiter runs (its fd 3 takes the start report): the
    /// variable names its parent, so a copy of it inherited further never passes.
    public static var isUnderExecWaiter: Bool {
        guard let v = getenv(execWaiterVariable), let pid = Int32(String(cString: v)) else { return false }
        return pid == getppid()
    }

    /// Whether `exec -d` goes under a waiter: not when the variable is set at all (under a waiter
    /// already, or a copy inherited further), so a waiter never starts another.
    public static var execNeedsWaiter: Bool { getenv(execWaiterVariable) == nil }

    /// Run `skiff ARGUMENTS` (an `exec -d` command line) under an exec waiter, with this process's
    /// stdin, stdout and stderr; its exit status. `container` names the container (for the waiter's
    /// working directory).
    public func execUnderWaiter(container nameOrID: String, arguments: [String]) throws(KitError) -> Int32 {
        let c = try container(nameOrID)
        var pipeFDs: [Int32] = [-1, -1]
        if pipe(&pipeFDs) != 0 { throw .system(SystemError("pipe")) }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let readEnd = pipeFDs[0]
        defer { close(readEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The pipe first: it may be one of the fds 4-6 that the caller's stdio goes to.
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 3)
        for fd: Int32 in 0...2 { posix_spawn_file_actions_adddup2(&actions, fd, fd + 4) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        let attributes = SpawnAttributes()
        var flags: Int16 = 0
        posix_spawnattr_getflags(&attributes.attr, &flags)
        posix_spawnattr_setflags(&attributes.attr, flags | Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes.attr, 0)
        let args =
            [Self.monitorPath, "-E", "-s", Self.skiffPath, "-d", containers.directory(of: c.id), "--"] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var env = MonitorEnvironment.cStrings(stateRoot: root)
        defer { for p in cargs + env { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, &attributes.attr, &cargs, &env)
        close(pipeFDs[1])
        if rc != 0 { throw .startFailed(c.name, reason: "cannot run the monitor \(args[0]): \(errnoText(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        var reader = LineReader(fd: readEnd)
        guard let line = reader.line(), line.hasPrefix("status "), let code = Int32(line.dropFirst(7)) else {
            throw .startFailed(c.name, reason: "the exec waiter (\(Self.monitorPath) -E) did not report")
        }
        return code
    }

    /// `container-internal exec-died`: a detached exec's process ended; its exec_die. Nothing once the
    /// container is gone.
    package func recordExecDied(id: String, execID: String, code: Int32, signal: Int32) {
        guard let c = try? containers.load(id: id) else { return }
        ExecEvents(recorder: events, container: c, command: [], execID: execID).died(code >= 0 ? code : 128 + signal)
    }
}
