import Logging
import SkiffExplain
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Where `skiff` writes its log: stderr, or the `--log` file, as text or as runc's JSON lines
/// (`{"level":"debug","msg":"...","time":"..."}`), which Podman and containerd read back.
public enum Logs {
    public enum Format: String, Sendable { case text, json }

    public static func bootstrap(_ options: GlobalOptions) {
        let level: Logger.Level = options.debug || getenv("SKIFF_DEBUG") != nil ? .debug : .warning
        let fd: Int32 =
            options.logPath.map { path in
                let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                return opened >= 0 ? opened : STDERR_FILENO
            } ?? STDERR_FILENO
        let format = options.logFormat
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, fd: fd, format: format)
            handler.logLevel = level
            // While --explain records, debug records reach the recorder; the log keeps its level.
            return ExplainLogHandler(inner: handler)
        }
    }

    /// Report a fatal error the way runc does: to the log (JSON when asked) and to stderr.
    static func fatal(_ message: String) {
        Logger(label: "skiff").error("\(message)")
    }
}

struct LineLogHandler: LogHandler {
    let label: String
    let fd: Int32
    let format: Logs.Format
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "skiff: \(event.level): \(event.message)\(meta.isEmpty ? "" : " " + meta)\n"
        case .json:
            var fields = [
                "\"level\":\(Self.quote(event.level.rawValue == "warning" ? "warn" : event.level.rawValue))",
                "\"msg\":\(Self.quote(event.message.description))",
                "\"time\":\(Self.quote(Timestamp.nowWholeSeconds()))",
            ]
            for (k, v) in all.sorted(by: { $0.key < $1.key }) {
                fields.append("\(Self.quote(k)):\(Self.quote("\(v)"))")
            }
            line = "{" + fields.joined(separator: ",") + "}\n"
        }
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func quote(_ s: String) -> String { JSONString.quote(s) }
}
