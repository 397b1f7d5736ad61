import Foundation
import SkiffKit

/// What can go wrong while a test starts, waits for or uses a container; every case says what to do.
public enum SkiffTestingError: Error, CustomStringConvertible, Sendable {
    /// The engine refused (an image not found, a port taken, a bad option); its message.
    case engine(String)
    /// A wait strategy's deadline passed; what it last saw (log lines, HTTP status, connect error).
    case waitTimedOut(WaitFailure)
    /// The container exited while a strategy waited for it to become ready.
    case containerExited(name: String, exitCode: Int32?, lastLogs: [String])
    /// `mappedPort`/`endpoint` of a port the container does not publish.
    case portNotExposed(UInt16, container: String, exposed: [UInt16])
    /// A compose service that the project does not have, or that has no running container.
    case noSuchService(String, project: String)
    /// The build of a Dockerfile directory failed.
    case buildFailed(directory: String, reason: String)
    /// skiff or skiff-monitor (the monitor of detached containers and the session's reaper) is missing.
    case toolMissing(String, looked: [String])
    /// Bad input from the test: an invalid regex, an empty command, a relative path.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .engine(let s): return s
        case .waitTimedOut(let f): return f.description
        case .containerExited(let name, let code, let logs):
            let status = code.map { "exit code \($0)" } ?? "exit code unknown"
            return "container \(name) exited (\(status)) before it was ready; its last log lines:\n"
                + (logs.isEmpty ? "  (no output)" : logs.map { "  " + $0 }.joined(separator: "\n"))
        case .portNotExposed(let port, let container, let exposed):
            return
                "container \(container) does not publish port \(port) (published: \(exposed.map(String.init).joined(separator: ", ")));"
                + " add it with .withExposedPorts(\(port))"
        case .noSuchService(let s, let project):
            return "compose project \(project) has no running service \(s)"
        case .buildFailed(let dir, let reason): return "building \(dir) failed: \(reason)"
        case .toolMissing(let tool, let looked):
            return
                "\(tool) not found (looked at \(looked.joined(separator: ", "))): build it (`swift build --product \(tool)`),"
                + " install Skiff (Scripts/install), or point $\(tool == "skiff-monitor" ? "SKIFF_MONITOR" : "SKIFF_BINARY") at it"
        case .invalidArgument(let s): return s
        }
    }

    init(_ error: KitError) { self = .engine(error.description) }
}

/// Why a wait strategy gave up: which strategy, how long it waited, and what it last saw.
public struct WaitFailure: Sendable, CustomStringConvertible {
    public var container: String
    public var strategy: String
    public var waited: Duration
    /// What the probe saw last: "HTTP 503", "connect to 127.0.0.1:41234: Connection refused", …
    public var lastSeen: String
    /// The container's last log lines, oldest first.
    public var lastLogs: [String]

    public var description: String {
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
        var text =
            "container \(container) was not ready after \(String(format: "%.1f", seconds)) s waiting for \(strategy);"
            + " last seen: \(lastSeen)"
        text +=
            "\nits last log lines:\n"
            + (lastLogs.isEmpty ? "  (no output)" : lastLogs.map { "  " + $0 }.joined(separator: "\n"))
        return text
    }
}
