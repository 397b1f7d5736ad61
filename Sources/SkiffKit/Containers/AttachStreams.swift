/// `-a/--attach STREAM`: which of an attached run's streams reach the terminal. Without -a, stdout and
/// stderr do (and stdin with -i), as Docker has it.
public struct AttachStreams: Sendable, Equatable {
    public var stdin = false
    public var stdout = true
    public var stderr = true

    /// Docker's default: stdout and stderr.
    public init() {}

    /// The streams named by the -a flags (case-insensitive), or the default when there are none.
    public init(parsing names: [String]) throws(KitError) {
        guard !names.isEmpty else { return }
        stdout = false
        stderr = false
        for name in names {
            switch name.lowercased() {
            case "stdin": stdin = true
            case "stdout": stdout = true
            case "stderr": stderr = true
            default: throw .usage("invalid argument \"\(name)\" for \"-a, --attach\": valid streams are STDIN, STDOUT and STDERR")
            }
        }
    }
}
