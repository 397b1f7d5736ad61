import Foundation
import SkiffOCI
import SkiffSystem

/// How to reach registries: TLS verification and where credentials come from.
public struct RegistryOptions: Sendable {
    /// With false, a registry is tried over https and, when that fails to connect, over plain http
    /// (Docker's insecure-registry rule). Loopback registries always use plain http.
    public var tlsVerify: Bool
    /// Used instead of the credentials file when set.
    public var credential: Credential?
    /// The Docker-compatible config.json to read credentials from.
    public var credentials: CredentialStore

    public init(tlsVerify: Bool = true, credential: Credential? = nil, credentials: CredentialStore = .default()) {
        self.tlsVerify = tlsVerify
        self.credential = credential
        self.credentials = credentials
    }
}

/// A client of one registry speaking the OCI distribution spec: manifests and blobs by repository,
/// with anonymous, Basic and bearer-token auth. Blocking calls, safe to use from several threads.
public final class RegistryClient: @unchecked Sendable {
    static let userAgent = "skiff/0.1"
    /// What a manifest GET accepts: OCI and Docker v2 manifests and indexes.
    public static let manifestAccept = [
        MediaType.ociManifest, MediaType.dockerManifest, MediaType.ociIndex,
        MediaType.dockerManifestList,
    ]

    public let registry: String
    public let tlsVerify: Bool
    let credential: Credential?
    let transport: HTTPTransport
    private let tokens: TokenAuth
    private let lock = NSLock()
    private var base: URL?
    private var challenge: AuthChallenge?

    /// A client with an explicit credential (or none: anonymous).
    public init(registry: String, tlsVerify: Bool = true, credential: Credential? = nil, connections: Int = 4) {
        self.registry = registry
        self.tlsVerify = tlsVerify
        self.credential = credential
        self.transport = HTTPTransport(lanes: connections, verifyTLS: tlsVerify)
        self.tokens = TokenAuth(registry: registry, transport: transport, credential: credential)
    }

    /// A client whose credential comes from the options (explicit, else the credentials file).
    public convenience init(registry: String, options: RegistryOptions, connections: Int = 4) throws(RegistryError) {
        var credential = options.credential
        if credential == nil { credential = try options.credentials.credential(for: registry) }
        self.init(registry: registry, tlsVerify: options.tlsVerify, credential: credential, connections: connections)
    }

    /// `localhost`, 127.0.0.0/8 and `[::1]` (with any port): registries reached over plain http.
    /// The host that serves a registry name: Docker Hub's images are named docker.io but served by
    /// registry-1.docker.io.
    public static func endpoint(for registry: String) -> String {
        registry == ImageReference.defaultRegistry ? "registry-1.docker.io" : registry
    }

    public static func isLoopback(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    // MARK: - Endpoints

    /// GET /v2/ with credentials: succeeds when the registry accepts them (or needs none). What `login` checks.
    public func checkAuthentication() throws(RegistryError) {
        let response = try request("GET", "/v2/", scopes: [])
        guard response.isSuccess else { throw failure(response, "GET", "/v2/") }
        if credential != nil, currentChallenge() == nil {
            // A registry without auth accepts anything; nothing was checked, but nothing is wrong either.
            return
        }
    }

    /// A manifest or index by tag or digest: the exact bytes, their media type and digest.
    public func manifest(repository: String, reference: String) throws(RegistryError) -> (
        bytes: [UInt8], mediaType: String, digest: Digest
    ) {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try request(
            "GET", path, scopes: [Self.pullScope(repository)],
            headers: ["Accept": Self.manifestAccept.joined(separator: ", ")], maxBody: 8 << 20)
        if response.status == 404 {
            throw .manifestUnknown(
                reference: "\(registry)/\(repository)\(reference.hasPrefix("sha256:") ? "@" : ":")\(reference)")
        }
        guard response.isSuccess else { throw failure(response, "GET", path) }
        let digest = Digest.of(response.body)
        if let header = response.header("docker-content-digest"), header.hasPrefix("sha256:"),
            header != digest.description
        {
            throw .image(.digestMismatch(expected: header, actual: digest.description))
        }
        let contentType = response.header("content-type")?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var mediaType = contentType ?? ""
        if !MediaType.isIndex(mediaType) && !MediaType.isManifest(mediaType) {
            // Some registries answer application/json: the document's own mediaType says what it is.
            struct Probe: Decodable { var mediaType: String?; var manifests: [Descriptor]?; var config: Descriptor? }
            if let probe = try? JSONDecoder().decode(Probe.self, from: Data(response.body)) {
                if let m = probe.mediaType, MediaType.isIndex(m) || MediaType.isManifest(m) {
                    mediaType = m
                } else if probe.manifests != nil {
                    mediaType = MediaType.ociIndex
                } else if probe.config != nil {
                    mediaType = MediaType.ociManifest
                }
            }
        }
        return (response.body, mediaType, digest)
    }

    /// The repository's tags (GET /v2/NAME/tags/list), following the registry's pages (`Link: …;
    /// rel="next"`) with `last`, in the registry's (lexical) order. What `pull --all-tags` pulls.
    public func tags(repository: String) throws(RegistryError) -> [String] {
        struct Page: Decodable { var tags: [String]? }
        let path = "/v2/\(repository)/tags/list"
        var out: [String] = []
        var last: String?
        while true {
            let response = try request(
                "GET", path, query: last.map { [("last", $0)] } ?? [], scopes: [Self.pullScope(repository)],
                maxBody: 16 << 20)
            if response.status == 404 {
                throw .manifestUnknown(reference: "\(registry)/\(repository) (no such repository)")
            }
            guard response.isSuccess else { throw failure(response, "GET", path) }
            let page: Page
            do { page = try JSON.decode(Page.self, from: response.body, what: "tag list of \(repository)") } catch {
                throw .image(error)
            }
            let tags = page.tags ?? []
            out += tags
            guard let link = response.header("link"), link.contains("rel=\"next\""), let next = tags.last,
                next != last
            else { break }
            last = next
        }
        return out
    }

    /// PUT a manifest or index under a tag or its digest; returns its digest.
    @discardableResult
    public func putManifest(repository: String, reference: String, bytes: [UInt8], mediaType: String)
        throws(RegistryError) -> Digest
    {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try request(
            "PUT", path, scopes: [Self.pushScope(repository)],
            headers: ["Content-Type": mediaType], body: .bytes(bytes))
        guard response.isSuccess else { throw failure(response, "PUT", path) }
        return Digest.of(bytes)
    }

    /// Whether the repository has the blob (HEAD).
    public func blobExists(repository: String, digest: Digest) throws(RegistryError) -> Bool {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let response = try request("HEAD", path, scopes: [Self.pullScope(repository)])
        if response.status == 404 { return false }
        guard response.isSuccess else { throw failure(response, "HEAD", path) }
        return true
    }

    /// Stream a blob into the content store, verifying its digest and size; nothing is kept on a mismatch.
    /// `progress` receives the byte count so far.
    @discardableResult
    public func fetchBlob(
        repository: String, digest: Digest, size: Int64?, into store: ContentStore,
        progress: ((Int64) -> Void)? = nil
    ) throws(RegistryError) -> Digest {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let writer: BlobWriter
        do { writer = try BlobWriter(store: store, expected: digest, expectedSize: size) } catch { throw .image(error) }
        let response: HTTPResponse
        do {
            response = try request("GET", path, scopes: [Self.pullScope(repository)], maxBody: 1 << 20) {
                (data: Data) throws in
                try writer.write(data)
                progress?(writer.written)
            }
        } catch {
            writer.abort()
            throw error
        }
        if response.status == 404 {
            writer.abort()
            throw .blobUnknown(registry: registry, repository: repository, digest: digest.description)
        }
        guard response.isSuccess else {
            writer.abort()
            throw failure(response, "GET", path)
        }
        do { return try writer.commit() } catch { throw .image(error) }
    }

    /// Try a cross-repository mount (POST …/uploads/?mount=&from=). Returns true when the registry
    /// mounted the blob, false when it did not (then push the blob).
    public func mountBlob(repository: String, digest: Digest, from source: String) throws(RegistryError) -> Bool {
        let path = "/v2/\(repository)/blobs/uploads/"
        let response = try request(
            "POST", path, query: [("mount", digest.description), ("from", source)],
            scopes: [Self.pushScope(repository), Self.pullScope(source)])
        if response.status == 201 { return true }
        if response.status == 202 {
            // Not mounted: the registry opened an upload session instead; close it.
            if let location = response.header("location"), let url = resolve(location) {
                _ = try? send(
                    "DELETE", url: url, scopes: [Self.pushScope(repository)], headers: [:], body: .none,
                    maxBody: 1 << 16, sink: nil)
            }
            return false
        }
        if response.status == 401 || response.status == 403 { return false }
        throw failure(response, "POST", path)
    }

    /// Upload a blob from a file: POST to open an upload, then one monolithic PUT with the digest.
    public func uploadBlob(repository: String, digest: Digest, file: String) throws(RegistryError) {
        try uploadBlob(repository: repository, digest: digest, body: .file(file))
    }

    /// Upload a small blob held in memory (a compose artifact's files), as `uploadBlob(file:)` does.
    public func uploadBlob(repository: String, digest: Digest, bytes: [UInt8]) throws(RegistryError) {
        try uploadBlob(repository: repository, digest: digest, body: .bytes(bytes))
    }

    /// A small blob's bytes (at most `maxSize`), checked against its digest.
    public func blob(repository: String, digest: Digest, maxSize: Int) throws(RegistryError) -> [UInt8] {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let response = try request("GET", path, scopes: [Self.pullScope(repository)], maxBody: maxSize)
        if response.status == 404 {
            throw .blobUnknown(registry: registry, repository: repository, digest: digest.description)
        }
        guard response.isSuccess else { throw failure(response, "GET", path) }
        let actual = Digest.of(response.body)
        guard actual == digest else {
            throw .image(.digestMismatch(expected: digest.description, actual: actual.description))
        }
        return response.body
    }

    private func uploadBlob(repository: String, digest: Digest, body: HTTPBody) throws(RegistryError) {
        let path = "/v2/\(repository)/blobs/uploads/"
        let opened = try request("POST", path, scopes: [Self.pushScope(repository)], headers: ["Content-Length": "0"])
        guard opened.status == 202, let location = opened.header("location"), let url = resolve(location),
            var components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        else {
            throw opened.isSuccess
                ? .invalidResponse(registry: registry, detail: "POST \(path) returned no upload location")
                : failure(opened, "POST", path)
        }
        components.queryItems =
            (components.queryItems ?? []) + [URLQueryItem(name: "digest", value: digest.description)]
        guard let target = components.url else {
            throw .invalidResponse(registry: registry, detail: "bad upload location \(location)")
        }
        let response = try send(
            "PUT", url: target, scopes: [Self.pushScope(repository)],
            headers: ["Content-Type": "application/octet-stream"], body: body,
            maxBody: 1 << 20, sink: nil)
        guard response.isSuccess else { throw failure(response, "PUT", path + "…") }
    }

    static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    static func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }

    // MARK: - Requests with auth

    func request(
        _ method: String, _ path: String, query: [(String, String)] = [], scopes: [String],
        headers: [String: String] = [:], body: HTTPBody = .none, maxBody: Int = 1 << 20,
        sink: ((Data) throws -> Void)? = nil
    ) throws(RegistryError) -> HTTPResponse {
        let base = try resolveBase()
        guard
            var components = URLComponents(
                url: base.appendingPathComponent(String(path.dropFirst())), resolvingAgainstBaseURL: false)
        else {
            throw .invalidResponse(registry: registry, detail: "bad path \(path)")
        }
        if path.hasSuffix("/") && !(components.path.hasSuffix("/")) { components.path += "/" }
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components.url else { throw .invalidResponse(registry: registry, detail: "bad path \(path)") }
        return try send(method, url: url, scopes: scopes, headers: headers, body: body, maxBody: maxBody, sink: sink)
    }

    /// Send with the authorization the registry asked for; on a 401, answer its challenge once and retry.
    func send(
        _ method: String, url: URL, scopes: [String], headers: [String: String], body: HTTPBody,
        maxBody: Int, sink: ((Data) throws -> Void)?
    ) throws(RegistryError) -> HTTPResponse {
        var authorization = try authorizationHeader(for: currentChallenge(), scopes: scopes, fetch: true)
        var retried = false
        while true {
            var request = HTTPRequest(url: url)
            request.httpMethod = method
            request.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
            let response: HTTPResponse
            do { response = try transport.send(request, body: body, maxBody: maxBody, sink: sink) } catch let e
                as RegistryError
            {
                throw e
            } catch let e as ImageError {
                throw .image(e)
            } catch let e as SystemError where e.isCancellation {
                throw .image(.system(e))
            } catch {
                throw .unreachable(registry: registry, detail: "\(method) \(url.path): \(error)")
            }
            guard response.status == 401, !retried else { return response }
            guard let header = response.header("www-authenticate"), let challenge = AuthChallenge(header: header) else {
                return response
            }
            lock.withLock { self.challenge = challenge }
            var wanted = scopes
            if let scope = challenge.scope, !wanted.contains(scope) { wanted.append(scope) }
            guard let next = try authorizationHeader(for: challenge, scopes: wanted, fetch: true), next != authorization
            else {
                return response
            }
            authorization = next
            retried = true
        }
    }

    private func authorizationHeader(for challenge: AuthChallenge?, scopes: [String], fetch: Bool) throws(RegistryError)
        -> String?
    {
        guard let challenge else { return nil }
        switch challenge.scheme {
        case .basic:
            guard let credential else { return nil }
            if credential.identityToken != nil {
                throw .unauthorized(
                    registry: registry,
                    detail: "the saved credential is an identity token, which a registry "
                        + "with Basic auth cannot take; log in with a user name and password")
            }
            return "Basic " + credential.basicToken
        case .bearer:
            return "Bearer " + (try tokens.token(for: challenge, scopes: scopes))
        }
    }

    private func currentChallenge() -> AuthChallenge? { lock.withLock { challenge } }

    /// The base URL, found once: http for loopback registries; https, falling back to http when TLS
    /// verification is off and https does not connect. The ping also learns the auth challenge.
    private func resolveBase() throws(RegistryError) -> URL {
        if let base = lock.withLock({ base }) { return base }
        let schemes = Self.isLoopback(registry) ? ["http"] : (tlsVerify ? ["https"] : ["https", "http"])
        var lastError = ""
        var kinds: [TransportError.Kind] = []
        for scheme in schemes {
            guard let url = URL(string: "\(scheme)://\(Self.endpoint(for: registry))/") else {
                throw .invalidResponse(registry: registry, detail: "not a host name")
            }
            var request = HTTPRequest(url: url.appendingPathComponent("v2/"))
            request.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
            do {
                let response = try transport.send(request, maxBody: 1 << 16)
                if response.status == 401, let header = response.header("www-authenticate") {
                    lock.withLock { challenge = AuthChallenge(header: header) }
                }
                lock.withLock { base = url }
                return url
            } catch {
                lastError = "\(scheme)://\(Self.endpoint(for: registry))/v2/: \(error)"
                kinds.append((error as? TransportError)?.kind ?? .other)
            }
        }
        // Say which problem it is: a name that does not resolve is not a certificate problem.
        let host = Self.endpoint(for: registry).split(separator: ":").first.map(String.init) ?? registry
        var hint = ""
        switch kinds.first {
        case .dns: hint = " (the host name \(host) does not resolve: no DNS or no network here, or a mistyped name)"
        case .connect: hint = " (nothing answers there: is the registry running, on that port?)"
        case .timeout: hint = " (no answer in time: a firewall or no route to it)"
        case .tls where tlsVerify:
            hint = " (its TLS certificate is not trusted; for a registry without valid TLS, pass --tls-verify=false)"
        default: break
        }
        throw .unreachable(registry: registry, detail: lastError + hint)
    }

    private func resolve(_ location: String) -> URL? {
        guard let base = lock.withLock({ base }) else { return nil }
        return URL(string: location, relativeTo: base)?.absoluteURL
    }

    /// A typed error from a failed response.
    func failure(_ response: HTTPResponse, _ method: String, _ path: String) -> RegistryError {
        let detail = Self.errorDetail(response.body)
        switch response.status {
        case 401:
            return .unauthorized(
                registry: registry,
                detail: credential == nil ? detail : "credentials for \(credential!.holder) were refused")
        case 403: return .denied(registry: registry, detail: detail.isEmpty ? "\(method) \(path) is forbidden" : detail)
        default: return .http(registry: registry, method: method, path: path, status: response.status, detail: detail)
        }
    }

    /// The distribution spec's error body, `{"errors":[{"code":…,"message":…}]}`, as one line.
    static func errorDetail(_ body: [UInt8]) -> String {
        struct Body: Decodable {
            struct E: Decodable { var code: String?; var message: String? }
            var errors: [E]?
        }
        if let parsed = try? JSONDecoder().decode(Body.self, from: Data(body)), let errors = parsed.errors,
            !errors.isEmpty
        {
            return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(
                separator: "; ")
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text
    }
}
