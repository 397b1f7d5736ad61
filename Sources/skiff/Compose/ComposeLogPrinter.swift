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
    let color = isatty(STDOUT_FILENO) == 1
    var width = 0
    var running = 0
    var threads: [Thread] = []
    /// `up`: set once the project is stopping or every container has stopped; followers then end.
    var stopping = false
    static let colors = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]

    init(engine: Engine) {
        self.engine = engine
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
        reattach: Bool = false
    ) {
        width = containers.map { Self.prefix($0).count }.max() ?? 0
        for (i, c) in containers.enumerated() {
            let label = Self.prefix(c).padding(toLength: width, withPad: " ", startingAt: 0)
            let head =
                noPrefix
                ? "" : (color ? "\u{1b}[\(Self.colors[i % Self.colors.count])m\(label)  |\u{1b}[0m " : "\(label)  | ")
            lock.lock(); running += 1; lock.unlock()
            let t = Thread { [self] in
                var options = LogOptions()
                options.follow = follow
                options.tail = tail
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
                        write(out)
                        return true
                    }
                    if !partial.isEmpty { write(head + partial + "\n") }
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
    /// policy too), and set `stopping` once none runs; returns at once.
    func watchExits(_ containers: [Container]) {
        let t = Thread { [self] in
            var finished: [String: String?] = [:]
            for c in containers { finished[c.id] = c.finishedAt }
            while true {
                lock.lock(); let done = stopping; lock.unlock()
                var anyRunning = false
                for c in containers {
                    guard let now = try? engine.container(c.id) else { continue }
                    if now.status == .running || now.status == .restarting { anyRunning = true }
                    if now.finishedAt != nil, now.finishedAt != finished[c.id] ?? nil {
                        finished[c.id] = now.finishedAt
                        write("\(now.name) exited with code \(now.exitCode ?? 0)\n")
                    }
                }
                if done { return }
                if !anyRunning {
                    lock.lock(); stopping = true; lock.unlock()
                }
                usleep(100_000)
            }
        }
        t.start()
    }

    func write(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        try? FileIO.writeAll(fd: STDOUT_FILENO, bytes: Array(s.utf8))
    }

    var finished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running == 0
    }

    /// Wait until every follower is done, or a SIGINT/SIGTERM arrives (blocked in all threads since the
    /// start, so it is taken here). Returns the signal, or 0.
    func waitOrSignal() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        while !finished {
            var ts = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let sig = sigtimedwait(&set, nil, &ts)
            if sig > 0 { return sig }
        }
        return 0
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
