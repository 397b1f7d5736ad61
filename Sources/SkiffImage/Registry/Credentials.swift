import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A user name and password, or an identity token, for one registry.
public struct Credential: Sendable, Equatable {
    public var username: String
    public var password: String
    /// An OAuth2 refresh token in place of a password (Docker's `identitytoken`; what a credential
    /// helper hands back as user `<token>`): exchanged at the registry's token server for access
    /// tokens (`grant_type=refresh_token`). A registry with Basic auth cannot take one.
    public var identityToken: String?

    public init(username: String, password: String, identityToken: String? = nil) {
        self.username = username
        self.password = password
        self.identityToken = identityToken
    }

    /// Who the registry is told about in messages: the user, or "an identity token".
    var holder: String { identityToken != nil && username.isEmpty ? "an identity token" : username }

    /// The value of an `Authorization: Basic …` header and of a config.json `auth` field.
    public var basicToken: String { Data("\(username):\(password)".utf8).base64EncodedString() }
}

/// Credentials in Docker's `config.json` format (`{"auths": {"host:port": {"auth": base64("user:pass")}}}`),
/// which Docker, Podman and skopeo all read. The file is found like Podman and Docker do:
/// `$REGISTRY_AUTH_FILE`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
///
/// Credential helpers are run as Docker runs them (see `CredentialHelper`), in Docker's order: the helper
/// `credHelpers` names for the registry (`{"credHelpers": {"registry.example:5000": "pass"}}`), else the
/// `credsStore` helper (the default for every registry), else the `auths` entries' inline `auth`. When a
/// helper applies, its answer is the credential (`docker-credential-NAME get`, the program found on PATH
/// or `helperSearchPath`) and `auths` is not read; a `credHelpers` entry of "" sends its registry back to
/// `auths`, as in Docker. Saving through a helper (`store`) leaves `"auths": {"host": {}}` in the file,
/// never the password; removing also `erase`s it from the helper. A helper's identity token (user
/// `<token>`), like an `auths` entry's `identitytoken`, is a `Credential.identityToken`, never a password.
///
/// Writing keeps every other key of the file (credHelpers, proxies, …) and replaces the file atomically
/// with mode 0600.
public struct CredentialStore: Sendable {
    public let path: String
    /// Where `docker-credential-NAME` helpers are looked for (":"-separated); nil: `$PATH` when one runs.
    public let helperSearchPath: String?

    public init(path: String, helperSearchPath: String? = nil) {
        self.path = path
        self.helperSearchPath = helperSearchPath
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

    /// The server URL a helper knows `registry` by: Docker Hub's historical "https://index.docker.io/v1/"
    /// (what `docker login` stores), else the registry's host[:port].
    public static func helperServerURL(_ registry: String) -> String {
        let key = normalizedKey(registry)
        return key == ImageReference.defaultRegistry ? "https://index.docker.io/v1/" : key
    }

    /// The helper that keeps `registry`'s credential, with the key that names it ("credHelpers" or
    /// "credsStore"); nil when the `auths` entries keep it. Docker's order: credHelpers, then credsStore.
    public func configuredHelper(for registry: String) throws(RegistryError) -> (name: String, key: String)? {
        Self.configuredHelper(in: try read(), for: registry)
    }

    static func configuredHelper(in config: [String: Any], for registry: String) -> (name: String, key: String)? {
        if let helpers = config["credHelpers"] as? [String: Any] {
            let wanted = normalizedKey(registry)
            let named = helpers[registry] ?? helpers.first(where: { normalizedKey($0.key) == wanted })?.value
            // Docker: an entry, even "", decides; "" means the file itself.
            if let named = named as? String { return named.isEmpty ? nil : (named, "credHelpers") }
        }
        if let store = config["credsStore"] as? String, !store.isEmpty { return (store, "credsStore") }
        return nil
    }

    /// The helper program for a configured name, or an error naming the program and the key.
    func resolveHelper(_ configured: (name: String, key: String)) throws(RegistryError) -> CredentialHelper {
        let searchPath =
            helperSearchPath ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin")
        guard let helper = CredentialHelper.find(configured.name, searchPath: searchPath) else {
            throw .invalidCredentialsFile(
                path: path,
                detail: "credential helper \(CredentialHelper.programPrefix)\(configured.name) "
                    + "not found on PATH (config.json \(configured.key))")
        }
        return helper
    }

    /// The credential for `registry`, nil when there is none (or no file).
    public func credential(for registry: String) throws(RegistryError) -> Credential? {
        let config = try read()
        if let configured = Self.configuredHelper(in: config, for: registry) {
            let helper = try resolveHelper(configured)
            let server = Self.helperServerURL(registry)
            let found: (username: String, secret: String)?
            do { found = try helper.get(server) } catch {
                throw .invalidCredentialsFile(path: path, detail: error.description)
            }
            guard let found else { return nil }
            if found.username == CredentialHelper.identityTokenUsername {
                return Credential(username: "", password: "", identityToken: found.secret)
            }
            return Credential(username: found.username, password: found.secret)
        }
        let auths = config["auths"] as? [String: Any] ?? [:]
        let wanted = Self.normalizedKey(registry)
        // An exact key wins over a normalized match.
        let entry =
            (auths[registry] as? [String: Any])
            ?? auths.first(where: { Self.normalizedKey($0.key) == wanted }).flatMap { $0.value as? [String: Any] }
        guard let entry else { return nil }
        if let token = entry["identitytoken"] as? String, !token.isEmpty {
            return Credential(username: entry["username"] as? String ?? "", password: "", identityToken: token)
        }
        if let auth = entry["auth"] as? String, !auth.isEmpty {
            guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else {
                throw .invalidCredentialsFile(
                    path: path, detail: "the \"auth\" of \(registry) is not base64 of \"user:password\"")
            }
            return Credential(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let user = entry["username"] as? String, let pass = entry["password"] as? String {
            return Credential(username: user, password: pass)
        }
        return nil
    }

    /// Save (or replace) the credential for `registry`: in its helper when one is configured (the file
    /// then gets an empty `auths` entry, as Docker writes), else in the file.
    public func save(_ credential: Credential, for registry: String) throws(RegistryError) {
        if let configured = try configuredHelper(for: registry) {
            let helper = try resolveHelper(configured)
            do {
                try helper.store(
                    Self.helperServerURL(registry), username: credential.username, secret: credential.password)
            } catch {
                throw .invalidCredentialsFile(path: path, detail: error.description)
            }
            try update { auths in
                for key in auths.keys where Self.normalizedKey(key) == Self.normalizedKey(registry) {
                    auths.removeValue(forKey: key)
                }
                auths[registry] = [String: Any]()
            }
            return
        }
        try update { auths in
            for key in auths.keys where Self.normalizedKey(key) == Self.normalizedKey(registry) {
                auths.removeValue(forKey: key)
            }
            auths[registry] = ["auth": credential.basicToken]
        }
    }

    /// Remove the credential for `registry` (from its helper, when one is configured, and from the
    /// file); returns whether there was one.
    @discardableResult
    public func remove(for registry: String) throws(RegistryError) -> Bool {
        var removed = false
        if let configured = try configuredHelper(for: registry) {
            let helper = try resolveHelper(configured)
            let server = Self.helperServerURL(registry)
            do {
                if try helper.get(server) != nil {
                    try helper.erase(server)
                    removed = true
                }
            } catch {
                throw .invalidCredentialsFile(path: path, detail: error.description)
            }
        }
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
