/// `--log-driver` / compose `logging.driver`: where the monitor puts a container's output. Skiff's log
/// is a JSON-lines file (`log.jsonl`), rotated by max-size and max-file, which is what json-file and
/// local are (local's defaults are 20 MB and 5 files); none keeps no log. syslog, journald, gelf and
/// fluentd send each line to a server or the journal too (`LogForwardSpec`), and keep log.jsonl as the
/// local copy `logs` reads (Docker's dual logging, with its cache's defaults: local's).
public enum LogDriver: String, Sendable, Equatable, Codable {
    case jsonFile = "json-file"
    case local
    case none
    case syslog
    case journald
    case gelf
    case fluentd

    /// Docker's drivers that send logs to a service elsewhere, refused with a sentence rather than "no
    /// log driver named".
    static let elsewhere: Set<String> = ["awslogs", "splunk", "etwlogs", "gcplogs", "logentries"]

    /// It sends each line elsewhere, and log.jsonl is the local copy.
    public var forwards: Bool { [.syslog, .journald, .gelf, .fluentd].contains(self) }

    /// The driver `text` names; `origin` is the flag or compose path for the error.
    public init(parsing text: String, origin: String) throws(KitError) {
        if let d = LogDriver(rawValue: text) {
            self = d
            return
        }
        if Self.elsewhere.contains(text) {
            throw .unsupported(
                "\(origin) \(text): the \(text) logging driver is not supported by skiff (json-file, local, none, syslog, journald, gelf and fluentd are)"
            )
        }
        throw .usage(
            "\(origin) \(text): no log driver named '\(text)' is registered (json-file, local, none, syslog, journald, gelf and fluentd are)"
        )
    }

    /// The rotation size when --log-opt max-size is not given.
    public var defaultMaxSize: Int64 { self == .local || forwards ? 20 << 20 : 10 << 20 }
    /// How many files rotation keeps when --log-opt max-file is not given.
    public var defaultMaxFiles: Int { self == .local || forwards ? 5 : 1 }
}

extension LogDriver {
    /// Docker's check of `--log-opt` / `logging.options` (ValidateLogOpts, then the driver's own):
    /// `mode` (blocking or non-blocking) and `max-buffer-size` (non-blocking only) for any driver that
    /// keeps a log; then json-file takes max-size, max-file, compress and the attributes
    /// (`LogAttributes.keys`), local max-size, max-file and compress; none takes anything. `maxSize` and
    /// `maxFiles`: max-size and max-file as read (nil: not given; a size of 0: unlimited). `origin` names
    /// the flag or the compose path.
    public func check(
        options: [String: String], maxSize: Int64? = nil, maxFiles: Int? = nil, origin: String
    ) throws(KitError) {
        guard self != .none else { return }
        if let mode = options["mode"], !["", "blocking", "non-blocking"].contains(mode) {
            throw .usage("\(origin) mode=\(mode): logging mode not supported (blocking or non-blocking)")
        }
        if let size = options["max-buffer-size"] {
            guard options["mode"] == "non-blocking" else {
                throw .usage("\(origin) max-buffer-size: only supported with mode=non-blocking")
            }
            do { _ = try Units.parseBytes(size) } catch {
                throw .usage("\(origin) max-buffer-size: \(error.message(size, for: "a size"))")
            }
        }
        var own: Set<String> =
            forwards
            ? LogForwardSpec.ownOptions(self).union(LogForwardSpec.cacheOptions) : ["max-size", "max-file", "compress"]
        if self == .jsonFile { own.formUnion(LogAttributes.keys) }
        for key in options.keys.sorted() where key != "mode" && key != "max-buffer-size" {
            guard own.contains(key) else { throw .usage("unknown log opt '\(key)' for \(rawValue) log driver") }
        }
        if forwards {
            try LogForwardSpec.check(self, options: options)
            for key in ["cache-disabled", "cache-compress"] {
                if let v = options[key], Self.bool(v) == nil {
                    throw .usage("\(origin) \(key)=\(v): expected true or false")
                }
            }
            if let v = options["cache-max-size"] {
                do { _ = try Units.parseBytes(v) } catch {
                    throw .usage("\(origin) cache-max-size: \(error.message(v, for: "a size"))")
                }
            }
            if let v = options["cache-max-file"], (Int(v) ?? 0) < 1 {
                throw .usage("\(origin) cache-max-file=\(v): expected a number of files, 1 or more")
            }
        }
        if let compress = options["compress"] {
            guard let on = Self.bool(compress) else {
                throw .usage("\(origin) compress=\(compress): expected true or false")
            }
            // json-file's own rule (its max-file defaults to 1, its max-size to unlimited).
            if on && self == .jsonFile && ((maxFiles ?? 1) < 2 || (maxSize ?? 0) <= 0) {
                throw .usage(
                    "\(origin) compress=\(compress): compress cannot be true when max-file is less than 2 or max-size is not set"
                )
            }
        }
    }

    /// The local copy a forwarding driver keeps: its rotation (`cache-max-size`, `cache-max-file`,
    /// local's defaults otherwise), whether it is gzipped, and none at all with `cache-disabled=true`.
    public func cache(_ options: [String: String]) -> (maxSize: Int64, maxFiles: Int, compress: Bool, disabled: Bool) {
        (
            options["cache-max-size"].flatMap { try? Units.parseBytes($0) } ?? defaultMaxSize,
            options["cache-max-file"].flatMap { Int($0) } ?? defaultMaxFiles,
            options["cache-compress"].flatMap(Self.bool) ?? true,
            options["cache-disabled"].flatMap(Self.bool) ?? false
        )
    }

    /// `--log-opt compress` read as Go's strconv.ParseBool; nil for anything else.
    static func bool(_ text: String) -> Bool? {
        if ["1", "t", "T", "TRUE", "true", "True"].contains(text) { return true }
        if ["0", "f", "F", "FALSE", "false", "False"].contains(text) { return false }
        return nil
    }
}
