import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `exec -d`'s exec_die. Only a process's parent learns its exit status, and the `skiff exec -d` that
/// starts it exits at once; so that skiff runs again under a waiter, the monitor in exec-wait mode
/// (`skiff-monitor -E`, C, a few hundred KB while the process runs): the waiter is a child subreaper,
/// the skiff it runs (SKIFF_EXEC_WAITER=<the waiter's pid>) starts the process and exits, the process
/// is reparented to the waiter, and when it ends the waiter runs `skiff container-internal exec-died`.
/// With a terminal (`exec -t`) the waiter also holds the terminal's master, so the process keeps its
/// terminal when the `skiff exec -it` attached to it leaves on the detach keys (`HeldTerminal`).
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

    /// Run `skiff ARGUMENTS` (an `exec -d` or `exec -t` command line) under an exec waiter, with this
    /// process's stdin, stdout and stderr: its exit status, or, once a process with a terminal runs, the
    /// terminal the waiter holds. `container` names the container (for the waiter's working directory).
    public func execUnderWaiter(container nameOrID: String, arguments: [String]) throws(KitError) -> ExecWaiterStart {
        let c = try container(nameOrID)
        var pair: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) != 0 {
            throw .system(SystemError("socketpair"))
        }
        let channel = pair[0]
        var keepChannel = false
        defer { if !keepChannel { close(channel) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The socket first: it may be one of the fds 4-6 that the caller's stdio goes to.
        posix_spawn_file_actions_adddup2(&actions, pair[1], 3)
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
        close(pair[1])
        if rc != 0 { throw .startFailed(c.name, reason: "cannot run the monitor \(args[0]): \(errnoText(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let noReport = KitError.startFailed(c.name, reason: "the exec waiter (\(Self.monitorPath) -E) did not report")
        guard let (text, master) = DescriptorPassing.receive(from: channel) else { throw noReport }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count >= 2, words[0] == "status", let code = Int32(words[1]) else {
            if master >= 0 { close(master) }
            throw noReport
        }
        guard master >= 0, words.count == 5, let processID = Int32(words[2]) else {
            if master >= 0 { close(master) }
            return .finished(code)
        }
        keepChannel = true
        return .terminal(
            HeldTerminal(
                channel: channel, master: master, pid: processID, execID: String(words[3]),
                containerID: String(words[4])))
    }

    /// `container-internal exec-died`: a detached exec's process ended; its exec_die. Nothing once the
    /// container is gone.
    package func recordExecDied(id: String, execID: String, code: Int32, signal: Int32) {
        guard let c = try? containers.load(id: id) else { return }
        recordExecEnded(containerID: c.id, execID: execID)
        ExecEvents(recorder: events, container: ExecSubject(c), command: [], execID: execID).died(
            code >= 0 ? code : 128 + signal)
    }
}

/// How a command run under an exec waiter went on.
public enum ExecWaiterStart {
    /// It ended with this exit status (a detached exec's: it started, or why it did not).
    case finished(Int32)
    /// Its process runs with a terminal that the waiter holds; the caller is that terminal's client.
    case terminal(HeldTerminal)
}

/// An exec's terminal held by its exec waiter, as the `skiff exec -it` that started it sees it: a copy of
/// the master to copy to and from the user's terminal, and the waiter's socket, which says "exit CODE
/// SIGNAL" when the process ends. Closing the socket (a detach, or this skiff's end) leaves the terminal
/// to the waiter, which then reads and drops what the process prints and records its exec_die.
public struct HeldTerminal: Sendable {
    /// The waiter's socket.
    public let channel: Int32
    /// The terminal's master (close-on-exec).
    public let master: Int32
    /// The process's host pid.
    public let pid: Int32
    /// The exec's ID (its events').
    public let execID: String
    /// The container's full ID.
    public let containerID: String

    /// The process's end, once the waiter has said it on `channel`: (code, signal), the code -1 when a
    /// signal ended it. nil when the waiter went away without saying it.
    public func readExit() -> (code: Int32, signal: Int32)? {
        var reader = LineReader(fd: channel)
        guard let line = reader.line() else { return nil }
        let words = line.split(separator: " ")
        guard words.count == 3, words[0] == "exit", let code = Int32(words[1]), let signal = Int32(words[2]) else {
            return nil
        }
        return (code, signal)
    }

    /// Record the process's exec_die here (so it is recorded when this command returns), and tell the
    /// waiter that it need not.
    public func recordExit(in engine: Engine, code: Int32, signal: Int32) {
        engine.recordExecDied(id: containerID, execID: execID, code: code, signal: signal)
        _ = try? FileIO.writeAll(fd: channel, bytes: Array("recorded\n".utf8))
    }

    /// Close both descriptors (the waiter keeps the terminal).
    public func close() {
        Glibc.close(master)
        Glibc.close(channel)
    }
}
