import CSkiff
import Logging
import SkiffExplain
import SkiffOCI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The OCI runtime operations (runc's surface): create, start, run, state, kill, delete, exec, ps.
///
/// State lives in `<root>/<id>/`: `state.json` (a ContainerRecord) and, between create and start,
/// `exec.fifo`, on which the container's init waits before its execve.
public struct OCIRuntime: Sendable {
    public var root: String
    public var logger: Logger
    /// Report every kernel step of the child as a debug event.
    public var debug: Bool
    /// Set in tests to run against a fake cgroup tree or another layout.
    public var cgroupLayout: CgroupLayout?

    public init(root: String, logger: Logger, debug: Bool = false) {
        self.root = root
        self.logger = logger
        self.debug = debug
    }

    /// How the caller wants the container's stdio and lifetime handled.
    public struct StartOptions: Sendable {
        public var pidFile: String?
        public var consoleSocket: String?
        public var preserveFDs: Int32 = 0
        public var noPivot = false
        /// The container's stdin, stdout and stderr when there is no terminal; -1 passes ours through.
        public var stdio: (in: Int32, out: Int32, err: Int32) = (-1, -1, -1)
        /// `run` only: a descriptor whose readability kills the container (`Cancellation.wakeFD`, for a
        /// build's step); signals are then not forwarded. -1: forward them (an attached `run`).
        public var cancelFD: Int32 = -1
        /// `run` only: leave the stopped container (record, cgroup) for `state` and `delete` (runc's --keep).
        public var keep = false
        /// `run` only, with a terminal: where the terminal's output is copied (an attached run's log
        /// relay); stdout by default.
        public var consoleOutput: Int32 = STDOUT_FILENO
        /// `run` only, with a terminal: whether stdin is relayed to it (`-i`). Without, nothing typed
        /// reaches the container and the caller's terminal is left out of raw mode (Docker's `run -t`).
        public var terminalInput = true
        /// `run` only: told of the init (with its cgroup) once it is launched, before the wait; an
        /// attached run arms its OOM watch there.
        public var launched: (@Sendable (InitProcess) -> Void)?
        /// `runDetached` only: the caller's work done while the init sets itself up (a container's
        /// network, whose namespace exists before the launch), on the other CPU. The init then waits
        /// for it before its execve; if it throws, the init is killed and the launch fails with
        /// `RuntimeError.alongside` holding the error.
        public var alongsideSetup: (@Sendable () throws -> Void)?
        public init() {}
    }

    // MARK: create / start / run

    /// Set the container up and leave its init waiting before execve, until `start`. Returns the init:
    /// take its pid from here, not from `state` after `start`, which says pid 0 once a quick process has
    /// already exited.
    @discardableResult
    public func create(id: String, bundle: String, options: StartOptions) throws(RuntimeError) -> InitProcess {
        var launched = try launch(id: id, bundle: bundle, options: options, waitForStart: true, attach: false)
        launched.closeConsole()
        return InitProcess(pid: launched.pid, startTime: launched.startTime)
    }

    /// Let a created container's init exec its process.
    public func start(id: String) throws(RuntimeError) {
        let record = try load(id: id)
        let status = self.status(of: record)
        guard status == .created else {
            throw .wrongState(id: id, status: status.rawValue, wanted: "created")
        }
        let fifo = directory(of: id) + "/exec.fifo"
        var resultFD: Int32 = -1
        if Self.waitsForExec(record.hooks) {
            let path = directory(of: id) + "/" + Self.startResultFifo
            resultFD = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            if resultFD < 0 { throw .system(SystemError("open", path: path)) }
            unlink(path)
        }
        defer { if resultFD >= 0 { close(resultFD) } }
        let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: fifo)) }
        defer { close(fd) }
        var go: UInt8 = 0x31
        if write(fd, &go, 1) != 1 { throw .system(SystemError("write", path: fifo)) }
        unlink(fifo)
        logger.debug("start", metadata: ["id": "\(id)", "pid": "\(record.pid)"])
        if resultFD >= 0 { try awaitStartHooks(resultFD: resultFD) }
        runLateHooks(.poststart, record: record, status: .running, pid: record.pid)
    }

    /// create + start, attached: stdio passes through (or a terminal is relayed), signals are forwarded,
    /// and the container is deleted when its process exits (kept, stopped, with `keep`). Returns its exit
    /// status.
    public func run(id: String, bundle: String, options: StartOptions) throws(RuntimeError) -> ExitStatus {
        var launched = try launch(id: id, bundle: bundle, options: options, waitForStart: false, attach: true)
        options.launched?(InitProcess(pid: launched.pid, startTime: launched.startTime, cgroup: launched.cgroup))
        var code: Int32 = 0
        var sig: Int32 = 0
        let rc = cskiff_supervise_cancellable(
            launched.pidfd, launched.consoleMaster, options.cancelFD, options.consoleOutput,
            options.terminalInput ? 1 : 0, &code, &sig)
        let waitError = rc != 0 ? SystemError("wait for container") : nil
        launched.relay.finish()
        launched.closeConsole()
        close(launched.pidfd)
        // The record this process wrote: nothing else changes it while the run holds the container.
        if !options.keep || waitError != nil {
            if let record = launched.record {
                try? delete(record, force: true)
            } else {
                try? delete(id: id, force: true)
            }
        }
        if let waitError { throw .system(waitError) }
        let status = ExitStatus(code: code >= 0 ? code : nil, signal: sig > 0 ? sig : nil)
        explainExit(status)
        return status
    }

    /// create + start without waiting (runc run --detach): the init execs as soon as it is set up, with no
    /// exec fifo between the two and no second read of the state. Returns the init.
    @discardableResult
    public func runDetached(id: String, bundle: String, options: StartOptions) throws(RuntimeError) -> InitProcess {
        var launched = try launch(id: id, bundle: bundle, options: options, waitForStart: false, attach: false)
        launched.closeConsole()
        close(launched.pidfd)
        return InitProcess(pid: launched.pid, startTime: launched.startTime, cgroup: launched.cgroup)
    }

    private struct Launched {
        var pid: Int32
        var startTime: UInt64 = 0
        var cgroup: CgroupStatePaths?
        var pidfd: Int32
        var record: ContainerRecord?
        var consoleMaster: Int32 = -1
        var relay = StdioRelay()

        mutating func closeConsole() {
            if consoleMaster >= 0 { close(consoleMaster) }
            consoleMaster = -1
        }
    }

    private func launch(
        id: String, bundle bundleArg: String, options: StartOptions, waitForStart: Bool,
        attach: Bool
    ) throws(RuntimeError) -> Launched {
        try Self.validate(id: id)
        let bundle = Self.absolute(bundleArg)
        let spec = try SpecFile.load(bundle: bundle)
        let hooks = try Self.hooks(of: spec)
        let terminal = spec.process?.terminal ?? false
        if terminal && !attach && options.consoleSocket == nil {
            throw .usage("process.terminal is set: pass --console-socket to receive the terminal (or run attached)")
        }

        let dir = directory(of: id)
        do { try FileIO.makeDirectories(root, mode: 0o711) } catch { throw .system(error) }
        if mkdir(dir, 0o711) != 0 {
            if errno == EEXIST { throw .exists(id) }
            throw .system(SystemError("mkdir", path: dir))
        }
        var cleanup = Cleanup(directory: dir)
        defer { cleanup.run(logger: logger) }

        let cgroup: CgroupManager
        do {
            cgroup = try CgroupManager.forContainer(
                id: id, cgroupsPath: spec.linux?.cgroupsPath,
                layout: cgroupLayout, logger: logger)
        } catch {
            throw .cgroup(error)
        }
        try Self.checkPreexisting(cgroup, logger: logger)
        // Record the container (pid 0: "creating") before making anything on the host, so that if this
        // process dies from here on (killed, SIGPIPE on a log line) `delete --force` still finds the cgroup.
        var record = ContainerRecord(
            id: id, bundle: bundle, rootfs: "",
            pid: 0, pidStartTime: 0, created: Timestamp.now(),
            annotations: spec.annotations, cgroup: cgroup.statePaths)
        record.hooks = hooks
        try save(record)
        cleanup.cgroup = cgroup
        do { try cgroup.create(resources: DeviceRules.resources(for: spec)) } catch { throw .cgroup(error) }

        let planner = LaunchPlanner(
            bundle: bundle,
            seccomp: SeccompCompiler(cacheDirectory: root + "/.seccomp-cache", logger: logger),
            logger: logger)
        var planned = try planner.plan(spec, facts: HostFacts.current(for: spec, bundle: bundle, cgroup: cgroup))
        if let program = planned.config.seccomp {
            do { try ContainerSeccompFile.write(program, directory: dir) } catch { throw .system(error) }
        }
        var namespaces: NamespaceFiles
        do { namespaces = try NamespaceFiles.open(planned.config.joins) } catch {
            throw .spec(
                .invalid(
                    field: "linux.namespaces",
                    reason: "cannot open \(error.join.kind.rawValue) namespace "
                        + "\(error.join.path): \(errnoText(error.errno))"))
        }
        defer { namespaces.close() }
        planned.config.debug = debug || logger.isExplaining
        planned.config.preserveFDs = options.preserveFDs
        planned.config.useChroot = options.noPivot
        if planned.config.hostMountNamespace { cleanup.hostMountsUnder = planned.config.rootfs }
        if options.noPivot, let rootfs = planned.config.rootfs {
            do { planned.config.noPivotDetach = try NoPivotMounts.current(rootfs: rootfs) } catch {
                throw .system(error)
            }
        }
        planned.config.stdio = .init(options.stdio)
        var launched = Launched(pid: 0, pidfd: -1)
        var relay = StdioRelay()
        if attach && !terminal {
            do { relay = try StdioRelay.interpose(&planned.config.stdio, owner: planned.config.stdioOwner) } catch {
                throw .spawn(error)
            }
        }
        defer { relay.abandon() }  // emptied once handed to `launched`

        var console: Terminal?
        defer { console?.close() }
        if terminal {
            console = try Terminal()
            planned.config.terminalSocket = console!.child
            planned.config.bindConsole = true
            planned.config.consoleSize = Terminal.size(spec.process?.consoleSize, foreground: attach)
        }
        if waitForStart {
            let fifo = dir + "/exec.fifo"
            if mkfifo(fifo, 0o600) != 0 { throw .system(SystemError("mkfifo", path: fifo)) }
            // O_RDWR never blocks and keeps a writer, so the child's read waits for `start`'s byte.
            let fd = open(fifo, O_RDWR | O_CLOEXEC)
            if fd < 0 { throw .system(SystemError("open", path: fifo)) }
            cleanup.fds.append(fd)
            planned.config.startFD = fd
        }
        // The init's gate while the caller's work runs beside its set-up: it reads one byte before execve.
        let alongside = waitForStart ? nil : options.alongsideSetup
        var gate: Int32 = -1
        if alongside != nil {
            guard let fds = Descriptors.pipe(nonBlocking: false) else { throw .system(SystemError("pipe")) }
            cleanup.fds += [fds.read, fds.write]
            planned.config.startFD = fds.read
            gate = fds.write
        }
        if let hooks {
            planned.config.hooks = childHooks(hooks, id: id, bundle: bundle, annotations: spec.annotations)
            if waitForStart && Self.waitsForExec(hooks) {
                let fifo = dir + "/" + Self.startResultFifo
                if mkfifo(fifo, 0o600) != 0 { throw .system(SystemError("mkfifo", path: fifo)) }
                let fd = open(fifo, O_RDWR | O_CLOEXEC)
                if fd < 0 { throw .system(SystemError("open", path: fifo)) }
                cleanup.fds.append(fd)
                planned.config.hooks.startResultFD = fd
            }
        }

        logger.debug(
            "clone",
            metadata: [
                "id": "\(id)", "flags": "0x\(String(planned.config.cloneFlags, radix: 16))",
                "rootfs": "\(planned.config.rootfs ?? "")",
            ])
        // The child waits for this process only to have its id maps written or to run hooks; it joins
        // its cgroup by itself (CgroupJoin).
        planned.config.waitForParent = !planned.uidMappings.isEmpty || planned.config.hooks.pauseForParent
        let join: CgroupJoin
        do { join = try CgroupJoin(cgroup) } catch { throw .cgroup(error) }
        defer { join.close() }
        var child: SpawnedChild
        do { child = try Spawner.spawn(planned.config, namespaces: namespaces, cgroup: join) } catch {
            throw .spawn(error)
        }
        cleanup.child = child
        if hooks?.poststop?.isEmpty == false { cleanup.poststop = (self, record) }
        if logger.isExplaining { explainClone(planned.config) }
        launched.pid = child.pid
        launched.pidfd = child.pidfd
        console?.childStarted()
        relay.childStarted()

        try writeIDMaps(planned, pid: child.pid)
        do { try join.finish(pid: child.pid, bornInUnified: child.bornInCgroup, logger: logger) } catch {
            throw .cgroup(error)
        }
        let pausesForHooks = planned.config.hooks.pauseForParent
        let explainedSeccomp = logger.isExplaining ? spec.linux?.seccomp.map(SeccompSummary.init) : nil
        let seccompAgent = SeccompAgent(
            spec.linux?.seccomp,
            state: State(id: id, status: .creating, pid: nil, bundle: bundle, annotations: spec.annotations))
        var outcome: Spawner.Outcome
        let gated = alongside != nil
        do throws(SpawnError) {
            try Spawner.release(&child, keepSync: pausesForHooks)
        } catch {
            throw .spawn(error)
        }
        if let alongside {
            do { try alongside() } catch { throw .alongside(error) }
        }
        do throws(SpawnError) {
            outcome = try Spawner.awaitSetup(
                &child, logger: logger, plan: planned.config, seccomp: explainedSeccomp, seccompAgent: seccompAgent,
                keepReportAfterReady: gated)
        } catch {
            throw .spawn(error)
        }
        if pausesForHooks {
            guard outcome == .hooks else { throw .spawn(.childDied("it exited before its prestart hooks")) }
            try runCreateHooks(hooks!, record: record, pid: child.pid)
            do throws(SpawnError) {
                try Spawner.release(&child)
                outcome = try Spawner.awaitSetup(
                    &child, logger: logger, plan: planned.config, seccomp: explainedSeccomp,
                    seccompAgent: seccompAgent, keepReportAfterReady: gated)
            } catch {
                throw .spawn(error)
            }
        }
        if gated {
            // Set up and waiting at its gate: let it exec, and hear how the execve went, as without one.
            guard outcome == .ready else { throw .spawn(.childDied("it exited before reporting ready")) }
            var go: UInt8 = 1
            if write(gate, &go, 1) != 1 { throw .system(SystemError("release the container's init")) }
            do throws(SpawnError) {
                outcome = try Spawner.awaitSetup(&child, logger: logger, seccompAgent: seccompAgent)
            } catch {
                throw .spawn(error)
            }
        }
        if waitForStart && outcome != .ready {
            throw .spawn(.childDied("it exited before reporting ready"))
        }
        if console != nil { launched.consoleMaster = try console!.receiveMaster() }

        guard let startTime = ProcessInfo.startTime(pid: child.pid) else {
            throw .spawn(.childDied("process \(child.pid) exited during start"))
        }
        record.rootfs = planned.config.rootfs ?? ""
        record.hostMounts = planned.config.hostMountNamespace ? true : nil
        record.pid = child.pid
        record.pidStartTime = startTime
        launched.startTime = startTime
        launched.cgroup = cgroup.statePaths
        try save(record)
        launched.record = record
        if let pidFile = options.pidFile {
            do { try FileIO.writeAtomically(Self.absolute(pidFile), contents: Array("\(child.pid)".utf8)) } catch {
                throw .system(error)
            }
        }
        if let socket = options.consoleSocket, launched.consoleMaster >= 0 {
            if cskiff_send_fd(socket, launched.consoleMaster) != 0 {
                throw .system(SystemError("send terminal to console socket", path: socket))
            }
        }
        cleanup.succeeded(keepPidFD: attach)
        if !attach { close(child.pidfd); launched.pidfd = -1 }
        launched.relay = relay
        relay = StdioRelay()
        if !waitForStart { runLateHooks(.poststart, record: record, status: .running, pid: child.pid) }
        return launched
    }

    private func writeIDMaps(_ planned: PlannedLaunch, pid: Int32) throws(RuntimeError) {
        func text(_ maps: [LinuxIDMapping]) -> String {
            maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        }
        guard !planned.uidMappings.isEmpty else { return }
        for (file, maps) in [("uid_map", planned.uidMappings), ("gid_map", planned.gidMappings)] {
            let path = "/proc/\(pid)/\(file)"
            logger.debug("write id map", metadata: ["path": "\(path)", "value": "\(text(maps))"])
            do { try FileIO.write(text(maps), to: path) } catch { throw .system(error) }
            logger.explain(.idMapWritten(file: path, value: text(maps)))
        }
    }

    // MARK: state / kill / delete / ps

    public func state(id: String) throws(RuntimeError) -> ContainerState {
        let record = try load(id: id)
        let status = self.status(of: record)
        return ContainerState(record: record, status: status)
    }

    public func list() -> [ContainerState] {
        guard let dir = opendir(root) else { return [] }
        defer { closedir(dir) }
        var ids: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            ids.append(name)
        }
        return ids.sorted().compactMap { try? state(id: $0) }
    }

    public func kill(id: String, signal: Int32, all: Bool = false) throws(RuntimeError) {
        let record = try load(id: id)
        let status = self.status(of: record)
        // `--all` signals what is in the cgroup, whatever the init's state (runc: processes an init
        // left behind can outlive it); a lone signal needs the init, and never goes to a reused pid.
        guard status == .created || status == .running || status == .paused || (all && record.cgroup != nil) else {
            throw .wrongState(id: id, status: status.rawValue, wanted: "created, running or paused")
        }
        if all, let paths = record.cgroup {
            do { _ = try CgroupManager(statePaths: paths, logger: logger).kill(signal: signal) } catch {
                throw .cgroup(error)
            }
        } else {
            try signalProcess(record, signal)
        }
        // A frozen process dies only once thawed (v1): runc thaws a paused container it sends SIGKILL.
        if status == .paused && signal == SIGKILL {
            let manager = try cgroup(of: record)
            do { try manager.setFrozen(false) } catch { throw .cgroup(error) }
        }
    }

    /// Remove a container. A created or running one is refused unless `force`, which kills it first.
    public func delete(id: String, force: Bool) throws(RuntimeError) {
        let record: ContainerRecord
        do { record = try load(id: id) } catch {
            guard force, case .notFound = error else { throw error }
            // No record: a `create` that died before writing one. Remove what it may have made by id.
            try deleteUnrecorded(id: id)
            return
        }
        try delete(record, force: force)
    }

    private func delete(_ record: ContainerRecord, force: Bool) throws(RuntimeError) {
        let id = record.id
        let status = self.status(of: record)
        if status != .stopped {
            guard force else {
                throw .wrongState(id: id, status: status.rawValue, wanted: "stopped (use --force to kill it)")
            }
            try? signalProcess(record, SIGKILL)
            if status == .paused, let paths = record.cgroup {
                // A frozen process cannot die: thaw it (and the others, killed with the cgroup) first.
                _ = try? CgroupManager(statePaths: paths, logger: logger).kill(signal: SIGKILL)
                try? CgroupManager(statePaths: paths, logger: logger).setFrozen(false)
            }
            waitUntilGone(record)
        }
        if record.hostMounts == true {
            let stuck = HostMounts.detach(under: record.rootfs)
            if !stuck.isEmpty { logger.warning("mounts left under the rootfs", metadata: ["mounts": "\(stuck)"]) }
        }
        if let paths = record.cgroup {
            do { try CgroupManager(statePaths: paths, logger: logger).destroy(force: true) } catch {
                throw .cgroup(error)
            }
        }
        FileIO.removeTree(directory(of: id))
        runLateHooks(.poststop, record: record, status: .stopped, pid: nil)
    }

    /// `delete --force` of a container without a record: its directory and its cgroup at the default
    /// path ("/skiff/<id>"), if either exists; `notFound` if neither does.
    private func deleteUnrecorded(id: String) throws(RuntimeError) {
        let dir = directory(of: id)
        let hadDirectory = FileIO.exists(dir)
        let cgroup: CgroupManager
        do {
            cgroup = try CgroupManager.forContainer(id: id, cgroupsPath: nil, layout: cgroupLayout, logger: logger)
        } catch {
            throw .cgroup(error)
        }
        let hadCgroup = cgroup.directories.contains { FileIO.exists($0) }
        guard hadDirectory || hadCgroup else { throw .notFound(id) }
        logger.debug("delete unrecorded container", metadata: ["id": "\(id)", "cgroup": "\(hadCgroup)"])
        if hadCgroup {
            do { try cgroup.destroy(force: true) } catch { throw .cgroup(error) }
        }
        if hadDirectory { FileIO.removeTree(dir) }
    }

    /// The container's processes, as host pids.
    public func processes(id: String) throws(RuntimeError) -> [Int32] {
        let record = try load(id: id)
        guard let paths = record.cgroup else { return [] }
        do { return try CgroupManager(statePaths: paths, logger: logger).processes() } catch { throw .cgroup(error) }
    }

    // MARK: helpers

    func status(of record: ContainerRecord) -> State.Status {
        // pid 0: recorded before the process existed; its creator is still at work or died.
        if record.pid == 0 { return .creating }
        guard ProcessInfo.isRunning(pid: record.pid, startTime: record.pidStartTime) else { return .stopped }
        if let paths = record.cgroup, (try? CgroupManager(statePaths: paths, logger: logger))?.isFrozen == true {
            return .paused
        }
        return FileIO.exists(directory(of: record.id) + "/exec.fifo") ? .created : .running
    }

    private func signalProcess(_ record: ContainerRecord, _ signal: Int32) throws(RuntimeError) {
        let fd = cskiff_pidfd_open(record.pid)
        if fd < 0 { throw .system(SystemError("pidfd_open \(record.pid)")) }
        defer { close(fd) }
        // The pidfd pins the process: check it is still ours before signalling.
        guard ProcessInfo.isRunning(pid: record.pid, startTime: record.pidStartTime) else { return }
        if cskiff_pidfd_signal(fd, signal) != 0 { throw .system(SystemError("kill \(record.pid)")) }
    }

    private func waitUntilGone(_ record: ContainerRecord) {
        let fd = cskiff_pidfd_open(record.pid)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&p, 1, 10_000)
    }

    func directory(of id: String) -> String { root + "/" + id }

    /// The container's state.json: read without Codable when it can be (`ContainerRecord(stateJSON:)`, the
    /// same record), which an exec needs to be quick; decoded otherwise.
    func load(id: String) throws(RuntimeError) -> ContainerRecord {
        try Self.validate(id: id)
        let path = directory(of: id) + "/state.json"
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            if error.errno == ENOENT { throw .notFound(id) }
            throw .system(error)
        }
        if let record = ContainerRecord(stateJSON: bytes) { return record }
        do { return try JSONDecoder().decode(ContainerRecord.self, from: Data(bytes)) } catch {
            throw .system(SystemError("decode state of \(id): \(error)", path: path, errno: EINVAL))
        }
    }

    private func save(_ record: ContainerRecord) throws(RuntimeError) {
        let path = directory(of: record.id) + "/state.json"
        // A hook's env may carry credentials (as config.json may): then only root reads the record.
        do throws(SystemError) {
            try FileIO.writeAtomically(
                path, contents: JSONOutput.bytes(of: record), mode: record.hooks == nil ? 0o644 : 0o600)
        } catch {
            throw .system(error)
        }
    }

    static func validate(id: String) throws(RuntimeError) {
        let ok =
            !id.isEmpty && id.utf8.count <= 1024 && id != "." && id != ".."
            && id.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0)
                    || "_+-.".unicodeScalars.contains($0)
            }
        if !ok { throw .invalidID(id) }
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "." ? cwd : cwd + "/" + path
    }
}

/// `skiff oci state` output: the spec's State plus runc's extra fields.
public struct ContainerState: Codable, Sendable {
    public var ociVersion: String
    public var id: String
    public var pid: Int32
    public var status: State.Status
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var annotations: [String: String]?
    public var owner: String

    init(record: ContainerRecord, status: State.Status) {
        ociVersion = Spec.version
        id = record.id
        pid = status == .stopped ? 0 : record.pid
        self.status = status
        bundle = record.bundle
        rootfs = record.rootfs
        created = record.created
        annotations = record.annotations
        owner = record.owner
    }
}

/// Undo a half-made container when `launch` fails: kill the child, remove its cgroup and directory.
private struct Cleanup {
    var directory: String
    var cgroup: CgroupManager?
    /// A rootfs whose mounts were made in the host's mount namespace (a spec without one).
    var hostMountsUnder: String?
    var child: SpawnedChild?
    var fds: [Int32] = []
    /// A create that fails once the container exists goes on to delete, and so to the poststop hooks.
    var poststop: (runtime: OCIRuntime, record: ContainerRecord)?
    private var done = false

    init(directory: String) {
        self.directory = directory
    }

    mutating func succeeded(keepPidFD: Bool) {
        for fd in fds { close(fd) }
        done = true
    }

    mutating func run(logger: Logger) {
        if done { return }
        for fd in fds { close(fd) }
        if let child {
            cskiff_pidfd_signal(child.pidfd, SIGKILL)
            _ = try? Spawner.wait(pidfd: child.pidfd)
            close(child.pidfd)
        }
        if let rootfs = hostMountsUnder { HostMounts.detach(under: rootfs) }
        if let cgroup {
            do { try cgroup.destroy(force: true) } catch { logger.warning("cleanup: \(error)") }
        }
        FileIO.removeTree(directory)
        if let poststop {
            poststop.runtime.runLateHooks(.poststop, record: poststop.record, status: .stopped, pid: nil)
        }
    }
}
