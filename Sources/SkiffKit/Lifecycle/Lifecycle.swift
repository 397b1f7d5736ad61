import SkiffImage
import SkiffOCI
import SkiffRuntime
import SkiffSystem
import Synchronization

#if canImport(Dispatch)
import Dispatch
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The container lifecycle without a daemon. A detached container has a monitor (`skiff-monitor`, C) as
/// its parent; the monitor runs three hidden subcommands that hold the policy, all in this file:
///
///     skiff container-internal start <id>            launch through the OCI runtime; report "ok <pid>"
///     skiff container-internal exited <id> C S TIME  record the exit; answer "restart <ms>" or "done"
///     skiff container-internal health <id>           one healthcheck probe
///     skiff container-internal oom <id>              the OOM killer killed in its cgroup: `oom` events
///
/// Every command reads records through `reconcile`, where the kernel wins over a stale record: a
/// container whose process is gone and whose monitor is gone (SIGKILLed, a reboot) is marked exited,
/// its cgroup removed, and `--rm` applied.
extension Engine {
    /// Where the monitor and the skiff binary (which the monitor runs) are: $SKIFF_MONITOR and
    /// $SKIFF_BINARY, else next to the running executable (the CLI, or a test bundle in the build dir).
    public static var monitorPath: String { toolPath(env: "SKIFF_MONITOR", name: "skiff-monitor") }
    /// The skiff binary the monitor runs for restarts and health checks (also what tests drive).
    public static var skiffPath: String { toolPath(env: "SKIFF_BINARY", name: "skiff") }

    static func toolPath(env: String, name: String) -> String {
        if let v = getenv(env), v.pointee != 0 { return String(cString: v) }
        guard let exe = runningExecutablePath() else { return name }
        var dir = parentDirectory(exe)
        // A test bundle (…/debug/Foo.xctest/…): the tools sit beside the bundle.
        if let r = dir.range(of: ".xctest") { dir = parentDirectory(String(dir[..<r.lowerBound])) }
        return dir + "/" + name
    }

    /// What comes before the last "/" ("" when there is none). Not split and `joined`: that generic path
    /// looks its types up at run time, a scan of the binary's protocol conformances on first use in a
    /// process, and every `run -d` asks for the monitor's path (perf record).
    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The host path of the running binary. A sealed skiff (see CSkiff's exe_seal.c) runs from a
    /// detached overlay or a memfd, so /proc/self/exe names no host path; the seal passes the original on.
    static func runningExecutablePath() -> String? {
        if let v = getenv("SKIFF_SEALED_FROM"), v.pointee != 0 { return String(cString: v) }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: options recorded at create

    func applyLifecycleOptions(_ options: RunOptions, image: StoredImage, to container: inout Container)
        throws(KitError)
    {
        if options.remove, let r = options.restart, r.name != .no {
            throw .usage(
                "Conflicting options: --restart and --rm (a container that removes itself cannot be restarted)")
        }
        container.restartPolicy = options.restart
        container.restartCount = 0
        container.nanoCpus = options.cpus.map { Int64(($0 * 1e9).rounded()) }
        container.user = options.user ?? image.config.config?.User ?? ""
        var exposed: [String] = []
        for text in options.expose {
            guard let keys = ComposePorts.exposedKeys(text) else {
                throw .usage("invalid --expose \"\(text)\": expected a port such as 80, 53/udp or 8000-8010")
            }
            exposed += keys.filter { !exposed.contains($0) }
        }
        container.exposedPorts = exposed.isEmpty ? nil : exposed
        container.tty = options.tty
        container.openStdin = options.interactive
        let config = image.config.config
        container.stopSignal = options.stopSignal ?? config?.StopSignal
        if let s = container.stopSignal, Signals.number(s) == nil {
            throw .usage("--stop-signal \(s): unknown signal (e.g. SIGTERM, SIGINT, 15)")
        }
        container.stopTimeout = options.stopTimeout
        container.logMaxSize = options.logMaxSize
        container.logMaxFiles = options.logMaxFiles
        try (options.logDriver ?? .jsonFile).check(
            options: options.logOptions, maxSize: options.logMaxSize, maxFiles: options.logMaxFiles, origin: "--log-opt"
        )
        try Self.logAttributes(options)?.check(origin: "--log-opt")
        container.logCompress = options.logOptions["compress"].flatMap(LogDriver.bool) == true ? true : nil
        container.logOptions = options.logOptions.isEmpty ? nil : options.logOptions
        if let driver = options.logDriver, driver != .jsonFile {
            if driver == .none && (options.logMaxSize != nil || options.logMaxFiles != nil) {
                throw .usage("--log-opt: the none logging driver takes no options")
            }
            container.logDriver = driver
            if driver == .local {
                container.logMaxSize = options.logMaxSize ?? driver.defaultMaxSize
                container.logMaxFiles = options.logMaxFiles ?? driver.defaultMaxFiles
            }
            if driver.forwards {
                let cache = driver.cache(options.logOptions)
                container.logMaxSize = cache.maxSize
                container.logMaxFiles = cache.maxFiles
                container.logCompress = cache.compress ? true : nil
            }
        }
        container.hostname = options.hostname ?? String(container.id.prefix(12))

        var health: HealthCheck?
        if let h = config?.Healthcheck, let test = h.Test, !test.isEmpty, test != ["NONE"] {
            health = HealthCheck(
                test: test, interval: nonZero(h.Interval) ?? HealthCheck.defaultInterval,
                timeout: nonZero(h.Timeout) ?? HealthCheck.defaultTimeout,
                startPeriod: h.StartPeriod ?? 0, retries: (h.Retries ?? 0) > 0 ? h.Retries! : 3,
                startInterval: nonZero(h.StartInterval))
        }
        if let cmd = options.healthCmd {
            if cmd.isEmpty || cmd == "NONE" {
                health = nil
            } else {
                health = HealthCheck(
                    test: ["CMD-SHELL", cmd], interval: health?.interval ?? HealthCheck.defaultInterval,
                    timeout: health?.timeout ?? HealthCheck.defaultTimeout,
                    startPeriod: health?.startPeriod ?? 0, retries: health?.retries ?? 3,
                    startInterval: health?.startInterval)
            }
        }
        if var h = health {
            if let v = options.healthInterval { h.interval = v }
            if let v = options.healthTimeout { h.timeout = v }
            if let v = options.healthStartPeriod { h.startPeriod = v }
            if let v = options.healthRetries { h.retries = v }
            if let v = options.healthStartInterval { h.startInterval = v }
            health = h
        } else if options.healthInterval != nil || options.healthRetries != nil || options.healthTimeout != nil
            || options.healthStartInterval != nil
        {
            if options.healthCmd == nil {
                throw .usage(
                    "--health-interval/--health-timeout/--health-retries need a healthcheck: give --health-cmd or use an image with HEALTHCHECK"
                )
            }
        }
        if options.noHealthcheck { health = nil }
        container.healthcheck = health
    }

    private func nonZero(_ v: Int64?) -> Int64? { (v ?? 0) > 0 ? v : nil }

    // MARK: start under a monitor

    /// Start a created or exited container under a new monitor; returns once its process runs (the
    /// record then says running). With `attach`, the monitor waits for the returned attach connection
    /// before starting, so no output is missed.
    @discardableResult
    public func startMonitored(_ nameOrID: String, attach: Bool = false) throws(KitError) -> (
        container: Container, attachFD: Int32
    ) {
        guard let container = try reconcile(containers.find(nameOrID)) else {
            throw .notFound("No such container: \(nameOrID)")
        }
        return try startMonitored(record: container, attach: attach)
    }

    /// `startMonitored` of a record the caller has just made or read (`run`'s create): it is not looked
    /// up again, and an adopted start's launch takes it as it is instead of reading it back. The record
    /// returned is the running one, read back after the start, unless `callerExits` (`run -d`, which
    /// prints only the ID and exits): then it is `record`, and an adopted start forks once, not twice,
    /// since a process about to exit is left with no child to reap (`AdoptedStart.forksOnce`).
    @discardableResult
    public func startMonitored(record: Container, attach: Bool = false, callerExits: Bool = false) throws(KitError) -> (
        container: Container, attachFD: Int32
    ) {
        var container = record
        if container.status == .running || container.status == .restarting {
            return (container, -1)
        }
        if container.stoppedByUser != nil || container.error != nil {
            container = try containers.update(id: container.id) { c throws(KitError) in
                c.stoppedByUser = nil
                c.error = nil
            }
        }
        let dir = containers.directory(of: container.id)
        if let state = try? runtime.state(id: container.id), state.status == .stopped {
            try? runtime.delete(id: container.id, force: true)
        }
        unlink(dir + "/exit")

        var args = [Self.monitorPath, "-s", Self.skiffPath, "-d", dir]
        if container.tty == true { args.append("-t") }
        if container.openStdin == true { args.append("-i") }
        if attach { args.append("-A") }
        let rotation = Self.logRotation(container)
        if let spec = container.logForward { args += ["-F", spec] }
        if !Self.keepsLocalLog(container) {
            args.append("-N")
        } else {
            if rotation.maxSize > 0 {
                args += ["-l", "\(rotation.maxSize)", "-n", "\(rotation.maxFiles)"]
                if container.logCompress == true { args.append("-z") }
            }
            if let attrs = container.logAttributes { args += ["-a", attrs] }
        }
        if let h = container.healthcheck {
            args += ["-H", "\(max(h.interval / 1_000_000, 10))"]
            if h.startPeriod > 0 {
                let pace = h.startInterval ?? HealthCheck.defaultStartInterval
                args += ["-P", "\(h.startPeriod / 1_000_000)", "-S", "\(max(pace / 1_000_000, 10))"]
            }
        }
        args.append(container.id)

        var pipeFDs: [Int32] = [-1, -1]
        if pipe(&pipeFDs) != 0 { throw .system(SystemError("pipe")) }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let readEnd = pipeFDs[0]
        defer { close(readEnd) }
        requestExplanation(id: container.id)
        do {
            defer { close(pipeFDs[1]) }
            if AdoptedStart.possible(attach: attach, explaining: logger.isExplaining, monitor: Self.monitorPath) {
                try AdoptedStart(
                    record: container, monitorArguments: args, stateRoot: root, openStdin: container.openStdin == true,
                    tty: container.tty == true, forksOnce: callerExits
                ).run(engine: self, readyFD: pipeFDs[1])
            } else {
                try Self.spawnMonitor(args, readyFD: pipeFDs[1], stateRoot: root)
            }
        }
        var attachFD: Int32 = -1
        var reader = LineReader(fd: readEnd)
        if attach {
            guard reader.line() == "listening" else {
                throw .startFailed(container.name, reason: "the monitor did not start (is \(Self.monitorPath) built?)")
            }
            attachFD = try Self.connectAttach(dir: dir)
            events.record(container: container, "attach")
        }
        let report = reader.line() ?? ""
        collectExplanation(id: container.id)
        if report.hasPrefix("ok ") {
            guard !callerExits else { return (container, attachFD) }
            // A quick --rm container (`run -d --rm busybox true`) may have run and been removed by its
            // monitor already: it started, which is all this promises.
            do {
                if let started = try reconcile(containers.load(id: container.id)) { return (started, attachFD) }
            } catch {
                guard case .notFound = error else { throw error }
            }
            return (container, attachFD)
        }
        if attachFD >= 0 { close(attachFD) }
        let reason =
            report.hasPrefix("err ")
            ? String(report.dropFirst(4))
            : "the monitor exited without starting it (\(Self.monitorPath))"
        throw .startFailed(container.name, reason: reason)
    }

    /// The size at which a container's log rotates unless `--log-opt max-size` says otherwise (10 MB).
    public static let defaultLogMaxSize: Int64 = 10 * 1024 * 1024
    /// How many log files rotation keeps by default.
    public static let defaultLogMaxFiles = 2

    /// Where a container's log rotates (0: never) and how many files it keeps: the monitor's -l/-n and
    /// an attached run's (`AttachedLog`).
    static func logRotation(_ container: Container) -> (maxSize: Int64, maxFiles: Int) {
        (container.logMaxSize ?? defaultLogMaxSize, container.logMaxFiles ?? defaultLogMaxFiles)
    }

    /// A forwarding driver (syslog, journald, gelf, fluentd) can send, as Docker's driver connects at each start.
    func checkLogForward(_ container: Container) throws(KitError) {
        if let problem = LogForwardSpec.problem(container.logDriver, spec: container.logForward) {
            throw .network(problem)
        }
    }

    /// log.jsonl is kept: not with `--log-driver none`, nor for a forwarding driver's `cache-disabled=true`.
    static func keepsLocalLog(_ container: Container) -> Bool {
        guard let driver = container.logDriver else { return true }
        if driver == .none { return false }
        return !(driver.forwards && driver.cache(container.logOptions ?? [:]).disabled)
    }

    /// The attribute options among `--log-opt` (labels, env, tag...); nil without any.
    static func logAttributes(_ options: RunOptions) -> LogAttributes? {
        var attrs = LogAttributes()
        for (key, value) in options.logOptions { _ = attrs.set(key, value) }
        return attrs.isEmpty || (options.logDriver ?? .jsonFile) != .jsonFile ? nil : attrs
    }

    /// fork/exec the monitor (`args[0]`, in any of its modes) with the ready pipe as its fd 3 and
    /// /dev/null as stdio, in a process group of its own (a ^C meant for the caller must not reach it).
    /// The monitor forks again and its first process exits at once, so it is reaped here and the monitor
    /// is nobody's child. The skiff it runs gets `stateRoot` as SKIFF_ROOT (a library's Engine(root:)
    /// need not match the caller's environment).
    public static func spawnMonitor(_ args: [String], readyFD: Int32, stateRoot: String) throws(KitError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_adddup2(&actions, readyFD, 3)
        let attributes = SpawnAttributes()
        var flags: Int16 = 0
        posix_spawnattr_getflags(&attributes.attr, &flags)
        posix_spawnattr_setflags(&attributes.attr, flags | Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes.attr, 0)
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var env = MonitorEnvironment.cStrings(stateRoot: stateRoot)
        defer { for p in cargs + env { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, &attributes.attr, &cargs, &env)
        if rc != 0 {
            throw .startFailed("", reason: "cannot run the monitor \(args[0]): \(errnoText(rc))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Connect to the monitor's attach socket (through /proc/self/fd, so the path stays short).
    static func connectAttach(dir: String) throws(KitError) -> Int32 {
        let dfd = open(dir, openPath | O_DIRECTORY | O_CLOEXEC)
        if dfd < 0 { throw .system(SystemError("open", path: dir)) }
        defer { close(dfd) }
        let path = "/proc/self/fd/\(dfd)/attach.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system(SystemError("socket")) }
        let rc = UnixSocketAddress.with(path) { connect(fd, $0, $1) }
        if rc != 0 {
            let e = SystemError("connect to the container's monitor", path: dir + "/attach.sock")
            close(fd)
            throw .system(e)
        }
        return fd
    }

    // MARK: the monitor's helpers

    /// Where the runtime sends a terminal's master, relative to the container's directory (a short path,
    /// whatever the state root's length): the start helper runs there, and an adopted start moves there.
    /// skiff-monitor listens on the same name.
    static let consoleSocket = "console.sock"

    /// `container-internal start`: launch the container (its stdio is ours, set up by the monitor) and
    /// record it running. Returns the init (its pid, its cgroup). With `restart`, a user's stop in the meantime wins.
    /// An adopted start (`AdoptedStart`) passes the pipes it made and its own pid, the monitor's to be.
    package func internalStart(
        id: String, restart: Bool, stdio: (in: Int32, out: Int32, err: Int32) = (-1, -1, -1),
        monitor: pid_t = getppid(), record: Container? = nil
    ) throws(KitError) -> InitProcess {
        let dir = containers.directory(of: id)
        let before: Container
        if let record { before = record } else { before = try containers.load(id: id) }
        if restart && before.stoppedByUser == true { throw .usage("not restarting: stopped by the user") }
        if let state = try? runtime.state(id: id) {
            if state.status != .stopped { throw .usage("container \(before.name) is already running") }
            try? runtime.delete(id: id, force: true)
        }
        var options = OCIRuntime.StartOptions()
        if before.tty == true { options.consoleSocket = Self.consoleSocket }
        options.stdio = stdio
        try ensureMountSources(of: before)
        let initProcess: InitProcess
        do {
            try checkLogForward(before)
            try joinNamespaces(of: before)
            try refreshResolvConf(before)
            let beside = StartOverlap.networkBesideInit(
                explaining: logger.isExplaining, sysctls: (try? SpecFile.load(bundle: dir))?.linux?.sysctl ?? [:])
            // create and start in one (the runtime brings lo up in a new network namespace); a network
            // of its own is made while the init sets itself up, when nothing in that set-up needs it.
            initProcess = try withNetworkSetUp(id: id, record: before) { attach throws(KitError) -> InitProcess in
                var options = options
                if let attach {
                    if beside {
                        options.alongsideSetup = StartOverlap.Work(attach).run
                    } else {
                        try attach()
                    }
                }
                do throws(RuntimeError) { return try runtime.runDetached(id: id, bundle: dir, options: options) } catch
                {
                    if case .alongside(let e as KitError) = error { throw e }
                    throw .runtime(error)
                }
            }
        } catch {
            try? runtime.delete(id: id, force: true)
            releaseShm(id: id)
            let message = "\(error)"
            // 126/127 from the errno the child's exec step reported, 125 for everything else.
            let exitCode = error.startExitStatus
            _ = try? containers.update(id: id) { c throws(KitError) in
                c.status = .exited
                c.exitCode = exitCode
                c.oomKilled = nil
                c.finishedAt = Timestamp.now()
                c.error = message
                c.pid = nil
            }
            throw error
        }
        // The process may have exited already (`true`); the monitor, its new parent, reaps it by this pid.
        let pid = initProcess.pid
        // The stop check above ran before the launch; a stop since then is seen here, under the record's
        // lock, which stop takes to mark the container. Either the stop sees it running and stops it, or
        // this start is undone.
        var stoppedMeanwhile = false
        try containers.update(id: id) { c throws(KitError) in
            if restart && c.stoppedByUser == true {
                stoppedMeanwhile = true
                return
            }
            c.status = .running
            c.pid = pid
            c.pidStartTime = initProcess.startTime
            c.monitorPid = monitor
            c.monitorStartTime = SkiffRuntime.ProcessInfo.startTime(pid: monitor)
            c.startedAt = Timestamp.now()
            c.exitCode = 0
            c.oomKilled = nil
            c.oomKillsReported = nil
            c.error = nil
            if c.healthcheck != nil { c.health = HealthState() }
        }
        if stoppedMeanwhile {
            try? runtime.delete(id: id, force: true)
            tearDownNetwork(id: id)
            releaseShm(id: id)
            throw .usage("not restarting: stopped by the user")
        }
        recordAttachments(of: before, starting: true)
        events.record(container: before, "start")
        return initProcess
    }

    package enum AfterExit: Equatable {
        case done
        case restart(milliseconds: Int)
    }

    /// `container-internal exited`: record the exit (with whether the OOM killer killed in the run, read
    /// from the cgroup first, and an `oom` event for each kill the monitor has not reported), remove the
    /// runtime state (and with it the cgroup), then apply --rm or the restart policy.
    package func internalExited(id: String, code: Int32, signal: Int32, finishedAt: String) throws(KitError)
        -> AfterExit
    {
        guard FileIO.exists(containers.directory(of: id) + "/container.json") else { return .done }
        let kills = oomKills(id: id)
        try? runtime.delete(id: id, force: true)
        tearDownNetwork(id: id)
        releaseShm(id: id)
        var decision = AfterExit.done
        var unreportedKills: UInt64 = 0
        let record = try containers.update(id: id) { c throws(KitError) in
            let exit = code >= 0 ? code : 128 + signal
            let ranFor = Self.seconds(from: c.startedAt, to: finishedAt)
            unreportedKills = OOMWatch.unreported(counted: kills, reported: c.oomKillsReported)
            c.status = .exited
            c.exitCode = exit
            c.oomKilled = (kills ?? 0) > 0 || c.oomKillsReported != nil ? true : nil
            c.oomKillsReported = nil
            c.finishedAt = finishedAt
            c.pid = nil
            c.pidStartTime = nil
            guard !c.autoRemove, c.stoppedByUser != true, let policy = c.restartPolicy else { return }
            let count = c.restartCount ?? 0
            var again = false
            switch policy.name {
            case .no: again = false
            case .onFailure: again = exit != 0 && (policy.maximumRetryCount == 0 || count < policy.maximumRetryCount)
            case .always, .unlessStopped: again = true
            }
            guard again else { return }
            // Docker's back-off: 100 ms, doubled for each restart, back to 100 ms after a run of 10 s.
            let steps = (ranFor ?? 0) >= 10 ? 0 : min(count, 10)
            decision = .restart(milliseconds: min(100 << steps, 60_000))
            c.restartCount = count + 1
            c.status = .restarting
        }
        events.recordDie(record, exitCode: record.exitCode ?? code, finishedAt: finishedAt, ooms: unreportedKills)
        recordAttachments(of: record, starting: false)
        if record.autoRemove && decision == .done {
            removeContainerFiles(id: id, anonymousVolumes: true)
        }
        return decision
    }

    /// Whether the kernel's OOM killer killed a process of the container's run, from its cgroup's
    /// counter (read before the cgroup is removed).
    func oomKilled(id: String) -> Bool {
        (oomKills(id: id) ?? 0) > 0
    }

    // MARK: reconcile

    /// The record as the kernel sees it. A running record whose process and monitor are both gone is
    /// repaired (exited; the monitor's `exit` file gives the code if it got that far, else 255) and its
    /// runtime state and cgroup removed; with --rm the container goes. nil: the container is gone.
    package func reconcile(_ container: Container) throws(KitError) -> Container? {
        switch container.status {
        case .running, .restarting:
            if processAlive(container) || monitorAlive(container) || runnerAlive(container) { return container }
        case .created, .exited:
            return container
        }
        var removeIt = false
        let repaired: Container
        do {
            repaired = try containers.update(id: container.id) { c throws(KitError) in
                guard c.status == .running || c.status == .restarting, !processAlive(c), !monitorAlive(c),
                    !runnerAlive(c)
                else { return }
                let dir = containers.directory(of: c.id)
                if let text = try? FileIO.readString(dir + "/exit") {
                    let f = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    let code = f.count > 0 ? Int32(f[0]) ?? -1 : -1
                    let sig = f.count > 1 ? Int32(f[1]) ?? 0 : 0
                    c.exitCode = code >= 0 ? code : 128 + sig
                    c.finishedAt = f.count > 2 ? f[2] : Timestamp.now()
                } else {
                    c.exitCode = 255
                    c.finishedAt = Timestamp.now()
                    c.error =
                        c.monitorPid == nil
                        ? "the process that ran the container is gone; its exit code is unknown"
                        : "the container's monitor died; its exit code is unknown"
                }
                c.status = .exited
                c.pid = nil
                c.pidStartTime = nil
                c.oomKilled = oomKilled(id: c.id) || c.oomKillsReported != nil ? true : nil
                c.oomKillsReported = nil
                try? runtime.delete(id: c.id, force: true)
                tearDownNetwork(id: c.id)
                releaseShm(id: c.id)
                removeIt = c.autoRemove
            }
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
        if removeIt {
            removeContainerFiles(id: container.id, anonymousVolumes: true)
            return nil
        }
        return repaired
    }

    /// All records, reconciled (the gone ones left out).
    public func listContainers() -> [Container] {
        containers.all().compactMap { try? reconcile($0) }.sorted { $0.created > $1.created }
    }

    /// Find by name, ID or ID prefix, reconciled.
    public func container(_ nameOrID: String) throws(KitError) -> Container {
        guard let c = try reconcile(containers.find(nameOrID)) else {
            throw .notFound("No such container: \(nameOrID)")
        }
        return c
    }

    func processAlive(_ c: Container) -> Bool {
        if let pid = c.pid, let start = c.pidStartTime {
            return SkiffRuntime.ProcessInfo.isRunning(pid: pid, startTime: start)
        }
        // An attached run records no pid: the runtime's state has it.
        guard let state = try? runtime.state(id: c.id) else { return false }
        return state.status == .running || state.status == .created || state.status == .creating
    }

    func runnerAlive(_ c: Container) -> Bool {
        guard let pid = c.runnerPid, let start = c.runnerStartTime else { return false }
        return SkiffRuntime.ProcessInfo.isRunning(pid: pid, startTime: start)
    }

    func monitorAlive(_ c: Container) -> Bool {
        guard let pid = c.monitorPid, let start = c.monitorStartTime else { return false }
        return SkiffRuntime.ProcessInfo.isRunning(pid: pid, startTime: start)
    }

    /// Wait until a process is gone (pidfd poll), up to `timeout` seconds. True when it is gone.
    @discardableResult
    static func waitGone(pid: Int32?, startTime: UInt64?, timeout: Double) -> Bool {
        guard let pid, let startTime else { return true }
        guard let process = PidFD(pid: pid) else { return true }
        guard SkiffRuntime.ProcessInfo.isRunning(pid: pid, startTime: startTime) else { return true }
        return process.waitForExit(timeout: timeout)
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func seconds(from start: String?, to end: String?) -> Double? {
        guard let s = start.flatMap(Timestamp.parse), let e = end.flatMap(Timestamp.parse) else { return nil }
        return e - s
    }

    // MARK: stop / kill / rm / wait / restart

    /// Docker's stop: the stop signal, then SIGKILL after `timeout` seconds (default: the container's
    /// --stop-timeout, else 10). Returns once the exit is recorded. A stopped container is no error.
    public func stop(_ nameOrID: String, timeout: Int? = nil, signal: String? = nil) throws(KitError) {
        if let signal, Signals.number(signal) == nil {
            throw .usage("invalid signal \"\(signal)\" (e.g. SIGTERM, TERM, 15, SIGQUIT)")
        }
        var c = try container(nameOrID)
        guard c.status == .running || c.status == .restarting else { return }
        c = try containers.update(id: c.id) { $0.stoppedByUser = true }
        let sig = Signals.number(signal ?? c.stopSignal ?? "SIGTERM") ?? SIGTERM
        let grace = Double(timeout ?? c.stopTimeout ?? 10)
        if processAlive(c) {
            // Docker's way with a paused container: the stop signal is sent, then it is thawed so the
            // signal is delivered at once (and the grace period is the process's, not a frozen wait).
            let paused = isPaused(c)
            events.record(container: c, "kill", ["signal": "\(sig)"])
            try? runtime.kill(id: c.id, signal: sig)
            if paused { try? runtime.resume(id: c.id) }
            if !Self.waitGone(
                pid: c.pid ?? runtimePid(c.id), startTime: c.pidStartTime ?? runtimePidStart(c.id), timeout: grace)
            {
                events.record(container: c, "kill", ["signal": "\(SIGKILL)"])
                try? runtime.kill(id: c.id, signal: SIGKILL, all: true)
                Self.waitGone(
                    pid: c.pid ?? runtimePid(c.id), startTime: c.pidStartTime ?? runtimePidStart(c.id), timeout: 10)
            }
        } else if c.status == .restarting, let m = c.monitorPid, monitorAlive(c) {
            // In the back-off between two runs: the monitor has nothing to watch; end it.
            Glibc.kill(m, SIGTERM)
        }
        // The monitor records the exit; wait for it to finish (it exits after `exited` said "done").
        Self.waitGone(pid: c.monitorPid, startTime: c.monitorStartTime, timeout: 10)
        _ = try reconcile(containers.load(id: c.id))
        events.record(container: c, "stop")
    }

    private func runtimePid(_ id: String) -> Int32? {
        (try? runtime.state(id: id)).map(\.pid).flatMap { $0 > 0 ? $0 : nil }
    }
    private func runtimePidStart(_ id: String) -> UInt64? {
        runtimePid(id).flatMap { SkiffRuntime.ProcessInfo.startTime(pid: $0) }
    }

    /// Send a signal to the container's init (Docker's kill; SIGKILL by default).
    public func kill(_ nameOrID: String, signal: String = "SIGKILL") throws(KitError) {
        let c = try container(nameOrID)
        guard let sig = Signals.number(signal) else {
            throw .usage("invalid signal \"\(signal)\" (e.g. SIGKILL, KILL, 9, SIGHUP)")
        }
        guard c.status == .running, processAlive(c) else { throw .notRunning(c.name) }
        if sig == SIGKILL || sig == (Signals.number(c.stopSignal ?? "SIGTERM") ?? SIGTERM) {
            try containers.update(id: c.id) { $0.stoppedByUser = true }
        }
        let paused = isPaused(c)
        do { try runtime.kill(id: c.id, signal: sig) } catch { throw .runtime(error) }
        events.record(container: c, "kill", ["signal": "\(sig)"])
        // As Docker: SIGKILL or the stop signal to a paused container is followed by a thaw, so it acts.
        if paused, sig == SIGKILL || sig == (Signals.number(c.stopSignal ?? "SIGTERM") ?? SIGTERM) {
            try? runtime.resume(id: c.id)
        }
        if sig == SIGKILL {
            Self.waitGone(
                pid: c.pid ?? runtimePid(c.id), startTime: c.pidStartTime ?? runtimePidStart(c.id), timeout: 10)
            Self.waitGone(pid: c.monitorPid, startTime: c.monitorStartTime, timeout: 5)
        }
    }

    /// `rm` of several containers, one result per name (nil: removed). With `force`, every running one
    /// is killed before any is waited for, so their ends (the kernel tearing the processes down, the
    /// monitors finishing) overlap instead of adding up.
    public func remove(_ names: [String], force: Bool, volumes: Bool = false) -> [KitError?] {
        // Every name is resolved against one reading of the records (resolving each by itself reads
        // them all again: quadratic in the number of containers); a resolved name is then removed by
        // its full ID, which reads its own record alone.
        let resolved: [Result<Container, KitError>?] =
            names.count > 1 ? containers.findAll(names).map { $0 } : names.map { _ in nil }
        let targets = names.indices.map { i in (try? resolved[i]?.get())?.id ?? names[i] }
        var killed: [String: Int32?] = [:]
        if force && names.count > 1 {
            for case .success(let found)? in resolved {
                guard let c = try? reconcile(found), c.status == .running || c.status == .restarting,
                    killed[c.id] == nil, let pid = try? killForRemoval(c)
                else { continue }
                killed[c.id] = pid
            }
        }
        // The removals themselves (runtime state, cgroups, network, files) run side by side, one per
        // core: each is mostly waiting on the kernel. A name that resolves to a container already in
        // the list is removed after the others, so it gets the answer a second `rm` would.
        var seen = Set<String>()
        var first: [Int] = []
        var repeats: [Int] = []
        for i in names.indices {
            if case .success(let c)? = resolved[i], !seen.insert(c.id).inserted {
                repeats.append(i)
            } else {
                first.append(i)
            }
        }
        let results = Mutex([KitError?](repeating: nil, count: names.count))
        let killedPids = killed
        let firsts = first
        let repeatSet = Set(repeats)
        let removeOne: @Sendable (Int) -> Void = { i in
            do throws(KitError) {
                // A repeat goes by its name again: the container is gone, and the error names it.
                try remove(
                    repeatSet.contains(i) ? names[i] : targets[i], force: force, volumes: volumes, killed: killedPids)
            } catch {
                results.withLock { $0[i] = error }
            }
        }
        DispatchQueue.concurrentPerform(iterations: firsts.count) { removeOne(firsts[$0]) }
        for i in repeats { removeOne(i) }
        return results.withLock { $0 }
    }

    /// Remove a container: refused while it runs unless `force` (which kills it). Docker's wording.
    /// `volumes` (rm -v): its anonymous volumes too.
    public func remove(_ nameOrID: String, force: Bool, volumes: Bool = false) throws(KitError) {
        try remove(nameOrID, force: force, volumes: volumes, killed: [:])
    }

    /// `killed`: containers killForRemoval has killed already (id → the init's pid, if it had one).
    private func remove(_ nameOrID: String, force: Bool, volumes: Bool, killed: [String: Int32?]) throws(KitError) {
        let found: Container
        do { found = try containers.find(nameOrID) } catch {
            if case .unreadableRecord = error, try removeUnreadableContainer(nameOrID, force: force) != nil { return }
            throw error
        }
        guard let c = try reconcile(found) else { return }
        if c.status == .running || c.status == .restarting {
            guard force else {
                throw .usage(
                    "You cannot remove a running container \(c.id). Stop the container before attempting removal or force remove"
                )
            }
            let pid: Int32?
            if let done = killed[c.id] { pid = done } else { pid = try killForRemoval(c) }
            Self.waitGone(
                pid: pid, startTime: c.pidStartTime ?? pid.flatMap { SkiffRuntime.ProcessInfo.startTime(pid: $0) },
                timeout: 10)
            Self.waitGone(pid: c.monitorPid, startTime: c.monitorStartTime, timeout: 10)
            events.recordDie(c, exitCode: 128 + SIGKILL)
            recordAttachments(of: c, starting: false)
        } else if monitorAlive(c) || runnerAlive(c) {
            // Exited, but its monitor is still at work: recording the exit, or waiting out a restart's
            // back-off, its helper about to write into the container's directory. It ends first (with
            // -f told to: the removing marker, the user's stop), so the removal is the last word and
            // nothing of the container comes back after it.
            if force { _ = try killForRemoval(c) }
            Self.waitGone(pid: c.monitorPid, startTime: c.monitorStartTime, timeout: 10)
            Self.waitGone(pid: c.runnerPid, startTime: c.runnerStartTime, timeout: 10)
        }
        if (try? runtime.state(id: c.id)) != nil {
            do { try runtime.delete(id: c.id, force: true) } catch { throw .runtime(error) }
        }
        tearDownNetwork(id: c.id)
        releaseShm(id: c.id)
        removeContainerFiles(id: c.id, anonymousVolumes: volumes)
    }

    /// The first half of rm -f: the container is marked stopped by the user, its monitor told not to
    /// record the exit (the `removing` file: rm removes the runtime state, network and record itself,
    /// so the monitor ends without starting `skiff container-internal exited`), and its processes
    /// killed (in the back-off between two runs, the monitor is ended instead). Returns the init's
    /// pid, for waitGone.
    private func killForRemoval(_ c: Container) throws(KitError) -> Int32? {
        try containers.update(id: c.id) { $0.stoppedByUser = true }
        _ = try? FileIO.writeAtomically(containers.directory(of: c.id) + "/" + Self.removingMarker, contents: [])
        guard processAlive(c) else {
            if let m = c.monitorPid, monitorAlive(c) { Glibc.kill(m, SIGTERM) }
            return nil
        }
        let pid = c.pid ?? runtimePid(c.id)
        events.record(container: c, "kill", ["signal": "\(SIGKILL)"])
        try? runtime.kill(id: c.id, signal: SIGKILL, all: true)
        return pid
    }

    /// In a container's directory while rm -f removes it; skiff-monitor reads it (a shared name).
    static let removingMarker = "removing"

    /// Block until the container is not running; its exit code. A container removed meanwhile (--rm)
    /// gives the code the monitor recorded, when it can still be read.
    public func wait(_ nameOrID: String) throws(KitError) -> Int32 {
        let first = try container(nameOrID)
        let id = first.id
        var lastExit = first.exitCode ?? 0
        while true {
            let c: Container
            do { c = try containers.load(id: id) } catch {
                if case .notFound = error { return lastExit }
                throw error
            }
            guard let now = try reconcile(c) else { return lastExit }
            if now.status == .exited || now.status == .created { return now.exitCode ?? 0 }
            if let text = try? FileIO.readString(containers.directory(of: id) + "/exit"),
                let code = text.split(separator: " ").first.flatMap({ Int32($0) })
            {
                lastExit = code
            }
            if let pid = now.pid, let start = now.pidStartTime {
                Self.waitGone(pid: pid, startTime: start, timeout: 0.5)
            }
            usleep(20_000)
        }
    }

    /// `restart`: stop (SIGTERM, then SIGKILL after `timeout` seconds) and start again.
    public func restart(_ nameOrID: String, timeout: Int? = nil, signal: String? = nil) throws(KitError) {
        try stop(nameOrID, timeout: timeout, signal: signal)
        events.record(container: try startMonitored(nameOrID).container, "restart")
    }
}

/// O_PATH (Glibc's Swift module leaves out the GNU flags).
let openPath: Int32 = 0o10000000

/// Lines from a pipe, read a byte at a time (the monitor's reports are a line or two).
struct LineReader {
    let fd: Int32
    mutating func line() -> String? {
        var bytes: [UInt8] = []
        var b: UInt8 = 0
        while true {
            let n = read(fd, &b, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
        }
    }
}

extension Engine {
    /// Resize the terminal of a container run with -t under its monitor (attach follows the client's
    /// window, as Docker's does): a line on the monitor's `ctl` FIFO. Nothing when no monitor reads it.
    public func resizeTerminal(_ c: Container, rows: UInt16, columns: UInt16) {
        let fd = open(containers.directory(of: c.id) + "/ctl", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = try? FileIO.writeAll(fd: fd, bytes: Array("1 \(rows) \(columns)\n".utf8))
    }

    /// A connection to a running container's monitor for attach (frames out, input in).
    public func attach(_ c: Container) throws(KitError) -> Int32 {
        guard c.monitorPid != nil, monitorAlive(c) else {
            throw .usage(
                "container \(c.name) has no monitor to attach to (it was started attached, by another skiff run)")
        }
        defer { events.record(container: c, "attach") }
        return try Self.connectAttach(dir: containers.directory(of: c.id))
    }

    /// `rename`: give the container a new unique name.
    public func renameContainer(_ nameOrID: String, to name: String) throws(KitError) {
        let c = try container(nameOrID)
        guard Self.isValidName(name) else {
            throw .usage("invalid container name \"\(name)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        try containers.rename(id: c.id, to: name)
        events.record(container: c, "rename", ["name": name, "oldName": c.name])
    }
}
