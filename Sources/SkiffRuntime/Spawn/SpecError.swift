/// A config.json that cannot be run as written. The message names the field and what is wrong.
public enum SpecError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalid(let field, let reason): "invalid config: \(field): \(reason)"
        }
    }
}
