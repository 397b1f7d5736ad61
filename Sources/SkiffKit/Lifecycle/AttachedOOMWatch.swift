import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The OOM watch of an attached run (`run` without -d, `compose run`), which has no monitor: a thread of
/// the run's own process waits on the cgroup's counter as the monitor does (the file and mechanism of
/// `OOMWatch`: v1's eventfd in cgroup.event_control, v2's inotify on memory.events), reads the count
/// with `CgroupOOMReport`'s parser, and calls `kill` for each increase, so `oom` events come as the
/// kernel kills (Docker's daemon) rather than at the exit. `stop` ends the thread and closes its
/// descriptors; call it before the runtime's delete removes the cgroup. `start` and `stop` are called
/// from one thread (the run's).
package final class AttachedOOMWatch: @unchecked Sendable {
    private var thread: pthread_t?
    /// The write end of the stop pipe; the thread owns every other descriptor.
    private var stopFD: Int32 = -1

    package init() {}

    /// Arm `watch` and start the thread; false when the counter cannot be opened or watched (the cgroup
    /// is gone): the exit then reports every kill. `kills` gets the new count, on the watch's thread,
    /// each time it grows (at once for kills before the arming).
    @discardableResult
    package func start(_ watch: OOMWatch, kills: @escaping @Sendable (UInt64) -> Void) -> Bool {
        guard thread == nil, let armed = Armed(watch) else { return false }
        guard let ends = Descriptors.pipe(nonBlocking: true) else {
            armed.close()
            return false
        }
        let loop = Loop(armed: armed, stopFD: ends.read, kills: kills)
        let context = Unmanaged.passRetained(loop).toOpaque()
        // The thread takes no signal: an attached run's are forwarded to the container by its main thread.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        var t = pthread_t()
        let rc = pthread_create(
            &t, nil,
            { raw in
                Unmanaged<Loop>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        if rc != 0 {
            Unmanaged<Loop>.fromOpaque(context).release()
            armed.close()
            Glibc.close(ends.read)
            Glibc.close(ends.write)
            return false
        }
        thread = t
        stopFD = ends.write
        return true
    }

    /// End the watch: the thread finishes a report in progress, closes the counter and its notifier,
    /// and is joined.
    package func stop() {
        guard let t = thread else { return }
        thread = nil
        Glibc.close(stopFD)  // the read end sees EOF
        stopFD = -1
        pthread_join(t, nil)
    }

    deinit { stop() }

    /// The counter file open and its notifier set up.
    private struct Armed {
        let watch: OOMWatch
        let file: Int32
        let notify: Int32

        init?(_ watch: OOMWatch) {
            self.watch = watch
            file = open(watch.counterFile, O_RDONLY | O_CLOEXEC)
            guard file >= 0 else { return nil }
            switch watch.mechanism {
            case .v1OOMControl:
                // cgroup v1's notification API: "<eventfd> <fd of memory.oom_control>" written to
                // cgroup.event_control beside it; the eventfd is signalled at each OOM.
                notify = Descriptors.eventFD()
                let control = watch.eventControlFile ?? ""
                let fd = notify >= 0 && !control.isEmpty ? open(control, O_WRONLY | O_CLOEXEC) : -1
                let line = Array("\(notify) \(file)".utf8)
                let ok = fd >= 0 && write(fd, line, line.count) == line.count
                if fd >= 0 { Glibc.close(fd) }
                guard ok else {
                    if notify >= 0 { Glibc.close(notify) }
                    Glibc.close(file)
                    return nil
                }
            case .v2MemoryEvents:
                notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
                guard notify >= 0, inotify_add_watch(notify, watch.counterFile, UInt32(IN_MODIFY)) >= 0 else {
                    if notify >= 0 { Glibc.close(notify) }
                    Glibc.close(file)
                    return nil
                }
            }
        }

        func close() {
            Glibc.close(file)
            Glibc.close(notify)
        }

        /// The `oom_kill` count as the file reads now (`CgroupOOMReport`'s parser, the runtime's); nil
        /// when it cannot be read (the cgroup is gone).
        func count() -> UInt64? {
            var buf = [UInt8](repeating: 0, count: 1024)
            let n = pread(file, &buf, buf.count, 0)
            guard n >= 0 else { return nil }
            let text = String(decoding: buf[..<n], as: UTF8.self)
            return CgroupOOMReport(source: watch.mechanism, contents: text).oomKills ?? 0
        }
    }

    private final class Loop {
        let armed: Armed
        let stopFD: Int32
        let kills: @Sendable (UInt64) -> Void

        init(armed: Armed, stopFD: Int32, kills: @escaping @Sendable (UInt64) -> Void) {
            self.armed = armed
            self.stopFD = stopFD
            self.kills = kills
        }

        func run() {
            defer {
                armed.close()
                Glibc.close(stopFD)
            }
            var seen: UInt64 = 0
            // v1 signals the eventfd as the OOM begins, before the kill is counted: the count is read again
            // for a moment after each signal (as the monitor does). v2's file changes again when it is.
            var recheckUntil: UInt64 = 0
            var dirty = true  // a kill before the watch was armed
            var watching = true
            while true {
                if dirty || recheckUntil > 0 {
                    dirty = false
                    guard let n = armed.count() else { return }
                    if n > seen {
                        seen = n
                        kills(n)
                    }
                }
                var fds = [
                    pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: watching ? armed.notify : -1, events: Int16(POLLIN), revents: 0),
                ]
                var timeout: Int32 = -1
                if recheckUntil > 0 {
                    let now = Self.nowMilliseconds()
                    if now >= recheckUntil { recheckUntil = 0 } else { timeout = Int32(min(recheckUntil - now, 50)) }
                }
                let r = poll(&fds, 2, timeout)
                if r < 0 && errno != EINTR { return }
                if fds[0].revents != 0 { return }
                if fds[1].revents & Int16(POLLIN) != 0 {
                    var drain = [UInt8](repeating: 0, count: 256)
                    while read(armed.notify, &drain, drain.count) > 0 {}
                    dirty = true
                    if armed.watch.mechanism == .v1OOMControl { recheckUntil = Self.nowMilliseconds() + 1000 }
                } else if fds[1].revents != 0 {
                    watching = false  // POLLERR/POLLHUP: the notifier is done; wait for the stop
                }
            }
        }

        static func nowMilliseconds() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
        }
    }
}
