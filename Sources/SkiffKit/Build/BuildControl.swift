import Foundation
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// What the stages of one build share while they run, possibly on several threads: the progress
/// output (one line at a time, so lines of stages building at once never mix), and the stop signal.
/// When a stage fails, `cancel` stops the others: stages not started are not started, running ones
/// stop before their next step, and a step container that is running is killed (its RUN then fails,
/// its container is removed by RunStep, and nothing of it reaches the cache).
final class BuildControl: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    /// Step containers running now, by ID.
    private var running = Set<String>()
    private let output: (String) -> Void
    private let engine: Engine

    init(engine: Engine, output: @escaping (String) -> Void) {
        self.engine = engine
        self.output = output
    }

    var isCancelled: Bool { locked { cancelled } }

    /// One line of progress output.
    func emit(_ line: String) {
        locked { output(line) }
    }

    /// Bytes of RUN output, written whole while no progress line is being written.
    func write(_ bytes: [UInt8], to fd: Int32) {
        locked { try? FileIO.writeAll(fd: fd, bytes: bytes) }
    }

    /// A step container is about to start; false when the build is stopping (do not start it).
    func started(_ id: String) -> Bool {
        locked {
            guard !cancelled else { return false }
            running.insert(id)
            return true
        }
    }

    func finished(_ id: String) {
        locked { _ = running.remove(id) }
    }

    /// Stop the build: no new step starts, running step containers are killed.
    func cancel() {
        locked { cancelled = true }
        killRunning()
    }

    /// SIGKILL to every step container still running (again, for one that was starting when `cancel` ran).
    func killRunning() {
        let ids = locked { Array(running) }
        for id in ids { try? engine.runtime.kill(id: id, signal: SIGKILL, all: true) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
