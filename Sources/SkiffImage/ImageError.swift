import SkiffSystem

/// What can go wrong with images, each with a message a user can act on.
public enum ImageError: Error, CustomStringConvertible, Sendable {
    case invalidReference(String, String)
    case invalidDigest(String)
    case notFound(String)
    case blobNotFound(Digest)
    case digestMismatch(expected: String, actual: String)
    case sizeMismatch(digest: String, expected: Int64, actual: Int64)
    case invalidContent(String)
    case unsupported(String)
    case inUse(String)
    /// A named image's manifest blob that garbage collection could not read; nothing was deleted.
    case unreadableManifest(path: String, names: [String], reason: String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .invalidReference(let input, let why): return "invalid image reference \"\(input)\": \(why)"
        case .invalidDigest(let d): return "invalid digest \"\(d)\": expected sha256:<64 lowercase hex digits>"
        case .notFound(let name): return "image \(name) not found"
        case .blobNotFound(let d): return "blob \(d) is not in the content store"
        case .digestMismatch(let expected, let actual):
            return
                "content digest mismatch: expected \(expected), got \(actual) (corrupt or tampered data; nothing was kept)"
        case .sizeMismatch(let digest, let expected, let actual):
            return "blob \(digest): expected \(expected) bytes, got \(actual) (nothing was kept)"
        case .invalidContent(let what): return what
        case .unsupported(let what): return what
        case .inUse(let what): return what
        case .unreadableManifest(let path, let names, let reason):
            let named = names.joined(separator: ", ")
            return "image manifest \(path) (\(named)) is unreadable: \(reason); nothing was deleted, since any blob "
                + "may be one of its layers. Remove the image (skiff rmi \(names.first ?? "<name>")) or pull it again"
        case .system(let e): return e.description
        }
    }
}
