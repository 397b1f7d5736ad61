/// `--log-driver` / compose `logging.driver`: where the monitor puts a container's output. Skiff's log
/// is a JSON-lines file (`log.jsonl`), rotated by max-size and max-file, which is what json-file and
/// local are (local's defaults are 20 MB and 5 files); none keeps no log.
public enum LogDriver: String, Sendable, Equatable, Codable {
    case jsonFile = "json-file"
    case local
    case none

    /// Docker's drivers that send logs elsewhere, refused with a sentence rather than "no log driver named".
    static let elsewhere: Set<String> = [
        "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries",
    ]

    /// The driver `text` names; `origin` is the flag or compose path for the error.
    public init(parsing text: String, origin: String) throws(KitError) {
        if let d = LogDriver(rawValue: text) {
            self = d
            return
        }
        if Self.elsewhere.contains(text) {
            throw .unsupported(
                "\(origin) \(text): the \(text) logging driver is not supported by skiff (json-file, local and none are)"
            )
        }
        throw .usage("\(origin) \(text): no log driver named '\(text)' is registered (json-file, local and none are)")
    }

    /// The rotation size when --log-opt max-size is not given.
    public var defaultMaxSize: Int64 { self == .local ? 20 << 20 : 10 << 20 }
    /// How many files rotation keeps when --log-opt max-file is not given.
    public var defaultMaxFiles: Int { self == .local ? 5 : 1 }
}
