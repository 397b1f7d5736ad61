/// What can go wrong with a compose project: a file that cannot be read or parsed, a value that is not
/// what the Compose Spec allows (named by its path, `services.web.ports[0]`, and the file), or a
/// command that cannot be carried out.
public enum ComposeError: Error, CustomStringConvertible, Equatable {
    /// No compose file in the directory or its parents.
    case noFile(directory: String)
    case unreadable(file: String, reason: String)
    /// YAML that does not parse.
    case syntax(file: String, reason: String)
    /// A value at `path` that the spec does not allow.
    case invalid(file: String, path: String, reason: String)
    /// `${VAR:?message}` with VAR unset (or empty).
    case requiredVariable(file: String, path: String, name: String, message: String)
    /// Something the model or the command cannot do (a dependency cycle, an unknown service…).
    case usage(String)
    /// A part of the spec that Skiff does not implement yet.
    case unsupported(String)

    /// The message `skiff compose` prints, naming the file, service or key concerned.
    public var description: String {
        switch self {
        case .noFile(let dir):
            return
                "no configuration file provided: not found (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in \(dir) and its parents)"
        case .unreadable(let file, let reason): return "\(file): \(reason)"
        case .syntax(let file, let reason): return "\(file): invalid YAML: \(reason)"
        case .invalid(let file, let path, let reason): return "\(file): \(path): \(reason)"
        case .requiredVariable(let file, let path, let name, let message):
            return "\(file): \(path): required variable \(name) is missing a value"
                + (message.isEmpty ? "" : ": \(message)")
        case .usage(let s): return s
        case .unsupported(let s): return s
        }
    }
}
