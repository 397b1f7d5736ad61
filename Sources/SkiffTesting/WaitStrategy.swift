/// When a started container counts as ready. Each strategy has a deadline (``timeout(_:)``, 60 s unless
/// set); when it passes, `start()` throws ``SkiffTestingError/waitTimedOut(_:)`` with what the strategy
/// last saw and the container's last log lines. A container that exits while waited for fails at once.
///
/// ```swift
/// .waitingFor(.log("ready to accept connections", occurrences: 2).timeout(.seconds(30)))
/// .waitingFor(.all(.port(5432), .exec(["pg_isready"])))
/// ```
public struct WaitStrategy: Sendable, Hashable, CustomStringConvertible {
    /// Where a port is checked from.
    public enum PortCheck: Sendable, Hashable {
        /// A TCP connect from the test process to the mapped port on 127.0.0.1 (the port must be exposed).
        case fromHost
        /// A listening socket in the container's network namespace (its /proc/net/tcp), no connection made.
        case inside
        /// Both.
        case both
    }

    indirect enum Kind: Sendable, Hashable {
        case none
        case log(pattern: String, occurrences: Int)
        case port(UInt16, PortCheck)
        case http(path: String, port: UInt16, statuses: ClosedRange<Int>)
        case healthcheck
        case exec([String])
        case all([WaitStrategy])
        case any([WaitStrategy])
    }

    let kind: Kind
    /// How long to wait before giving up.
    public private(set) var deadline: Duration = .seconds(60)
    /// How often the probe runs: 5 ms for a port (a connect costs microseconds), 10 ms for a log,
    /// 20 ms for HTTP, 100 ms for an exec or a healthcheck (each runs a process in the container).
    public private(set) var interval: Duration

    init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .port, .none, .all, .any: interval = .milliseconds(5)
        case .log: interval = .milliseconds(10)
        case .http: interval = .milliseconds(20)
        case .exec, .healthcheck: interval = .milliseconds(100)
        }
    }

    /// Ready at once.
    public static let none = WaitStrategy(.none)

    /// A log line (stdout or stderr) matches `regex`, `occurrences` times.
    public static func log(_ regex: String, occurrences: Int = 1) -> WaitStrategy {
        WaitStrategy(.log(pattern: regex, occurrences: max(occurrences, 1)))
    }

    /// The container accepts TCP connections on `port` (by default: connected to from this process).
    public static func port(_ port: UInt16, checked: PortCheck = .fromHost) -> WaitStrategy {
        WaitStrategy(.port(port, checked))
    }

    /// An HTTP GET of `path` on the mapped `port` answers with a status in `statuses`.
    public static func http(_ path: String = "/", port: UInt16, statuses: ClosedRange<Int> = 200...299) -> WaitStrategy
    {
        WaitStrategy(.http(path: path.hasPrefix("/") ? path : "/" + path, port: port, statuses: statuses))
    }

    /// An HTTP GET of `path` on the mapped `port` answers with exactly `status`.
    public static func http(_ path: String = "/", port: UInt16, status: Int) -> WaitStrategy {
        http(path, port: port, statuses: status...status)
    }

    /// The image's HEALTHCHECK (or the one the request sets) reports healthy. The probe also runs at this
    /// strategy's interval (at most every 100 ms), so a long HEALTHCHECK interval does not slow the test.
    public static let healthcheck = WaitStrategy(.healthcheck)

    /// `command` run in the container exits with 0.
    public static func exec(_ command: [String]) -> WaitStrategy { WaitStrategy(.exec(command)) }

    /// Every strategy is satisfied, each once, in order: a strategy is probed only once those before it passed.
    public static func all(_ strategies: WaitStrategy...) -> WaitStrategy { WaitStrategy(.all(strategies)) }

    /// One of the strategies is satisfied.
    public static func any(_ strategies: WaitStrategy...) -> WaitStrategy { WaitStrategy(.any(strategies)) }

    /// Give up after `duration`.
    public func timeout(_ duration: Duration) -> WaitStrategy {
        var copy = self
        copy.deadline = duration
        return copy
    }

    /// Probe every `duration` instead of the strategy's default.
    public func pollInterval(_ duration: Duration) -> WaitStrategy {
        var copy = self
        copy.interval = duration
        return copy
    }

    public var description: String {
        switch kind {
        case .none: return "nothing"
        case .log(let p, let n): return n == 1 ? "log line /\(p)/" : "log line /\(p)/ \(n) times"
        case .port(let p, let how):
            switch how {
            case .fromHost: return "port \(p) to accept connections from the host"
            case .inside: return "port \(p) to listen inside the container"
            case .both: return "port \(p) to listen inside and accept connections from the host"
            }
        case .http(let path, let port, let statuses):
            let want = statuses.count == 1 ? "\(statuses.lowerBound)" : "\(statuses.lowerBound)-\(statuses.upperBound)"
            return "HTTP \(want) from GET \(path) on port \(port)"
        case .healthcheck: return "the healthcheck to report healthy"
        case .exec(let c): return "`\(c.joined(separator: " "))` to exit with 0"
        case .all(let s): return "all of (" + s.map(\.description).joined(separator: "; ") + ")"
        case .any(let s): return "any of (" + s.map(\.description).joined(separator: "; ") + ")"
        }
    }
}
