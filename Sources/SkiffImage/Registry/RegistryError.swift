/// What can go wrong talking to a registry, each with a message a user can act on.
public enum RegistryError: Error, CustomStringConvertible, Sendable {
    /// The registry refused our credentials, or wants some and we have none.
    case unauthorized(registry: String, detail: String)
    /// Authenticated, but not allowed (403, or a token without the scope we asked for).
    case denied(registry: String, detail: String)
    case manifestUnknown(reference: String)
    case blobUnknown(registry: String, repository: String, digest: String)
    /// An index / manifest list has no entry for the platform asked for.
    case noMatchingPlatform(reference: String, wanted: String, available: [String])
    case unsupportedMediaType(reference: String, mediaType: String)
    /// The registry could not be reached (connection refused, TLS failure, DNS…).
    case unreachable(registry: String, detail: String)
    /// An unexpected HTTP status, with the registry's error body when it sent one.
    case http(registry: String, method: String, path: String, status: Int, detail: String)
    case invalidResponse(registry: String, detail: String)
    case invalidCredentialsFile(path: String, detail: String)
    case image(ImageError)

    public var description: String {
        switch self {
        case .unauthorized(let registry, let detail):
            let why = detail.isEmpty ? "" : " (\(detail))"
            return "registry \(registry): unauthorized\(why): run `skiff login \(registry)`"
        case .denied(let registry, let detail):
            return "registry \(registry): access denied: \(detail)"
        case .manifestUnknown(let reference):
            return "manifest unknown: \(reference) not found"
        case .blobUnknown(let registry, let repository, let digest):
            return "blob unknown: \(registry)/\(repository) has no blob \(digest)"
        case .noMatchingPlatform(let reference, let wanted, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "\(reference): no image for platform \(wanted) (available: \(list)); choose one with --platform"
        case .unsupportedMediaType(let reference, let mediaType):
            return
                "\(reference): unsupported manifest media type \"\(mediaType)\" (expected an OCI or Docker v2 manifest or index)"
        case .unreachable(let registry, let detail):
            return "registry \(registry) is unreachable: \(detail)"
        case .http(let registry, let method, let path, let status, let detail):
            let why = detail.isEmpty ? "" : ": \(detail)"
            return "registry \(registry): \(method) \(path) failed with HTTP \(status)\(why)"
        case .invalidResponse(let registry, let detail):
            return "registry \(registry): invalid response: \(detail)"
        case .invalidCredentialsFile(let path, let detail):
            return "credentials file \(path): \(detail)"
        case .image(let e):
            return e.description
        }
    }
}
