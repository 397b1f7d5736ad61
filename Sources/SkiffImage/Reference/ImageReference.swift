import SkiffSystem

/// An image reference as users type it, normalized the way Docker does:
///
///     busybox                          → docker.io/library/busybox:latest
///     debian:bookworm                  → docker.io/library/debian:bookworm
///     localhost:5000/team/app:1.0      → localhost:5000/team/app:1.0
///     name@sha256:…                    → docker.io/library/name@sha256:…
///
/// The first component is a registry when it has a "." or ":" or is "localhost".
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    public static let defaultRegistry = "docker.io"

    public var registry: String
    /// The repository path in the registry, e.g. "library/busybox".
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    public init(parsing input: String, defaultTag: String? = "latest") throws(ImageError) {
        var rest = Substring(input)
        guard !rest.isEmpty else { throw .invalidReference(input, "it is empty") }
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            do { digest = try Digest(String(rest[rest.index(after: at)...])) } catch {
                throw .invalidReference(input, "\"\(rest[rest.index(after: at)...])\" is not a sha256 digest")
            }
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard Self.isValidTag(tag!) else {
                throw .invalidReference(
                    input,
                    "tag \"\(tag!)\" must be 1-128 letters, digits, '_', '.' or '-' and not start with '.' or '-'")
            }
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = Self.defaultRegistry
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            registry = first
            components.removeFirst()
            guard Self.isValidRegistry(registry) else {
                throw .invalidReference(input, "registry \"\(registry)\" is not a host name with an optional port")
            }
        }
        guard !components.isEmpty else { throw .invalidReference(input, "the repository name is missing") }
        for component in components {
            if component != component.lowercased() {
                throw .invalidReference(input, "repository name must be lowercase")
            }
            guard Self.isValidComponent(component) else {
                throw .invalidReference(
                    input,
                    "\"\(component)\" is not a valid repository name component (lowercase letters, digits and single separators '.', '_', '__' or '-')"
                )
            }
        }
        if registry == Self.defaultRegistry && components.count == 1 {
            components.insert("library", at: 0)
        }
        let repository = components.concatenated(separator: "/")
        guard repository.utf8.count <= 255 else {
            throw .invalidReference(input, "the name is longer than 255 characters")
        }
        if tag == nil && digest == nil { tag = defaultTag }
        self.init(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// registry/repository, e.g. "docker.io/library/busybox".
    public var name: String { registry + "/" + repository }

    /// The name as `docker images` shows it: "busybox", "user/app", "localhost:5000/app".
    public var familiarName: String {
        guard registry == Self.defaultRegistry else { return name }
        if repository.hasPrefix("library/") && repository.split(separator: "/").count == 2 {
            return String(repository.dropFirst("library/".count))
        }
        return repository
    }

    /// The full, normalized reference: "docker.io/library/busybox:latest".
    public var description: String {
        var s = name
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// The short form users type: "busybox:latest", "localhost:5000/app@sha256:…".
    public var familiar: String {
        var s = familiarName
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// What to ask the registry for: the digest when there is one, else the tag.
    public var manifestReference: String { digest?.description ?? tag ?? "latest" }

    /// The same name with another tag and no digest.
    public func with(tag: String) -> ImageReference {
        ImageReference(registry: registry, repository: repository, tag: tag, digest: nil)
    }

    static func isValidTag(_ tag: String) -> Bool {
        let u = Array(tag.utf8)
        guard !u.isEmpty, u.count <= 128, u[0] != UInt8(ascii: "."), u[0] != UInt8(ascii: "-") else { return false }
        return u.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
    }

    /// [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    static func isValidComponent(_ c: String) -> Bool {
        let u = Array(c.utf8)
        guard let first = u.first, let last = u.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < u.count {
            if isLowerAlnum(u[i]) { i += 1; continue }
            var j = i
            while j < u.count && !isLowerAlnum(u[j]) { j += 1 }
            let sep = String(decoding: u[i..<j], as: UTF8.self)
            let ok = sep == "." || sep == "_" || sep == "__" || sep.allSatisfy { $0 == "-" }
            if !ok { return false }
            i = j
        }
        return true
    }

    static func isValidRegistry(_ r: String) -> Bool {
        let parts = r.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return false }
        if parts.count == 2 { guard let port = Int(parts[1]), port > 0, port < 65536 else { return false } }
        return host.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 97 && c <= 122)
    }
}
