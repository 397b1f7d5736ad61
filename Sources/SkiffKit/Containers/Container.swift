/// A container as `skiff` keeps it: `containers/<id>/container.json`. Its writable layer (`upper/`)
/// and generated files sit beside the record and live until `rm`.
public struct Container: Codable, Sendable, Equatable {
    /// Where the container is in its life, as `ps` and `inspect` show it.
    public enum Status: String, Codable, Sendable {
        /// `created`: made, not started (or `create`d); `running`: its process runs; `exited`: it ran and ended.
        case created, running, exited
        /// Between two runs of a restart policy (the monitor waits out the back-off).
        case restarting
    }

    /// The 64-hex-digit container ID.
    public var id: String
    /// The container's unique name (given with --name, or generated).
    public var name: String
    /// The name the user gave (e.g. "busybox"), and the image's ID (config digest).
    public var image: String
    /// The image's ID: its config digest.
    public var imageID: String
    /// The digest of the image manifest the container was made from.
    public var manifestDigest: String
    /// The overlay lower layers, by chain ID, bottom first.
    public var layerChainIDs: [String]
    /// The process's argv (entrypoint and command, resolved at create).
    public var command: [String]
    /// When it was created (RFC 3339).
    public var created: String
    /// Its status when the record was last written (the engine repairs a stale one when it reads it).
    public var status: Status
    /// The last exit status of its process; nil until it has exited once.
    public var exitCode: Int32?
    /// When its process last started (RFC 3339).
    public var startedAt: String?
    /// When its process last exited (RFC 3339).
    public var finishedAt: String?
    /// `--rm`: removed once its process exits.
    public var autoRemove: Bool
    /// Labels from the image and `--label` (compose keeps its project and service here).
    public var labels: [String: String]

    // Set by the lifecycle (detached runs, the monitor); absent in records of attached-only runs.
    /// The container's init, as a host pid, and its start time (so a reused pid is never taken for it).
    public var pid: Int32?
    /// The init's start time in clock ticks since boot (`/proc/PID/stat` field 22).
    public var pidStartTime: UInt64?
    /// The monitor watching the container (nil for an attached run, where the CLI is the parent).
    public var monitorPid: Int32?
    /// The monitor's start time in clock ticks since boot.
    public var monitorStartTime: UInt64?
    /// The `skiff run` that runs an attached container itself (no monitor). While it lives the record is
    /// not repaired, even before the container's process exists (network set-up, create).
    public var runnerPid: Int32?
    /// The attached runner's start time in clock ticks since boot.
    public var runnerStartTime: UInt64?
    /// `--restart`; nil is `no`.
    public var restartPolicy: RestartPolicy?
    /// How many times the restart policy has restarted it.
    public var restartCount: Int?
    /// `stop`/`kill` by the user: the restart policy does not bring the container back.
    public var stoppedByUser: Bool?
    /// The health check it runs (the image's, changed by --health-* flags); nil without one.
    public var healthcheck: HealthCheck?
    /// The health check's state and recent results.
    public var health: HealthState?
    /// `-t`: its process has a terminal.
    public var tty: Bool?
    /// `-i`: its stdin stays open for `attach`.
    public var openStdin: Bool?
    /// The signal `stop` sends first (`--stop-signal`, the image's STOPSIGNAL, else SIGTERM).
    public var stopSignal: String?
    /// Seconds `stop` waits before SIGKILL (`--stop-timeout`; 10 when nil).
    public var stopTimeout: Int?
    /// The size in bytes at which its log file is rotated (`--log-opt max-size`); nil: no rotation.
    public var logMaxSize: Int64?
    /// How many log files rotation keeps (`--log-opt max-file`).
    public var logMaxFiles: Int?
    /// `--log-driver`; nil is json-file. With none the monitor keeps no log and `logs` refuses.
    public var logDriver: LogDriver?
    /// The JSON object every log entry carries as "attrs" (`--log-opt labels/env/tag`, see
    /// LogAttributes), worked out at create; nil without them.
    public var logAttributes: String?
    /// A forwarding driver's spec (syslog, journald, gelf, fluentd: `LogForwardSpec`), worked out at create; nil for the others.
    public var logForward: String?
    /// `--log-opt compress=true`: rotated log files are gzipped (log.jsonl.1.gz ...); nil: not.
    public var logCompress: Bool?
    /// The `--log-opt`s as given (inspect's LogConfig.Config; a record written before 2026-12-05 holds
    /// those other than max-size and max-file).
    public var logOptions: [String: String]?
    /// Its hostname (`--hostname`, else the short ID).
    public var hostname: String?
    /// Why the last start failed, or how the state was repaired.
    public var error: String?
    /// Docker's State.OOMKilled: the kernel's OOM killer killed a process of the last run (read from its
    /// cgroup when the exit was recorded); cleared at the next start. nil: false.
    public var oomKilled: Bool?
    /// The run's OOM kills already recorded as `oom` events, as its cgroup counted them when the
    /// monitor reported them (`container-internal oom`); the exit records only those after. Cleared at
    /// each start and exit. nil: none.
    public var oomKillsReported: UInt64?
    /// --pid, --ipc, --uts, --cgroupns as given (a `container:` donor is looked up at every start); nil in
    /// records made before they existed.
    public var namespaceModes: NamespaceModes?
    /// Volumes, binds and tmpfs mounts (Volumes/Engine+Volumes.swift); nil when there are none.
    public var mounts: [MountPoint]?
    /// `--cpus` × 10⁹ (Docker's NanoCpus): the spec holds it only as a CFS quota. nil: not given.
    public var nanoCpus: Int64?
    /// The user as given (`-u`, compose `user`, else the image's USER), as Docker's Config.User keeps it:
    /// the spec holds only the numbers it resolved to. nil: records made before it existed.
    public var user: String?
    /// The HOME the process got from the image's passwd because neither the image nor `-e` gave one (runc
    /// sets it so for Docker): not part of Config.Env, so neither inspect nor commit shows it. nil: given.
    public var defaultHome: String?
    /// `--expose`'s ports as ExposedPorts keys (`9000/tcp`), beyond the image's. nil: none.
    public var exposedPorts: [String]?
    /// Docker's Config.Entrypoint: the image's ENTRYPOINT or `--entrypoint` (empty: none), the head of
    /// `command`; the rest is Config.Cmd. nil: records made before it existed.
    public var entrypoint: [String]?
    /// Docker's Config.Env (SpecBuilder.configEnvironment): the image's and the user's entries, without
    /// what the process gets besides (HOSTNAME, TERM, a default PATH or HOME). nil: records made before it.
    public var configEnv: [String]?
    /// Docker's Config.WorkingDir: `-w` or the image's WORKDIR, cleaned; "" when neither gives one (the
    /// process then starts in /). nil: records made before it existed.
    public var workingDir: String?
    /// The create flags Docker's HostConfig shows as given. nil: records made before it existed.
    public var hostConfig: HostConfigRecord?
    /// What its resolv.conf is made from and the digest of what Skiff last wrote there, so each start
    /// makes it again from the host's (as Docker does) unless the user changed it. nil: never remade.
    public var resolvConf: ResolvConfRecord?

    /// The first 12 hex digits of the ID, as `ps` shows it.
    public var shortID: String { String(id.prefix(12)) }
}

/// Docker's --restart: no, on-failure[:N], always, unless-stopped.
public struct RestartPolicy: Codable, Sendable, Equatable {
    /// The policy's kind, spelled as `--restart` takes it.
    public enum Name: String, Codable, Sendable {
        case no, onFailure = "on-failure", always, unlessStopped = "unless-stopped"
    }
    /// When to restart.
    public var name: Name
    /// on-failure: the most restarts (0: no limit).
    public var maximumRetryCount: Int

    /// A policy of kind `name`, with at most `maximumRetryCount` restarts for on-failure.
    public init(name: Name, maximumRetryCount: Int = 0) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    /// "no", "always", "unless-stopped", "on-failure", "on-failure:3".
    public init(parsing text: String) throws(KitError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = Name(rawValue: parts.first ?? "") else {
            throw .usage("--restart \(text): expected no, on-failure[:max-retries], always or unless-stopped")
        }
        var count = 0
        if parts.count == 2 {
            guard name == .onFailure, let n = Int(parts[1]), n >= 0 else {
                throw .usage("--restart \(text): only on-failure takes a retry count (a number >= 0)")
            }
            count = n
        }
        self.init(name: name, maximumRetryCount: count)
    }
}

/// A healthcheck as it applies to one container (durations in nanoseconds, Docker's defaults filled in).
public struct HealthCheck: Codable, Sendable, Equatable {
    /// ["CMD", args…] or ["CMD-SHELL", command].
    public var test: [String]
    /// Time between checks.
    public var interval: Int64
    /// How long one check may run before it counts as failed.
    public var timeout: Int64
    /// Time after start during which failures do not count.
    public var startPeriod: Int64
    /// Consecutive failures that make the container unhealthy.
    public var retries: Int
    /// Time between checks during the start period while the container is not yet healthy (nil: Docker's
    /// 5 s). Docker 25+ probes at this pace then, so a slow `interval` does not delay the first result.
    public var startInterval: Int64?

    /// Docker's default interval: 30 s.
    public static let defaultInterval: Int64 = 30_000_000_000
    /// Docker's default start interval: 5 s.
    public static let defaultStartInterval: Int64 = 5_000_000_000
    /// Docker's default timeout: 30 s.
    public static let defaultTimeout: Int64 = 30_000_000_000

    /// A check running `test` with Docker's defaults for what is not given.
    public init(
        test: [String], interval: Int64 = defaultInterval, timeout: Int64 = defaultTimeout,
        startPeriod: Int64 = 0, retries: Int = 3, startInterval: Int64? = nil
    ) {
        self.startInterval = startInterval
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.retries = retries
    }

    /// The command to exec in the container.
    public var command: [String] {
        if test.first == "CMD-SHELL" { return ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")] }
        if test.first == "CMD" { return Array(test.dropFirst()) }
        return test
    }
}

/// Docker's State.Health.
public struct HealthState: Codable, Sendable, Equatable {
    /// `starting` until the first check result counts, then `healthy` or `unhealthy`.
    public enum Status: String, Codable, Sendable { case starting, healthy, unhealthy }
    /// One check's result, as `inspect` shows it (Docker's field names).
    public struct Probe: Codable, Sendable, Equatable {
        /// When the check started (RFC 3339).
        public var Start: String
        /// When it ended.
        public var End: String
        /// Its exit status (0 healthy, 1 unhealthy, -1 could not run or timed out).
        public var ExitCode: Int32
        /// The start of its output.
        public var Output: String
    }
    /// The current health.
    public var status: Status
    /// Consecutive failed checks.
    public var failingStreak: Int
    /// The last few results, newest last.
    public var log: [Probe]

    /// A health state, `starting` with no results by default.
    public init(status: Status = .starting, failingStreak: Int = 0, log: [Probe] = []) {
        self.status = status
        self.failingStreak = failingStreak
        self.log = log
    }
}
