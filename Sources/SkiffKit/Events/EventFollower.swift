import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `events`' reading of the log: the stored events in a time window, then (unless the window has
/// ended) new ones as they are appended, across rotations, until `emit` says stop or `until` passes.
public struct EventFollower: Sendable {
    /// The log read.
    public let log: EventLog

    /// A reader of `log`.
    public init(log: EventLog) { self.log = log }

    /// Docker's rules: stored events are shown when --since or --until is given (from the start of the
    /// log without --since); new ones follow unless --until has passed already.
    public func run(
        since: Double?, until: Double?, now: Double = Timestamp.nowSeconds(), emit: (Event) -> Bool
    ) {
        func inWindow(_ e: Event) -> Bool {
            if let since, e.seconds < since { return false }
            if let until, e.seconds > until { return false }
            return true
        }
        mkdir(log.directory, 0o700)
        // The current file is opened before the old one is read, so a rotation in between loses nothing.
        var current = Reader(path: log.path)
        if since != nil || until != nil {
            if current.fd < 0 || current.isRotated(log.path) == false {
                for e in log.allPrevious() where inWindow(e) { guard emit(e) else { return } }
            }
            for e in current.next() where inWindow(e) { guard emit(e) else { return } }
        } else {
            current.skipToEnd()
        }
        if let until, until <= now { return }
        let watch = LogWatch(directory: log.directory)
        while true {
            if let until, Timestamp.nowSeconds() > until { return }
            for e in current.next() where inWindow(e) { guard emit(e) else { return } }
            if current.isRotated(log.path) != false {
                // The writer that rotated had finished its line first: drain the old file once more
                // (what another writer still adds to it after this is not seen).
                for e in current.next() where inWindow(e) { guard emit(e) else { return } }
                let old = current.identity
                if current.fd >= 0 { close(current.fd) }
                current = Reader(path: log.path)
                // Two rotations since the last look: the file between ours and the new one is the
                // previous file now; read it whole (opened after the new one, so it is not the new one).
                var between = Reader(path: log.previousPath)
                if between.fd >= 0, between.identity != old, between.identity != current.identity {
                    for e in between.next() where inWindow(e) { guard emit(e) else { return } }
                }
                if between.fd >= 0 { close(between.fd) }
                continue
            }
            if let watch { _ = watch.wait(milliseconds: 250) } else { usleep(100_000) }
        }
    }

    /// The log file being read, from `offset`.
    struct Reader {
        var fd: Int32
        var offset = 0
        var pending: [UInt8] = []

        init(path: String) { fd = open(path, O_RDONLY | O_CLOEXEC) }

        /// The file's device and inode (nil without a file).
        var identity: [UInt64]? {
            var st = stat()
            guard fd >= 0, fstat(fd, &st) == 0 else { return nil }
            return [UInt64(st.st_dev), UInt64(st.st_ino)]
        }

        mutating func skipToEnd() {
            var st = stat()
            if fd >= 0, fstat(fd, &st) == 0 { offset = Int(st.st_size) }
        }

        /// Events in the whole lines appended since the last call.
        mutating func next() -> [Event] {
            guard fd >= 0 else { return [] }
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = pread(fd, &buf, buf.count, off_t(offset))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                pending += buf[0..<n]
                offset += n
            }
            let (events, consumed) = EventLog.events(in: pending[...])
            pending.removeFirst(consumed)
            return events
        }

        /// nil: no file yet and still none; true: `path` is another file (or appeared) than the one read.
        func isRotated(_ path: String) -> Bool? {
            var now = stat()
            let exists = stat(path, &now) == 0
            guard fd >= 0 else { return exists ? true : nil }
            var mine = stat()
            guard fstat(fd, &mine) == 0, exists else { return false }
            return mine.st_ino != now.st_ino || mine.st_dev != now.st_dev
        }
    }
}

extension EventLog {
    /// The rotated file's events.
    func allPrevious() -> [Event] {
        guard let bytes = try? FileIO.read(previousPath) else { return [] }
        return Self.events(in: bytes[...]).events
    }
}
