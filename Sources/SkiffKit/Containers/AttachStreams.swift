/// `-a/--attach STREAM`: which of an attached run's streams reach the terminal. Without -a, stdout and
/// stderr do (and stdin with -i), as Docker has it.
public struct AttachStreams: Sendable, Equatable {
    /// The caller's stdin goes to the container (with -i).
    public var stdin = false
    /// The container's stdout reaches the caller.
    public var stdout = true
    /// The container's stderr reaches the caller.
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
            default:
                throw .usage(
                    "invalid argument \"\(name)\" for \"-a, --attach\": valid streams are STDIN, STDOUT and STDERR")
            }
        }
    }
}
