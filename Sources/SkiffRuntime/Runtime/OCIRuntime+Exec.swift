import CSkiff
import Logging
import SkiffExplain
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

extension OCIRuntime {
    public struct ExecOptions {
        public var detach = false
        public var pidFile: String?
        public var consoleSocket: String?
        public var preserveFDs: Int32 = 0
        /// Exec into a paused container too (runc's --ignore-paused): the process joins the frozen
        /// cgroup and runs once the container is resumed.
        public var ignorePaused = false
        /// The process's stdin, stdout and stderr when there is no terminal; -1 passes ours through.
        public var stdio: (in: Int32, out: Int32, err: Int32) = (-1, -1, -1)
        /// Called with the process's host pid once it runs (after `pidFile` is written).
        public var started: ((Int32) -> Void)?
        /// With a terminal, called after `started` with the process's host pid and the terminal's master,
        /// which the runtime closes afterwards (pass it on or dup it). A detached exec that has it needs no
        /// console socket.
        public var terminalStarted: ((Int32, Int32) -> Void)?
        public init() {}
    }

    /// The config.json a container was created from (for `exec` defaults).
    public func spec(of id: String) throws(RuntimeError) -> Spec {
        try SpecFile.load(bundle: try load(id: id).bundle)
    }

    /// What an exec into a container starts from, read once: its state record, its status and its
    /// config.json (a caller checks the status and takes the process defaults from the spec, then hands
    /// the same value to `exec`, so neither file is read twice).
    public struct ExecTarget: Sendable {
        let record: ContainerRecord
        public let status: State.Status
        /// What the exec takes of the container's config.json; its seccomp profile may have been read
        /// without its rules (`LinuxSeccomp.rulesOmitted`) when `seccompProgram` holds the filter.
        public let spec: ExecSpec
        /// The filter the init was given, kept by `create` (ContainerSeccompFile).
        let seccompProgram: SeccompProgram?
        /// The init's host pid.
        public var pid: Int32 { record.pid }
    }

    public func execTarget(id: String) throws(RuntimeError) -> ExecTarget {
        let record = try load(id: id)
        // The init's filter, when create kept it, is the exec's, whatever config.json says by now. Its
        // profile's rules are then not read, unless they are needed after all: for a seccomp agent (which
        // rules notify) or for --explain (what the filter refuses).
        let program = ContainerSeccompFile.read(directory: directory(of: id))
        let omitRules = program != nil && !logger.isExplaining
        var spec: ExecSpec
        if omitRules, let read = SpecFile.execParts(bundle: record.bundle) {
            spec = read
        } else {
            spec = ExecSpec(try SpecFile.load(bundle: record.bundle, omittingSeccompRules: omitRules))
        }
        if omitRules, spec.seccomp?.listenerPath != nil {
            spec = ExecSpec(try SpecFile.load(bundle: record.bundle))
        }
        return ExecTarget(record: record, status: status(of: record), spec: spec, seccompProgram: program)
    }

    /// Run another process in a running container: every namespace of its init joined, placed in its
    /// cgroup, under the container's seccomp filter. Returns the exit status, or nil with `detach`.
    public func exec(id: String, process: Process, options: ExecOptions) throws(RuntimeError) -> ExitStatus? {
        try exec(try execTarget(id: id), process: process, options: options)
    }

    /// `exec` into a target already read (`execTarget(id:)`).
    public func exec(_ target: ExecTarget, process: Process, options: ExecOptions) throws(RuntimeError)
        -> ExitStatus?
    {
        let record = target.record
        let id = record.id
        let status = target.status
        if status == .paused && !options.ignorePaused { throw .paused(id: id) }
        // runc execs into a created container too (its init waits before execve, its namespaces are made).
        guard status == .running || status == .created || status == .paused else {
            throw .wrongState(id: id, status: status.rawValue, wanted: "running or created")
        }
        let spec = target.spec
        let terminal = process.terminal ?? false
        if terminal && options.detach && options.consoleSocket == nil && options.terminalStarted == nil {
            throw .usage("--tty with --detach needs --console-socket to receive the terminal")
        }

        let facts = try ExecFacts.current(initPid: record.pid, spec: spec)
        let planner = ExecPlanner(
            seccomp: SeccompCompiler(cacheDirectory: root + "/.seccomp-cache", logger: logger),
            logger: logger)
        var config = try planner.plan(process, spec: spec, facts: facts, seccompProgram: target.seccompProgram)
        config.debug = debug || logger.isExplaining
        config.preserveFDs = options.preserveFDs
        config.stdio = .init(options.stdio)
        var namespaces: NamespaceFiles
        do { namespaces = try NamespaceFiles.open(config.joins) } catch {
            throw .system(SystemError("open", path: error.join.path, errno: error.errno))
        }
        defer { namespaces.close() }

        var master: Int32 = -1
        var console: Terminal?
        defer { console?.close() }
        if terminal {
            console = try Terminal()
            config.terminalSocket = console!.child
            config.consoleSize = Terminal.size(process.consoleSize, foreground: !options.detach)
        }
        defer { if master >= 0 { close(master) } }

        var relay = StdioRelay()
        if !options.detach && !terminal {
            do { relay = try StdioRelay.interpose(&config.stdio, owner: config.stdioOwner) } catch {
                throw .spawn(error)
            }
        }
        defer { relay.abandon() }  // emptied by finish() after a wait
        // An exec writes no id maps (it joins the user namespace) and joins its cgroup by itself.
        config.waitForParent = false
        var join: CgroupJoin?
        if let paths = record.cgroup {
            do { join = try CgroupJoin(try CgroupManager(statePaths: paths, logger: logger)) } catch {
                throw .cgroup(error)
            }
        }
        defer { join?.close() }
        var child: SpawnedChild
        do { child = try Spawner.spawn(config, namespaces: namespaces, cgroup: join) } catch { throw .spawn(error) }
        console?.childStarted()
        relay.childStarted()
        do throws(RuntimeError) {
            do { try join?.finish(pid: child.pid, bornInUnified: child.bornInCgroup, logger: logger) } catch {
                throw .cgroup(error)
            }
            do throws(SpawnError) {
                try Spawner.release(&child)
                _ = try Spawner.awaitSetup(
                    &child, logger: logger, plan: config,
                    seccomp: logger.isExplaining ? spec.seccomp.map(SeccompSummary.init) : nil,
                    seccompAgent: SeccompAgent(
                        spec.seccomp,
                        state: State(
                            id: id, status: status, pid: record.pid, bundle: record.bundle,
                            annotations: record.annotations)))
            } catch {
                throw .spawn(error)
            }
            if console != nil { master = try console!.receiveMaster() }
            if let pidFile = options.pidFile {
                do { try FileIO.writeAtomically(Self.absolute(pidFile), contents: Array("\(child.pid)".utf8)) } catch {
                    throw .system(error)
                }
            }
            options.started?(child.pid)
            if master >= 0 { options.terminalStarted?(child.pid, master) }
            if let socket = options.consoleSocket, master >= 0, cskiff_send_fd(socket, master) != 0 {
                throw .system(SystemError("send terminal to console socket", path: socket))
            }
        } catch {
            cskiff_pidfd_signal(child.pidfd, SIGKILL)
            _ = try? Spawner.wait(pidfd: child.pidfd)
            close(child.pidfd)
            throw error
        }
        defer { close(child.pidfd) }
        if options.detach { return nil }
        var code: Int32 = 0
        var sig: Int32 = 0
        let rc = cskiff_supervise(child.pidfd, master, &code, &sig)
        relay.finish()
        if rc != 0 { throw .system(SystemError("wait for exec process")) }
        let finished = ExitStatus(code: code >= 0 ? code : nil, signal: sig > 0 ? sig : nil)
        explainExit(finished)
        return finished
    }
}
