import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A user name and password (or identity token) for one registry.
public struct Credential: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The value of an `Authorization: Basic …` header and of a config.json `auth` field.
    public var basicToken: String { Data("\(username):\(password)".utf8).base64EncodedString() }
}

/// Credentials in Docker's `config.json` format (`{"auths": {"host:port": {"auth": base64("user:pass")}}}`),
/// which Docker, Podman and skopeo all read. The file is found like Podman and Docker do:
/// `$REGISTRY_AUTH_FILE`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
///
/// Writing keeps every other key of the file (credHelpers, proxies, …) and replaces the file atomically
/// with mode 0600. Credential helpers (`credsStore`) are not run.
public struct CredentialStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The file the environment points at.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return file }
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        return home + "/.docker/config.json"
    }

    public static func `default`() -> CredentialStore { CredentialStore(path: defaultPath()) }

    /// The keys config.json files use for a registry: "host:port", with or without a scheme and a path,
    /// and Docker Hub's historical "https://index.docker.io/v1/".
    public static func normalizedRegistry(_ key: String) -> String { normalizedKey(key) }

    static func normalizedKey(_ key: String) -> String {
        var k = Substring(key)
        for scheme in ["https://", "http://"] where k.hasPrefix(scheme) { k = k.dropFirst(scheme.count) }
        if let slash = k.firstIndex(of: "/") { k = k[..<slash] }
        let host = String(k)
        if host == "index.docker.io" || host == "registry-1.docker.io" { return ImageReference.defaultRegistry }
        return host
    }

    /// The credential for `registry`, nil when there is none (or no file).
    public func credential(for registry: String) throws(RegistryError) -> Credential? {
        let auths = try read()["auths"] as? [String: Any] ?? [:]
        let wanted = Self.normalizedKey(registry)
        // An exact key wins over a normalized match.
        let entry = (auths[registry] as? [String: Any])
            ?? auths.first(where: { Self.normalizedKey($0.key) == wanted }).flatMap { $0.value as? [String: Any] }
        guard let entry else { return nil }
        if let auth = entry["auth"] as? String, !auth.isEmpty {
            guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else {
                throw .invalidCredentialsFile(path: path, detail: "the \"auth\" of \(registry) is not base64 of \"user:password\"")
            }
            return Credential(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let user = entry["username"] as? String, let pass = entry["password"] as? String {
            return Credential(username: user, password: pass)
        }
        return nil
    }

    /// Save (or replace) the credential for `registry`.
    public func save(_ credential: Credential, for registry: String) throws(RegistryError) {
        try update { auths in
            for key in auths.keys where Self.normalizedKey(key) == Self.normalizedKey(registry) { auths.removeValue(forKey: key) }
            auths[registry] = ["auth": credential.basicToken]
        }
    }

    /// Remove the credential for `registry`; returns whether there was one.
    @discardableResult
    public func remove(for registry: String) throws(RegistryError) -> Bool {
        var removed = false
        try update { auths in
            for key in auths.keys where Self.normalizedKey(key) == Self.normalizedKey(registry) {
                auths.removeValue(forKey: key)
                removed = true
            }
        }
        return removed
    }

    func read() throws(RegistryError) -> [String: Any] {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            if error.errno == ENOENT { return [:] }
            throw .invalidCredentialsFile(path: path, detail: error.description)
        }
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 9 || $0 == 13 }) { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .invalidCredentialsFile(path: path, detail: "not a JSON object")
        }
        return object
    }

    func update(_ change: (inout [String: Any]) -> Void) throws(RegistryError) {
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !dir.isEmpty {
            do { try FileIO.makeDirectories(dir, mode: 0o700) } catch {
                throw .invalidCredentialsFile(path: path, detail: error.description)
            }
        }
        var object = try read()
        var auths = object["auths"] as? [String: Any] ?? [:]
        change(&auths)
        object["auths"] = auths
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) } catch {
            throw .invalidCredentialsFile(path: path, detail: "cannot encode: \(error)")
        }
        do { try FileIO.writeAtomically(path, contents: Array(data) + [10], mode: 0o600) } catch {
            throw .invalidCredentialsFile(path: path, detail: error.description)
        }
    }
}
