import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A detached start in one Swift process (issue 15). The usual start runs a second skiff, the monitor's
/// start helper, only so that the container's init is the monitor's child: it pays a whole program start
/// and reads back the records this process has just written. Instead this process forks twice (the
/// middle process exits at once, so the last one is nobody's child and in a session of its own); the last
/// one launches the container through the runtime, records it running, and then execs `skiff-monitor -I
/// PID`: a process keeps its children across execve, so the monitor is the init's parent as before, and
/// it reports to the ready pipe exactly as after a helper's start. Restarts still go through the helper.
///
/// With a terminal (`run -dt`), the last process receives the pty's master on the container's console
/// socket, as the monitor does after a helper's start, and hands it to the monitor.
///
/// A caller that exits as soon as the start is reported (`run -d`) forks once: its exit makes the last
/// process nobody's child all the same, and a fork of this program is not cheap (its page tables, then
/// their teardown at the middle process's exit, about half a millisecond of a start).
///
/// The fork continues in Swift, which is sound only while this process has one thread: the caller
/// checks `possible` first. A start that waits for an attach client first, and one that is explained
/// (`--explain` collects the helper's events), take the usual path.
package struct AdoptedStart {
    /// The container's record as the caller read it just before: the launch starts from it (the fork
    /// has it in memory) rather than reading it back.
    let record: Container
    var id: String { record.id }
    let monitorArguments: [String]
    let stateRoot: String
    let openStdin: Bool
    let tty: Bool
    /// One fork instead of two: the caller exits once the start is reported, and leaves no zombie.
    var forksOnce = false

    /// Whether this start can be adopted, from the start's options and this process's facts: the monitor
    /// can be run, and `threads` (this process's, nil when unknown) is 1.
    package static func possible(
        attach: Bool, explaining: Bool, monitorRunnable: Bool, threads: Int?
    ) -> Bool {
        !attach && !explaining && monitorRunnable && threads == 1
    }

    static func possible(attach: Bool, explaining: Bool, monitor: String) -> Bool {
        possible(
            attach: attach, explaining: explaining, monitorRunnable: access(monitor, X_OK) == 0,
            threads: (try? FileIO.readString("/proc/self/status")).flatMap(threadCount))
    }

    /// The "Threads:" line of a /proc/PID/status text.
    package static func threadCount(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return nil }
        return Int(line.dropFirst("Threads:".count).filter { $0 != " " && $0 != "\t" })
    }

    /// Fork the process that launches the container and becomes its monitor; its report arrives on
    /// `readyFD`'s pipe, as the spawned monitor's does.
    func run(engine: Engine, readyFD: Int32) throws(KitError) {
        // With a terminal the container's stdio is the pty, which the runtime makes.
        var pipes = tty ? StdioPipes() : try StdioPipes(openStdin: openStdin)
        defer { pipes.closeAll() }
        let first = fork()
        if first < 0 { throw .system(SystemError("fork")) }
        if first == 0 {
            if !forksOnce {
                let second = fork()
                if second != 0 { _exit(second < 0 ? 1 : 0) }
            }
            launchAndBecomeMonitor(engine: engine, readyFD: readyFD, pipes: pipes)
        }
        if forksOnce { return }
        var status: Int32 = 0
        while waitpid(first, &status, 0) < 0 && errno == EINTR {}
        if status != 0 { throw .startFailed(id, reason: "cannot fork the container's monitor") }
    }

    /// In the last fork: never returns.
    private func launchAndBecomeMonitor(engine: Engine, readyFD: Int32, pipes: StdioPipes) -> Never {
        // As the monitor: out of the caller's session, so its ^C or hang-up does not reach us. A stop
        // (SIGTERM to the pid recorded below, ours) waits, blocked, for the monitor's signalfd.
        setsid()
        var term = sigset_t()
        sigemptyset(&term)
        sigaddset(&term, SIGTERM)
        sigprocmask(SIG_BLOCK, &term, nil)
        for sig in [SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { signal(sig, SIG_IGN) }
        // The caller's stdout may be a pipe read to its end (`id=$(skiff run -d …)`): none of ours holds it.
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        for fd: Int32 in 0...2 { dup2(null, fd) }
        func fail(_ message: String) -> Never {
            let bytes = Array("err \(message)\n".utf8)
            _ = bytes.withUnsafeBytes { write(readyFD, $0.baseAddress, $0.count) }
            _exit(1)
        }
        // Without a monitor nobody would reap the init or record its exit: end it here.
        func fail(abandoning started: InitProcess, _ reason: String) -> Never {
            kill(started.pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(started.pid, &status, 0) < 0 && errno == EINTR {}
            _ = try? engine.internalExited(id: id, code: -1, signal: SIGKILL, finishedAt: Timestamp.now())
            fail(reason)
        }
        // The container's directory, where the monitor works too. The runtime sends a terminal's master to
        // console.sock there: listening before the launch, the message waits in the backlog.
        let dir = engine.containers.directory(of: id)
        guard chdir(dir) == 0 else { fail("cannot enter \(dir): \(errnoText(errno))") }
        var console: Int32 = -1
        if tty {
            unlink(Engine.consoleSocket)
            console = UnixSocketAddress.listen(at: Engine.consoleSocket, backlog: 1)
            guard console >= 0 else { fail("cannot listen on \(dir)/\(Engine.consoleSocket): \(errnoText(errno))") }
        }
        let started: InitProcess
        do {
            started = try engine.internalStart(
                id: id, restart: false, stdio: (pipes.stdinRead, pipes.stdoutWrite, pipes.stderrWrite),
                monitor: getpid(), record: record)
        } catch {
            if tty { unlink(Engine.consoleSocket) }
            fail("\(error)")
        }
        var master: Int32 = -1
        if tty {
            master = Self.receiveMaster(console)
            unlink(Engine.consoleSocket)
            if master < 0 { fail(abandoning: started, "the container's terminal did not arrive on its console socket") }
        }
        var args = Array(monitorArguments.dropLast())
        args += ["-I", "\(started.pid)"]
        let watch = engine.oomWatch(of: started)?.monitorArgument
        if let watch { args += ["-W", watch] }
        // The start is reported here, before the monitor's exec, so the caller is not kept waiting for
        // it: what the caller may do next is ready already. The attach socket (and a terminal's ctl
        // FIFO) are made here and handed over, so an attach queues until the monitor accepts; a stop's
        // SIGTERM stays pending, blocked, for the monitor's signalfd; `logs` reads a missing log as empty.
        let listener = MonitorHandover.attachListener()
        let ctl = tty ? MonitorHandover.resizeFIFO() : -1
        if listener >= 0 { args += ["-L", "\(MonitorHandover.listenerFD)"] }
        if ctl >= 0 { args += ["-C", "\(MonitorHandover.ctlFD)"] }
        args.append(id)
        MonitorHandover.report(started: started.pid, watch: watch, to: readyFD)
        // The monitor's fds: 4 and 5 the init's output, 6 its input (with a terminal, 4 is its master),
        // 7 the attach socket, 8 the ctl FIFO. Each is first moved above that range so that no dup2
        // clobbers another; all others, the ready pipe among them, close at the exec.
        let streams = tty ? [master, -1, -1] : [pipes.stdoutRead, pipes.stderrRead, pipes.stdinWrite]
        let wanted = (streams + [listener, ctl]).map { fd in
            fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 10) : -1
        }
        Descriptors.closeOnExec(from: 3)
        for (i, fd) in wanted.enumerated() where fd >= 0 { dup2(fd, Int32(4 + i)) }
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        let env = MonitorEnvironment.cStrings(stateRoot: stateRoot)
        execve(args[0], &cargs, env)
        fail(abandoning: started, "cannot run the monitor \(args[0]): \(errnoText(errno))")
    }

    /// The master that the runtime sent to `listener`: it connected and sent before the launch returned.
    private static func receiveMaster(_ listener: Int32) -> Int32 {
        defer { close(listener) }
        var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 5000) == 1 else { return -1 }
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return -1 }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        defer { close(client) }
        return DescriptorPassing.receive(from: client)?.fd ?? -1
    }
}

/// The container's stdio pipes for an adopted start, close-on-exec: the runtime hands the container's
/// ends to its init, and the monitor gets ours at fixed numbers.
private struct StdioPipes {
    var stdoutRead: Int32 = -1, stdoutWrite: Int32 = -1
    var stderrRead: Int32 = -1, stderrWrite: Int32 = -1
    var stdinRead: Int32 = -1, stdinWrite: Int32 = -1

    init(openStdin: Bool) throws(KitError) {
        (stdoutRead, stdoutWrite) = try Self.pipe()
        do {
            (stderrRead, stderrWrite) = try Self.pipe()
            if openStdin { (stdinRead, stdinWrite) = try Self.pipe() }
        } catch {
            closeAll()
            throw error
        }
    }

    private static func pipe() throws(KitError) -> (Int32, Int32) {
        guard let ends = Descriptors.pipe(nonBlocking: false) else { throw .system(SystemError("pipe")) }
        return ends
    }

    mutating func closeAll() {
        for fd in [stdoutRead, stdoutWrite, stderrRead, stderrWrite, stdinRead, stdinWrite] where fd >= 0 { close(fd) }
        self = StdioPipes(closed: ())
    }

    /// None: a terminal's start.
    init() {}

    private init(closed: Void) {}
}
