import Foundation

/// A `WWW-Authenticate` challenge (RFC 7235): `Bearer realm="https://auth/token",service="registry",
/// scope="repository:app:pull"` or `Basic realm="Registry Realm"`.
public struct AuthChallenge: Sendable, Equatable {
    public enum Scheme: String, Sendable { case basic, bearer }

    public var scheme: Scheme
    /// Parameter names are lowercased.
    public var parameters: [String: String]

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }

    public init(scheme: Scheme, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// The first Basic or Bearer challenge of a header value; nil for other schemes or garbage.
    public init?(header: String) {
        var s = Substring(header).drop(while: { $0 == " " })
        let schemeEnd = s.firstIndex(of: " ") ?? s.endIndex
        guard let scheme = Scheme(rawValue: s[..<schemeEnd].lowercased()) else { return nil }
        s = s[schemeEnd...]
        var params: [String: String] = [:]
        while true {
            s = s.drop(while: { $0 == " " || $0 == "," })
            guard let eq = s.firstIndex(of: "=") else { break }
            let name = s[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            s = s[s.index(after: eq)...]
            var value = ""
            if s.first == "\"" {
                s = s.dropFirst()
                var escaped = false
                var end = s.endIndex
                for i in s.indices {
                    let c = s[i]
                    if escaped { value.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { end = i; break }
                    value.append(c)
                }
                s = end < s.endIndex ? s[s.index(after: end)...] : s[s.endIndex...]
            } else {
                let end = s.firstIndex(of: ",") ?? s.endIndex
                value = s[..<end].trimmingCharacters(in: .whitespaces)
                s = s[end...]
            }
            if !name.isEmpty { params[name] = value }
        }
        self.init(scheme: scheme, parameters: params)
    }
}

/// The bearer-token flow of the distribution spec (token.md): on a `401` with a Bearer challenge, GET the
/// realm with `service` and one `scope` per repository action set, authenticating with Basic credentials
/// when there are some, and use the `token` (or OAuth's `access_token`) of the reply as
/// `Authorization: Bearer`. With an identity token instead, POST the realm an OAuth2 refresh-token grant
/// (oauth.md: `grant_type=refresh_token`, `refresh_token`, `service`, `scope`, `client_id`), as Docker
/// does. Tokens are cached per scope set until they expire.
final class TokenAuth: @unchecked Sendable {
    private struct CachedToken {
        var token: String
        var expires: Date
    }

    private let registry: String
    private let transport: HTTPTransport
    private let credential: Credential?
    private let lock = NSLock()
    private var tokens: [String: CachedToken] = [:]

    init(registry: String, transport: HTTPTransport, credential: Credential?) {
        self.registry = registry
        self.transport = transport
        self.credential = credential
    }

    /// The OAuth2 client this is, to the token server.
    static let clientID = "skiff"

    /// `application/x-www-form-urlencoded`: unreserved characters kept, everything else %-escaped.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static func key(_ challenge: AuthChallenge, _ scopes: [String]) -> String {
        ([challenge.realm ?? "", challenge.service ?? ""] + scopes.sorted()).joined(separator: " ")
    }

    /// A cached token for these scopes, when one is still valid.
    func cached(_ challenge: AuthChallenge, scopes: [String]) -> String? {
        lock.withLock {
            guard let t = tokens[Self.key(challenge, scopes)], t.expires > Date() else { return nil }
            return t.token
        }
    }

    /// Fetch a token for `scopes` from the challenge's realm.
    func token(for challenge: AuthChallenge, scopes: [String]) throws(RegistryError) -> String {
        if let token = cached(challenge, scopes: scopes) { return token }
        guard let realm = challenge.realm, var components = URLComponents(string: realm),
            components.scheme == "http" || components.scheme == "https"
        else {
            throw .invalidResponse(
                registry: registry, detail: "bearer challenge without a usable realm: \(challenge.parameters)")
        }
        let identityToken = credential?.identityToken
        var body = HTTPBody.none
        if let identityToken {
            var form: [(String, String)] = [
                ("grant_type", "refresh_token"), ("refresh_token", identityToken),
                ("client_id", Self.clientID),
            ]
            if let service = challenge.service { form.append(("service", service)) }
            if !scopes.isEmpty { form.append(("scope", scopes.joined(separator: " "))) }
            body = .bytes(Array(Self.formEncoded(form).utf8))
        } else {
            var items = components.queryItems ?? []
            if let service = challenge.service { items.append(URLQueryItem(name: "service", value: service)) }
            for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
            if let credential { items.append(URLQueryItem(name: "account", value: credential.username)) }
            components.queryItems = items
        }
        guard let url = components.url else {
            throw .invalidResponse(registry: registry, detail: "bad token realm \(realm)")
        }
        var request = HTTPRequest(url: url)
        request.httpMethod = identityToken == nil ? "GET" : "POST"
        request.setValue(RegistryClient.userAgent, forHTTPHeaderField: "User-Agent")
        if identityToken != nil {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        } else if let credential {
            request.setValue("Basic " + credential.basicToken, forHTTPHeaderField: "Authorization")
        }
        let response: HTTPResponse
        do { response = try transport.send(request, body: body, maxBody: 1 << 20) } catch {
            throw .unreachable(registry: registry, detail: "token server \(url.host ?? realm): \(error)")
        }
        switch response.status {
        case 200..<300: break
        case 400 where identityToken != nil, 401:
            let detail =
                credential == nil
                ? "the token server requires credentials"
                : identityToken != nil
                    ? "the token server refused the identity token"
                    : "incorrect username or password for \(credential!.username)"
            throw .unauthorized(registry: registry, detail: detail)
        case 403:
            throw .denied(registry: registry, detail: "the token server refused scope \(scopes.joined(separator: " "))")
        default:
            throw .http(
                registry: registry, method: "GET", path: "token \(url.host ?? realm)", status: response.status,
                detail: RegistryClient.errorDetail(response.body))
        }
        struct Reply: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(response.body)),
            let token = reply.token ?? reply.access_token, !token.isEmpty
        else {
            throw .invalidResponse(registry: registry, detail: "the token server replied without a token")
        }
        // The spec's default lifetime is 60 s; keep a margin.
        let lifetime = Double(max(reply.expires_in ?? 60, 60)) - 10
        lock.withLock {
            tokens[Self.key(challenge, scopes)] = CachedToken(
                token: token, expires: Date().addingTimeInterval(lifetime))
        }
        return token
    }
}
