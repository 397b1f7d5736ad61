import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The state root's event log (`<root>/events/events.jsonl`), Skiff's stand-in for a daemon's event
/// stream, as podman's `events_logger = "file"`: every process that acts (the CLI, the monitor's helpers)
/// appends one line per event. Each append is one write(2) on an O_APPEND descriptor, of at most
/// `maxLine` bytes, so concurrent writers never interleave; past `maxSize` the file is renamed to
/// `events.jsonl.1` (the one before is dropped), so the log stays bounded. Appending never fails the
/// action it records: an error is ignored, as podman ignores it.
public struct EventLog: Sendable {
    /// `<root>/events`: the log, its rotated predecessor and the rotation lock.
    public let directory: String
    /// The size at which the log rotates.
    public var maxSize: Int

    /// 1 MB: with one previous file kept, the log takes at most about 2 MB.
    public static let defaultMaxSize = 1 << 20
    /// The longest line written (PIPE_BUF): an event with more attributes than fit loses its labels.
    public static let maxLine = 4096

    /// The log in `directory` (made on the first append), rotating at `maxSize` bytes.
    public init(directory: String, maxSize: Int = EventLog.defaultMaxSize) {
        self.directory = directory
        self.maxSize = maxSize
    }

    /// The file appended to.
    public var path: String { directory + "/events.jsonl" }
    /// The file before the last rotation.
    public var previousPath: String { path + ".1" }
    var lockPath: String { directory + "/lock" }

    /// Append `event`; errors are ignored.
    public func append(_ event: Event) {
        var line = event.json + "\n"
        if line.utf8.count > Self.maxLine {
            var small = event
            small.actor.attributes = small.actor.attributes.filter { Self.ownAttributes.contains($0.key) }
            line = small.json + "\n"
            guard line.utf8.count <= Self.maxLine else { return }
        }
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 && errno == ENOENT {
            mkdir(directory, 0o700)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { return }
        defer { close(fd) }
        let written = line.withCString { write(fd, $0, strlen($0)) }
        var st = stat()
        guard written > 0, fstat(fd, &st) == 0, Int(st.st_size) >= maxSize else { return }
        rotate(written: st)
    }

    /// The attributes an event keeps when its labels do not fit in one line.
    static let ownAttributes: Set<String> = [
        "name", "image", "exitCode", "signal", "execID", "oldName", "container", "type", "driver", "destination",
        "execDuration", "com.docker.compose.project", "com.docker.compose.service",
    ]

    /// Rename the full log aside, once: under the lock, only if the file at `path` is still the one
    /// written (another writer may have rotated it meanwhile).
    private func rotate(written: stat) {
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { return }
        var now = stat()
        if stat(path, &now) == 0, now.st_ino == written.st_ino, now.st_dev == written.st_dev,
            Int(now.st_size) >= maxSize
        {
            rename(path, previousPath)
        }
    }

    /// Every stored event, oldest first (the previous file, then the current one).
    public func all() -> [Event] {
        var out: [Event] = []
        for file in [previousPath, path] {
            guard let bytes = try? FileIO.read(file) else { continue }
            out += Self.events(in: bytes[...]).events
        }
        return out
    }

    /// The events in whole lines of `bytes`, and how many bytes they took (a last line without its
    /// newline is being written: it is read next time).
    static func events(in bytes: ArraySlice<UInt8>) -> (events: [Event], consumed: Int) {
        var out: [Event] = []
        var start = bytes.startIndex
        var i = start
        while i < bytes.endIndex {
            if bytes[i] == 10 {
                if i > start, let e = Event.parse(bytes[start..<i]) { out.append(e) }
                start = i + 1
            }
            i += 1
        }
        return (out, start - bytes.startIndex)
    }
}
