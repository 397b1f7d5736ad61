/// A container as `skiff` keeps it: `containers/<id>/container.json`. Its writable layer (`upper/`)
/// and generated files sit beside the record and live until `rm`.
public struct Container: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case created, running, exited
        /// Between two runs of a restart policy (the monitor waits out the back-off).
        case restarting
    }

    public var id: String
    public var name: String
    /// The name the user gave (e.g. "busybox"), and the image's ID (config digest).
    public var image: String
    public var imageID: String
    public var manifestDigest: String
    /// The overlay lower layers, by chain ID, bottom first.
    public var layerChainIDs: [String]
    public var command: [String]
    public var created: String
    public var status: Status
    public var exitCode: Int32?
    public var startedAt: String?
    public var finishedAt: String?
    public var autoRemove: Bool
    public var labels: [String: String]

    // Set by the lifecycle (detached runs, the monitor); absent in records of attached-only runs.
    /// The container's init, as a host pid, and its start time (so a reused pid is never taken for it).
    public var pid: Int32?
    public var pidStartTime: UInt64?
    /// The monitor watching the container (nil for an attached run, where the CLI is the parent).
    public var monitorPid: Int32?
    public var monitorStartTime: UInt64?
    /// The `skiff run` that runs an attached container itself (no monitor). While it lives the record is
    /// not repaired, even before the container's process exists (network set-up, create).
    public var runnerPid: Int32?
    public var runnerStartTime: UInt64?
    public var restartPolicy: RestartPolicy?
    public var restartCount: Int?
    /// `stop`/`kill` by the user: the restart policy does not bring the container back.
    public var stoppedByUser: Bool?
    public var healthcheck: HealthCheck?
    public var health: HealthState?
    public var tty: Bool?
    public var openStdin: Bool?
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var logMaxSize: Int64?
    public var logMaxFiles: Int?
    public var hostname: String?
    /// Why the last start failed, or how the state was repaired.
    public var error: String?
    /// Volumes, binds and tmpfs mounts (Volumes/Engine+Volumes.swift); nil when there are none.
    public var mounts: [MountPoint]?

    public var shortID: String { String(id.prefix(12)) }
}

/// Docker's --restart: no, on-failure[:N], always, unless-stopped.
public struct RestartPolicy: Codable, Sendable, Equatable {
    public enum Name: String, Codable, Sendable {
        case no, onFailure = "on-failure", always, unlessStopped = "unless-stopped"
    }
    public var name: Name
    /// on-failure: the most restarts (0: no limit).
    public var maximumRetryCount: Int

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
    public var interval: Int64
    public var timeout: Int64
    public var startPeriod: Int64
    public var retries: Int

    public static let defaultInterval: Int64 = 30_000_000_000
    public static let defaultTimeout: Int64 = 30_000_000_000

    public init(test: [String], interval: Int64 = defaultInterval, timeout: Int64 = defaultTimeout,
                startPeriod: Int64 = 0, retries: Int = 3) {
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
    public enum Status: String, Codable, Sendable { case starting, healthy, unhealthy }
    public struct Probe: Codable, Sendable, Equatable {
        public var Start: String
        public var End: String
        public var ExitCode: Int32
        public var Output: String
    }
    public var status: Status
    public var failingStreak: Int
    public var log: [Probe]

    public init(status: Status = .starting, failingStreak: Int = 0, log: [Probe] = []) {
        self.status = status
        self.failingStreak = failingStreak
        self.log = log
    }
}
