import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a pull reports as it goes.
public enum PullEvent: Sendable {
    /// The reference resolved to this manifest (after picking a platform from an index).
    case resolved(reference: String, manifest: Digest, platform: String?)
    case blobExists(Digest)
    case blobStarted(Digest, size: Int64)
    case blobProgress(Digest, bytes: Int64, size: Int64)
    case blobDone(Digest)
    case finished(reference: String, manifest: Digest, downloaded: Bool)
}

/// Prints pull progress to a file descriptor (stderr by default), Docker-style: on a terminal, one line
/// per layer redrawn in place ("a1b2c3d4e5f6: Downloading  12.3MB/45.6MB"); otherwise one plain line per
/// step, so logs stay readable.
public final class PullProgress: @unchecked Sendable {
    private let fd: Int32
    private let terminal: Bool
    private let lock = NSLock()
    private var order: [Digest] = []
    private var status: [Digest: String] = [:]
    private var drawn = 0
    private var lastDraw = Date.distantPast

    public init(fd: Int32 = 2, terminal: Bool? = nil) {
        self.fd = fd
        self.terminal = terminal ?? (isatty(fd) == 1)
    }

    public func handle(_ event: PullEvent) {
        lock.withLock {
            switch event {
            case .resolved(let reference, let manifest, let platform):
                let p = platform.map { " (\($0))" } ?? ""
                emit("\(reference): resolved to \(manifest)\(p)\n")
            case .blobExists(let d):
                update(d, "Already exists", force: true)
            case .blobStarted(let d, let size):
                update(
                    d, terminal ? "Downloading  0B/\(Self.bytes(size))" : "Downloading \(Self.bytes(size))", force: true
                )
            case .blobProgress(let d, let bytes, let size):
                guard terminal else { return }
                update(d, "Downloading  \(Self.bytes(bytes))/\(Self.bytes(size))", force: false)
            case .blobDone(let d):
                update(d, "Download complete", force: true)
            case .finished(let reference, let manifest, let downloaded):
                if terminal { redraw() }
                emit("Digest: \(manifest)\n")
                emit(
                    downloaded
                        ? "Status: Downloaded newer image for \(reference)\n"
                        : "Status: Image is up to date for \(reference)\n")
            }
        }
    }

    private func update(_ digest: Digest, _ text: String, force: Bool) {
        if status[digest] == nil { order.append(digest) }
        status[digest] = text
        if !terminal {
            emit("\(digest.short): \(text)\n")
            return
        }
        let now = Date()
        if force || now.timeIntervalSince(lastDraw) >= 0.1 {
            lastDraw = now
            redraw()
        }
    }

    /// Move up over the lines drawn before and write every layer's line again.
    private func redraw() {
        var out = ""
        if drawn > 0 { out += "\u{1B}[\(drawn)A" }
        for d in order {
            out += "\r\u{1B}[2K\(d.short): \(status[d] ?? "")\n"
        }
        drawn = order.count
        emit(out)
    }

    private func emit(_ text: String) {
        try? FileIO.writeAll(fd: fd, bytes: Array(text.utf8))
    }

    /// "1.5MB", as Docker shows sizes (decimal units).
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n)B" : String(format: "%.1f", value) + units[unit]
    }
}
