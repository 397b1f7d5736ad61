import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff exec`: another process in a running container, through OCIRuntime.exec (every namespace of
/// the init joined, its cgroup, its seccomp filter). The container's environment, working directory and
/// user are the defaults; flags change them.
public struct ExecRequest: Sendable {
    /// The program and its arguments.
    public var command: [String]
    /// -t: a terminal for the process.
    public var tty = false
    /// -i: keep stdin open (without it stdin is /dev/null).
    public var interactive = false
    /// -d: start it and return without waiting.
    public var detach = false
    /// KEY=VALUE (or KEY: the caller's value) on top of the container's environment.
    public var env: [String] = []
    /// The caller's environment, for `env` entries given without a value.
    public var callerEnvironment: [String: String] = [:]
    /// -w: the working directory (absolute); nil keeps the container's.
    public var workdir: String?
    /// -u: user[:group], resolved in the container's /etc/passwd and /etc/group; nil keeps the container's.
    public var user: String?
    /// --privileged: every capability for the process.
    public var privileged = false
    /// The terminal's size with `tty`.
    public var consoleSize: ConsoleSize?
    /// Where the process's stdio goes without a terminal; -1: the caller's.
    public var stdio: (in: Int32, out: Int32, err: Int32) = (-1, -1, -1)
    /// Written with the process's host pid (a detached exec the caller waits for itself).
    public var pidFile: String?
    /// Detached: once the process runs, "PID EXECID CONTAINERID" is written here (a socket with `tty`, the
    /// terminal's master passed with it), for the exec waiter that records its exec_die and holds its
    /// terminal (see ExecWaiter); -1: not written.
    public var startReportFD: Int32 = -1
    /// `compose --dry-run`: the request checked as a real exec checks it (the container running and not
    /// paused, the working directory, the user in the container's files), no process started.
    public var dryRun = false

    /// A request to run `command` with the container's defaults.
    public init(command: [String]) {
        self.command = command
    }
}

extension Engine {
    /// Run `request` in the container; its exit status, or nil when detached.
    public func exec(_ nameOrID: String, _ request: ExecRequest) throws(KitError) -> ExitStatus? {
        let c = try execSubject(nameOrID)
        guard !request.command.isEmpty else { throw .usage("exec needs a command to run") }
        let target: OCIRuntime.ExecTarget
        do { target = try runtime.execTarget(id: c.id) } catch { throw .runtime(error) }
        // Docker's check: a process joined to a frozen cgroup would hang until the unpause.
        if target.status == .paused {
            throw .usage("container \(c.name) is paused, unpause the container before exec")
        }
        let spec = target.spec
        guard var process = spec.process else { throw .usage("container \(c.name) has no process in its config") }
        process.args = request.command
        process.terminal = request.tty
        process.consoleSize = request.tty ? request.consoleSize : nil
        var env = EnvironmentList()
        // Docker: a terminal gets TERM=xterm unless the container's environment or -e says otherwise.
        if request.tty { env.set("TERM=xterm") }
        for e in process.env ?? [] { env.set(e) }
        for e in request.env {
            if e.contains("=") { env.set(e) } else if let v = request.callerEnvironment[e] { env.set(e + "=" + v) }
        }
        process.env = env.entries
        if let w = request.workdir {
            guard w.hasPrefix("/") else { throw .usage("-w \(w): the working directory must be an absolute path") }
            process.cwd = InRootPath.clean(w)
        }
        if let u = request.user {
            let root = try ContainerRoot(pid: c.pid ?? target.pid)
            let user = try UserResolver.resolve(
                u, passwd: root.read("/etc/passwd"), group: root.read("/etc/group"), image: c.image)
            process.user = User(
                uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.isEmpty ? nil : user.additionalGids)
            // A HOME the container got by default is the run user's: `-u` gets its own, as runc gives it
            // (Config.Env has no HOME), unless `-e` names one.
            if let home = c.defaultHome, !request.env.contains(where: { $0 == "HOME" || $0.hasPrefix("HOME=") }) {
                let rest = (process.env ?? []).filter { $0 != "HOME=" + home }
                process.env = DockerDefaults.withHome(rest, home: user.home)
            }
            if user.uid != 0, !request.privileged {
                let bounding = process.capabilities?.bounding ?? []
                process.capabilities = LinuxCapabilities(
                    bounding: bounding, effective: [], inheritable: [], permitted: [], ambient: [])
            } else if user.uid == 0, let caps = spec.process?.capabilities?.bounding {
                process.capabilities = .uniform(caps)
            }
        }
        if request.privileged {
            // Every capability this host can grant, as `run --privileged` takes them: asking for one outside
            // the host's bounding set (a host without CAP_SYS_RESOURCE, say) would make capset fail.
            let host = HostCapabilities.current()
            process.capabilities = .uniform(Capability.allCases.filter { host?.contains($0) ?? true }.map(\.name))
        }
        if request.dryRun { return nil }
        var options = OCIRuntime.ExecOptions()
        options.detach = request.detach
        options.pidFile = request.pidFile
        var devNull: Int32 = -1
        defer { if devNull >= 0 { close(devNull) } }
        options.stdio = request.stdio
        if !request.tty && (!request.interactive || request.detach) && options.stdio.in < 0 {
            devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
            options.stdio.in = devNull
        }
        if request.detach && !request.tty {
            if devNull < 0 { devNull = open("/dev/null", O_RDWR | O_CLOEXEC) }
            if options.stdio.out < 0 { options.stdio.out = devNull }
            if options.stdio.err < 0 { options.stdio.err = devNull }
        }
        if request.detach && request.tty && request.startReportFD < 0 {
            throw .usage("a detached exec with a terminal needs a holder of the terminal (see ExecWaiter)")
        }
        let execEvents = ExecEvents(recorder: events, container: c, command: request.command)
        let execID = execEvents.execID
        options.started = { pid in recordExecStarted(containerID: c.id, execID: execID, pid: pid) }
        if request.detach && request.startReportFD >= 0 {
            let fd = request.startReportFD
            let report = "\(execEvents.execID) \(c.id)\n"
            if request.tty {
                // The terminal goes to the waiter with the report: it holds it while the process runs.
                options.terminalStarted = { pid, master in
                    _ = DescriptorPassing.send(master, with: "\(pid) " + report, over: fd)
                }
            } else {
                options.started = { pid in
                    recordExecStarted(containerID: c.id, execID: execID, pid: pid)
                    _ = try? FileIO.writeAll(fd: fd, bytes: Array("\(pid) \(report)".utf8))
                }
            }
        }
        // One this call waits for is over when it returns; a detached one's waiter reports its end.
        defer { if !request.detach { recordExecEnded(containerID: c.id, execID: execID) } }
        do {
            execEvents.started()
            let status = try runtime.exec(target, process: process, options: options)
            if let status { execEvents.died(status.shellStatus) }
            return status
        } catch {
            throw .runtime(error)
        }
    }

    /// The running container `nameOrID`, read as an exec's subject when its record is found directly and
    /// its process runs; anything else is found, reconciled and refused as by `container(_:)`.
    private func execSubject(_ nameOrID: String) throws(KitError) -> ExecSubject {
        if let s = containers.findSubject(nameOrID), s.status == .running, let pid = s.pid,
            let start = s.pidStartTime, SkiffRuntime.ProcessInfo.isRunning(pid: pid, startTime: start)
        {
            return s
        }
        let c = try container(nameOrID)
        guard c.status == .running, processAlive(c) else { throw .notRunning(c.name) }
        return ExecSubject(c)
    }

    func runtimePidOf(_ id: String) throws(KitError) -> Int32 {
        do { return try runtime.state(id: id).pid } catch { throw .runtime(error) }
    }
}

/// A running container's root, opened through /proc/<pid>/root; paths are resolved with
/// openat2(RESOLVE_IN_ROOT), so a symlink in the container can never lead to a host file.
package final class ContainerRoot {
    package let fd: Int32

    package init(pid: Int32) throws(KitError) {
        let path = "/proc/\(pid)/root"
        fd = Glibc.open(path, openPath | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: path)) }
    }

    package init(directory: String) throws(KitError) {
        fd = Glibc.open(directory, openPath | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: directory)) }
    }

    deinit { close(fd) }

    /// openat2 in the root; errno is set on failure (-1).
    package func open(_ path: String, flags: Int32, mode: mode_t = 0) -> Int32 {
        ResolvedOpen.open(at: fd, path, flags: flags, mode: mode, resolve: [.inRoot, .noMagicLinks])
    }

    /// A regular file's contents (nil when missing or unreadable).
    package func read(_ path: String) -> String? {
        let f = open(path, flags: O_RDONLY)
        guard f >= 0 else { return nil }
        defer { close(f) }
        var st = stat()
        guard fstat(f, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(f, &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
