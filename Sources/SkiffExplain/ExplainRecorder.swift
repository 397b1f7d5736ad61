import Logging
import Synchronization

/// Collects the events of one command while `--explain` is on. Events travel as debug log records (see
/// `Logger.explain`), so the code that does a step needs nothing but the logger it already has; when
/// no one explains, the logger's level is above debug and an event is not even built.
public final class ExplainRecorder: Sendable {
    public static let shared = ExplainRecorder()
    /// The metadata key under which a log record carries its `ExplainEvent`.
    public static let metadataKey = "explain"

    private let state = Mutex<(active: Bool, events: [ExplainEvent], told: Int)>((false, [], 0))
    private let activeFlag = Atomic<Bool>(false)
    /// Called with the events not yet told once the container's process has exec'd, so a long-running
    /// process (a server) is explained while it runs, not only after it ends.
    private let live = Mutex<(@Sendable ([ExplainEvent]) -> Void)?>(nil)

    public init() {}

    public var isActive: Bool { activeFlag.load(ordering: .relaxed) }

    /// Start collecting (forgetting anything collected before).
    public func begin(onExec: (@Sendable ([ExplainEvent]) -> Void)? = nil) {
        state.withLock { $0 = (true, [], 0) }
        live.withLock { $0 = onExec }
        activeFlag.store(true, ordering: .relaxed)
    }

    /// Stop collecting; returns everything collected, in order, and how many of those `onExec` told.
    @discardableResult
    public func end() -> (events: [ExplainEvent], told: Int) {
        activeFlag.store(false, ordering: .relaxed)
        live.withLock { $0 = nil }
        return state.withLock { s in
            let result = (s.events, s.told)
            s = (false, [], 0)
            return result
        }
    }

    public var events: [ExplainEvent] { state.withLock { $0.events } }

    public func record(_ event: ExplainEvent) {
        let tell = event.kind == .execve ? live.withLock({ $0 }) : nil
        let untold: [ExplainEvent]? = state.withLock { s in
            guard s.active else { return nil }
            s.events.append(event)
            guard tell != nil else { return nil }
            defer { s.told = s.events.count }
            return Array(s.events[s.told...])
        }
        if let untold, let tell { tell(untold) }
    }

    /// Events another process recorded (a detached start, through the monitor) join this run's.
    public func record(contentsOf events: [ExplainEvent]) {
        state.withLock { s in if s.active { s.events.append(contentsOf: events) } }
    }
}

extension Logger {
    /// Whether a step should be recorded for `--explain` (or `--debug`): cheap enough for any path.
    public var isExplaining: Bool { logLevel <= .debug }

    /// Record `step` as done, by the file this is called from. Call it after the step succeeded.
    public func explain(_ step: @autoclosure () -> ExplainEvent.Step, file: String = #filePath) {
        guard logLevel <= .debug else { return }
        explain(ExplainEvent(step(), source: ExplainEvent.sourcePath(file)))
    }

    /// Record an event whose source was named by its maker (a step the C child reported).
    public func explain(_ event: ExplainEvent) {
        guard logLevel <= .debug else { return }
        debug("\(event.kind.rawValue)", metadata: [ExplainRecorder.metadataKey: .stringConvertible(event)])
    }
}

extension ExplainEvent {
    /// "…/Sources/SkiffRuntime/Cgroups/CgroupFS.swift" → "Sources/SkiffRuntime/Cgroups/CgroupFS.swift".
    public static func sourcePath(_ filePath: String) -> String {
        let parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
        guard let i = parts.lastIndex(of: "Sources") else { return filePath }
        return parts[i...].joined(separator: "/")
    }
}

/// Wraps the command's log handler: while the recorder is active it lets debug records through to
/// collect the events they carry; everything else reaches the inner handler at the inner level only.
public struct ExplainLogHandler: LogHandler {
    public var inner: any LogHandler
    public let recorder: ExplainRecorder

    public init(inner: any LogHandler, recorder: ExplainRecorder = .shared) {
        self.inner = inner
        self.recorder = recorder
    }

    public var logLevel: Logger.Level {
        get { recorder.isActive ? .debug : inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        if case .stringConvertible(let value)? = event.metadata?[ExplainRecorder.metadataKey],
            let explained = value as? ExplainEvent
        {
            recorder.record(explained)
        }
        if event.level >= inner.logLevel { inner.log(event: event) }
    }
}
