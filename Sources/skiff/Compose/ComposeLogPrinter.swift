import Foundation
import SkiffKit
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Several containers' logs on one stdout, each line prefixed `service-1  | ` (colored on a
/// terminal), as `compose up` and `compose logs` print them. One thread follows each container.
final class ComposeLogPrinter: @unchecked Sendable {
    let engine: Engine
    let lock = NSLock()
    let color: Bool
    var width = 0
    var running = 0
    var threads: [Thread] = []
    /// `up`: set once the project is stopping or every container has stopped; followers then end.
    var stopping = false
    /// `up`: set once the project is being stopped (an abort, Ctrl-C): no more lines are printed.
    var muted = false
    /// `up`: the stops seen, and whether one of them asks to abort the project.
    var cascade = ComposeRunner.CascadeState(cascade: .ignore, exitCodeFrom: nil)
    var abortRequested = false
    var watching = false
    /// `up --watch`: the containers to show now (a rebuild replaces a service's container); new ones
    /// are followed as they appear, and `up` goes on while none runs (it ends on Ctrl-C).
    var discover: (() -> [Container])?
    /// How the followers print, for those started later (`discover`).
    var lineSettings = (timestamps: false, noPrefix: false)
    var colorIndex = 0
    static let colors = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]

    /// `color`: prefixes colored (default: when stdout is a terminal; `--no-color` turns it off).
    init(engine: Engine, color: Bool = true) {
        self.engine = engine
        self.color = color && ComposeOutputSettings.color(onTerminal: STDOUT_FILENO)
    }

    static func prefix(_ c: Container) -> String {
        if let s = c.composeService { return c.isComposeOneOff ? c.name : "\(s)-\(c.composeNumber)" }
        return c.name
    }

    /// Start following (or, without `follow`, print what is there) every container; returns at once.
    /// `reattach` (attached `up`): a container that stops and is started again (its restart policy,
    /// `compose start`) is followed again, from its new run.
    func start(
        _ containers: [Container], follow: Bool, tail: Int? = nil, timestamps: Bool = false, noPrefix: Bool = false,
        reattach: Bool = false, since: Double? = nil, until: Double? = nil
    ) {
        width = max(width, containers.map { Self.prefix($0).count }.max() ?? 0)
        lineSettings = (timestamps, noPrefix)
        for c in containers {
            let label = Self.prefix(c).padding(toLength: width, withPad: " ", startingAt: 0)
            let i = colorIndex
            colorIndex += 1
            let head =
                noPrefix
                ? "" : (color ? "\u{1b}[\(Self.colors[i % Self.colors.count])m\(label)  |\u{1b}[0m " : "\(label)  | ")
            lock.lock(); running += 1; lock.unlock()
            let t = Thread { [self] in
                var options = LogOptions()
                options.follow = follow
                options.tail = tail
                options.since = since
                options.until = until
                var lastTime: Double?
                while true {
                    var partial = ""
                    _ = try? engine.readLogs(c.id, options: options) { entry in
                        lastTime = Timestamp.parse(entry.time) ?? lastTime
                        var text = partial + entry.log
                        partial = ""
                        if !text.hasSuffix("\n") { partial = text; return true }
                        text.removeLast()
                        var out = ""
                        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                            out += head + (timestamps ? entry.time + " " : "") + line + "\n"
                        }
                        write(out, unlessMuted: true)
                        return true
                    }
                    if !partial.isEmpty { write(head + partial + "\n", unlessMuted: true) }
                    guard reattach, waitForNextRun(c.id) else { break }
                    // The new run's lines only: after the last one printed.
                    options.tail = nil
                    options.since = lastTime.map { $0 + 0.000_001 }
                }
                lock.lock(); running -= 1; lock.unlock()
            }
            threads.append(t)
            t.start()
        }
    }

    /// After a container stopped: wait until it runs again (true) or the project stops (false).
    func waitForNextRun(_ id: String) -> Bool {
        while true {
            lock.lock(); let done = stopping; lock.unlock()
            if done { return false }
            guard let now = try? engine.container(id) else { return false }
            if now.status == .running || now.status == .restarting { return true }
            usleep(100_000)
        }
    }

    /// `up`: print "NAME exited with code N" each time one of `containers` stops (each run of a restart
    /// policy too) unless the project is being stopped, count it in `cascade` (which may ask for the
    /// abort), and set `stopping` once none runs; returns at once.
    func watchExits(_ containers: [Container]) {
        lock.withLock { watching = true }
        let t = Thread { [self] in
            defer { lock.withLock { watching = false } }
            var finished: [String: String?] = [:]
            for c in containers { finished[c.id] = c.finishedAt }
            var containers = containers
            while true {
                lock.lock(); let done = stopping; lock.unlock()
                if let discover, !done {
                    let new = discover().filter { finished[$0.id] == nil }
                    for c in new { finished[c.id] = c.finishedAt }
                    if !new.isEmpty {
                        containers += new
                        start(
                            new, follow: true, timestamps: lineSettings.timestamps, noPrefix: lineSettings.noPrefix,
                            reattach: true)
                    }
                }
                var anyRunning = false
                for c in containers {
                    guard let now = try? engine.container(c.id) else { continue }
                    if now.status == .running || now.status == .restarting { anyRunning = true }
                    if now.finishedAt != nil, now.finishedAt != finished[c.id] ?? nil {
                        finished[c.id] = now.finishedAt
                        let code = Int32(truncatingIfNeeded: now.exitCode ?? 0)
                        write("\(now.name) exited with code \(code)\n", unlessMuted: true)
                        lock.withLock {
                            if cascade.stopped(service: now.composeService ?? now.name, code: code) {
                                abortRequested = true
                                muted = true
                            }
                        }
                    }
                }
                if done { return }
                if !anyRunning && discover == nil {
                    lock.lock(); stopping = true; lock.unlock()
                }
                usleep(100_000)
            }
        }
        t.start()
    }

    func write(_ s: String, unlessMuted: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        if unlessMuted && muted { return }
        try? FileIO.writeAll(fd: STDOUT_FILENO, bytes: Array(s.utf8))
    }

    /// How `waitOrSignal` returned.
    enum Outcome: Equatable {
        /// Every follower is done.
        case finished
        /// SIGINT or SIGTERM.
        case signal(Int32)
        /// A stop asked for the abort (--abort-on-container-exit, --abort-on-container-failure).
        case abort
    }

    var aborting: Bool { lock.withLock { abortRequested } }

    /// `up`, after the abort stopped the project: wait until the watcher saw every stop, then end the
    /// followers. `up`'s exit code.
    func finishAbort() -> Int32 {
        while lock.withLock({ watching }) { usleep(50_000) }
        stopAll()
        return lock.withLock { cascade.exitCode }
    }

    var finished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running == 0
    }

    /// Wait until every follower is done, a stop asks for the abort, or a SIGINT/SIGTERM arrives
    /// (blocked in all threads since the start, so it is taken here).
    func waitOrSignal() -> Outcome {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        // With `discover` (up --watch), followers may all end while a rebuild replaces containers.
        while !(finished && discover == nil) && !aborting {
            var ts = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let sig = sigtimedwait(&set, nil, &ts)
            if sig > 0 { return .signal(sig) }
        }
        return aborting ? .abort : .finished
    }

    func waitAll() {
        while !finished { usleep(50_000) }
    }

    /// `up`: the followers are told to end (the project is stopping) and awaited.
    func stopAll() {
        lock.lock(); stopping = true; lock.unlock()
        waitAll()
    }
}
