/// Errors of the OCI runtime operations, each with a message a caller can act on.
public enum RuntimeError: Error, CustomStringConvertible {
    case invalidID(String)
    case exists(String)
    case notFound(String)
    case wrongState(id: String, status: String, wanted: String)
    /// `exec` into a paused container without --ignore-paused (runc's wording).
    case paused(id: String)
    /// The container's cgroup exists and is frozen (runc's wording).
    case cgroupFrozen(path: String)
    case spec(SpecError)
    case spawn(SpawnError)
    case cgroup(CgroupError)
    case security(String)
    case system(SystemError)
    case unsupported(String)
    case usage(String)
    /// An OCI hook failed: "KIND hook PATH: exit status N: what it wrote" (said as "error running hook: …",
    /// runc's words, which callers look for).
    case hook(String)
    /// The caller's work beside the init's set-up (`StartOptions.alongsideSetup`) failed with this.
    case alongside(any Error)

    public var description: String {
        switch self {
        case .invalidID(let id):
            "invalid container id \"\(id)\": use letters, digits, '_', '+', '-' and '.' (at most 1024 characters)"
        case .exists(let id): "container \"\(id)\" already exists"
        case .notFound(let id): "container \"\(id)\" does not exist"
        case .wrongState(let id, let status, let wanted): "container \"\(id)\" is \(status), not \(wanted)"
        case .paused(let id):
            "cannot exec in a paused container \"\(id)\" (resume it, or pass --ignore-paused to wait for it)"
        case .cgroupFrozen(let path):
            "container's cgroup unexpectedly frozen: \(path) (thaw it, or use another linux.cgroupsPath)"
        case .spec(let e): e.description
        case .spawn(let e): e.description
        case .cgroup(let e): e.description
        case .security(let message): message
        case .system(let e): e.description
        case .unsupported(let what): "\(what) is not supported by skiff"
        case .usage(let message): message
        case .hook(let message): "error running hook: \(message)"
        case .alongside(let error): "\(error)"
        }
    }
}
