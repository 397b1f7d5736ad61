import CSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Takes SIGINT and SIGTERM on a thread of its own while long work runs: the first one cancels the
/// command (`Cancellation.cancel`), each later one goes to `again` (Docker and Podman: a second Ctrl-C
/// forces). skiff's main blocks both signals in every thread before any exists, so without a watch
/// they stay pending; an attached container run takes them on its own signalfd to forward them, so a
/// watch must be stopped (`stop`, which waits for the thread) before one starts.
public final class TerminationWatch: @unchecked Sendable {
    private let signalFD: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private var thread = pthread_t()
    private var started = false
    private let again: @Sendable (Int32) -> Void

    /// The watch running now, for `handOver`.
    private static let current = Mutex<TerminationWatch?>(nil)

    /// Stop the running watch, if any: an attached container run is about to take SIGINT and SIGTERM
    /// to forward them (`skiff compose run` after starting what its service needs).
    public static func handOver() {
        let running = current.withLock { watch -> TerminationWatch? in
            defer { watch = nil }
            return watch
        }
        running?.stop()
    }

    /// Start watching. `again` runs on the watch's thread for every signal after the first.
    public init(again: @escaping @Sendable (Int32) -> Void) throws(SystemError) {
        self.again = again
        signalFD = csys_termination_signalfd()
        if signalFD < 0 { throw SystemError("signalfd") }
        var fds: [Int32] = [-1, -1]
        if csys_pipe(&fds, 0) != 0 {
            let e = SystemError("pipe2")
            close(signalFD)
            throw e
        }
        stopPipe = (fds[0], fds[1])
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(
            &thread, nil,
            { raw in
                let watch = Unmanaged<TerminationWatch>.fromOpaque(raw!).takeRetainedValue()
                watch.loop()
                return nil
            }, context) != 0
        {
            Unmanaged<TerminationWatch>.fromOpaque(context).release()
            let e = SystemError("pthread_create")
            close(signalFD); close(fds[0]); close(fds[1])
            throw e
        }
        started = true
        Self.current.withLock { $0 = self }
    }

    private func loop() {
        while true {
            let sig = csys_wait_signal(signalFD, stopPipe.read)
            if sig <= 0 { return }
            if Cancellation.isCancelled {
                again(sig)
            } else {
                Cancellation.cancel(signal: sig)
            }
        }
    }

    /// Stop watching and wait for the thread: from then on the signals stay pending for whoever takes
    /// them next (an attached run forwards them). Idempotent.
    public func stop() {
        guard started else { return }
        started = false
        Self.current.withLock { if $0 === self { $0 = nil } }
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        pthread_join(thread, nil)
        close(signalFD)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    deinit { stop() }
}
