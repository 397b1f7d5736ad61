// The bearer-token flow (distribution spec token.md) against Debian's docker-registry configured with
// `auth: token`, and a small token server: a python3 script (Debian's python3-cryptography) signing RS256
// JWTs with a key and self-signed certificate that openssl makes in the test's temp dir. The registry
// verifies the token's `x5c` certificate against `rootcertbundle`, its issuer, audience (the service),
// times and `access` claims. Packages: docker-registry openssl python3 python3-cryptography.
import Foundation
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// A token server on a free loopback port with its key, certificate and request log in a temp dir.
/// `stop()` kills it, waits for it and removes the dir.
final class TokenServer: @unchecked Sendable {
    static let service = "skiff-test"
    static let issuer = "skiff-test-issuer"

    enum Mode {
        /// Anyone gets a token with the actions asked for.
        case open
        /// Every token request gets a 401.
        case refuse
        /// A token only with `Authorization: Basic` for this user and password; else a 401.
        case basic(user: String, password: String)
        /// A token only for an OAuth2 refresh-token grant (POST) with this refresh token; else a 401
        /// (GET) or a 400 (a wrong grant), as Docker's token servers answer.
        case refresh(token: String)
    }

    /// One request the server answered, as it logged it (a POST's form fields as `query`).
    struct Request: Decodable {
        var method: String
        var path: String
        var query: [String: [String]]
        var authorization: String?
        var status: Int
        var subject: String?
        var access: [Access]?

        struct Access: Decodable, Equatable {
            var type: String
            var name: String
            var actions: [String]
        }
    }

    let dir: String
    let process: Foundation.Process
    let port: Int
    var realm: String { "http://127.0.0.1:\(port)/token" }
    var certBundle: String { dir + "/cert.pem" }

    static let script = #"""
        import base64, json, os, sys, threading, time, uuid
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        from urllib.parse import urlparse, parse_qs
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        d, mode, service, issuer = sys.argv[1:5]
        key = serialization.load_pem_private_key(open(d + "/key.pem", "rb").read(), None)
        cert = x509.load_pem_x509_certificate(open(d + "/cert.pem", "rb").read())
        x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        lock = threading.Lock()

        def b64u(b):
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        def jwt(claims):
            head = b64u(json.dumps({"typ": "JWT", "alg": "RS256", "x5c": [x5c]}).encode())
            body = b64u(json.dumps(claims).encode())
            sig = key.sign((head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
            return head + "." + body + "." + b64u(sig)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, obj, extra={}):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.handle_token("GET", parse_qs(urlparse(self.path).query))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                    form = {}
                if "scope" in form:
                    form["scope"] = [s for v in form["scope"] for s in v.split(" ")]
                self.handle_token("POST", form)

            def handle_token(self, method, query):
                url = urlparse(self.path)
                auth = self.headers.get("Authorization")
                entry = {"method": method, "path": url.path, "query": query, "authorization": auth}
                status, obj, extra = self.answer(method, url, query, auth, entry)
                entry["status"] = status
                with lock:
                    with open(d + "/token.log", "a") as f:
                        f.write(json.dumps(entry) + "\n")
                self.reply(status, obj, extra)

            def answer(self, method, url, query, auth, entry):
                denied = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
                challenge = {"WWW-Authenticate": 'Basic realm="skiff-test-token"'}
                if url.path != "/token":
                    return 404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]}, {}
                if query.get("service") != [service]:
                    return 400, {"errors": [{"code": "BAD_SERVICE", "message": str(query.get("service"))}]}, {}
                subject = ""
                if mode == "refuse":
                    return 401, denied, challenge
                if mode.startswith("basic:"):
                    _, user, password = mode.split(":", 2)
                    want = "Basic " + base64.b64encode((user + ":" + password).encode()).decode()
                    if auth != want:
                        return 401, denied, challenge
                    subject = user
                if mode.startswith("refresh:"):
                    if method != "POST":
                        return 401, denied, challenge
                    if query.get("grant_type") != ["refresh_token"] or not query.get("client_id"):
                        return 400, {"error": "unsupported_grant_type"}, {}
                    if query.get("refresh_token") != [mode.split(":", 1)[1]]:
                        return 401, {"error": "invalid_grant"}, {}
                    subject = "refreshed"
                access = []
                for scope in query.get("scope", []):
                    kind, rest = scope.split(":", 1)
                    name, actions = rest.rsplit(":", 1)
                    access.append({"type": kind, "name": name,
                                   "actions": [a for a in actions.split(",") if a in ("pull", "push")]})
                entry["subject"] = subject
                entry["access"] = access
                now = int(time.time())
                token = jwt({"iss": issuer, "sub": subject, "aud": service, "exp": now + 300, "nbf": now - 10,
                             "iat": now, "jti": uuid.uuid4().hex, "access": access})
                return 200, {"token": token, "access_token": token, "expires_in": 300,
                             "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}, {}

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(d + "/port.tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(d + "/port.tmp", d + "/port")
        server.serve_forever()
        """#

    init(mode: Mode) throws {
        dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-token-")
        var started: Foundation.Process?
        do {
            try Shell.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=skiff-test-token", "-keyout", dir + "/key.pem",
                    "-out", dir + "/cert.pem",
                ])
            try Self.script.write(toFile: dir + "/skiff_token_server.py", atomically: true, encoding: .utf8)
            let modeArgument: String
            switch mode {
            case .open: modeArgument = "open"
            case .refuse: modeArgument = "refuse"
            case .basic(let user, let password): modeArgument = "basic:\(user):\(password)"
            case .refresh(let token): modeArgument = "refresh:\(token)"
            }
            let p = Foundation.Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = [dir + "/skiff_token_server.py", dir, modeArgument, Self.service, Self.issuer]
            _ = FileManager.default.createFile(atPath: dir + "/server.log", contents: nil)
            let log = FileHandle(forWritingAtPath: dir + "/server.log")
            p.standardOutput = log
            p.standardError = log
            try p.run()
            started = p
            var port: Int?
            for _ in 0..<200 {
                if let text = try? String(contentsOfFile: dir + "/port", encoding: .utf8), let n = Int(text) {
                    port = n
                    break
                }
                if !p.isRunning { break }
                usleep(50_000)
            }
            guard let port, LocalRegistry.waitForPort(port, process: p) else {
                let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? ""
                throw TestFailure("the token server did not start: \(log)")
            }
            self.port = port
            self.process = p
        } catch {
            if let started {
                if started.isRunning { kill(started.processIdentifier, SIGKILL) }
                started.waitUntilExit()
            }
            FileIO.removeTree(dir)
            throw error
        }
    }

    /// The requests answered so far, oldest first.
    func requests() throws -> [Request] {
        guard let text = try? String(contentsOfFile: dir + "/token.log", encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        FileIO.removeTree(dir)
    }
}

/// A token server and a docker-registry trusting it; `stop()` stops both.
final class TokenRegistry: @unchecked Sendable {
    let tokens: TokenServer
    let registry: LocalRegistry
    var host: String { registry.host }

    init(mode: TokenServer.Mode) throws {
        tokens = try TokenServer(mode: mode)
        do {
            registry = try LocalRegistry(
                auth: .token(
                    realm: tokens.realm, issuer: TokenServer.issuer,
                    service: TokenServer.service, rootCertBundle: tokens.certBundle))
        } catch {
            tokens.stop()
            throw error
        }
    }

    func stop() {
        registry.stop()
        tokens.stop()
    }
}

@Suite("Registry bearer-token auth", .serialized)
struct RegistryBearerTests {
    let anonymous = RegistryOptions(credentials: CredentialStore(path: "/nonexistent/skiff-test/config.json"))

    /// A request to the registry with no Authorization header.
    func unauthenticated(_ method: String, _ url: String) throws -> HTTPResponse {
        var request = HTTPRequest(url: URL(string: url)!)
        request.httpMethod = method
        return try HTTPTransport(lanes: 1).send(request, maxBody: 1 << 16)
    }

    @Test func pushThenPullThroughTheTokenServer() throws {
        let server = try TokenRegistry(mode: .open)
        defer { server.stop() }
        let source = try TempStore(), target = try TempStore(), third = try TempStore()
        defer { source.remove(); target.remove(); third.remove() }

        // The registry really wants a bearer token, and says from where.
        let refused = try unauthenticated("GET", "http://\(server.host)/v2/bearer/app/manifests/1")
        #expect(refused.status == 401)
        let challenge = refused.header("www-authenticate").flatMap(AuthChallenge.init(header:))
        #expect(challenge?.scheme == .bearer)
        #expect(challenge?.realm == server.tokens.realm)
        #expect(challenge?.service == TokenServer.service)
        #expect(challenge?.scope == "repository:bearer/app:pull")

        let image = try TestImages.make(
            in: source.store, name: "local/app:1",
            layers: [["etc/hello": "hi\n"], ["bin/tool": "#!/bin/sh\necho tool\n"]],
            workDir: source.dir)
        let ref = try ImageReference(parsing: "\(server.host)/bearer/app:1")
        let pushed = try Pusher(store: source.store, options: anonymous).push(image, to: ref)
        #expect(pushed.manifest == image.manifestDigest)
        #expect(pushed.blobs.count == 3)
        #expect(pushed.blobs.values.allSatisfy { $0 == .pushed })

        let afterPush = try server.tokens.requests()
        #expect(!afterPush.isEmpty)
        #expect(afterPush.allSatisfy { $0.status == 200 && $0.authorization == nil && $0.query["account"] == nil })
        #expect(afterPush.contains { $0.query["scope"] == ["repository:bearer/app:pull,push"] })
        #expect(
            afterPush.contains {
                $0.access == [
                    TokenServer.Request.Access(type: "repository", name: "bearer/app", actions: ["pull", "push"])
                ]
            })
        // Tokens are cached per scope set: not one token request per registry request (HEAD, POST and PUT
        // for each of three blobs, and the manifest PUT).
        #expect(afterPush.count <= 2, "\(afterPush.map(\.query))")

        let events = EventLog()
        let pulled = try Puller(store: target.store, options: PullOptions(registry: anonymous), progress: events.record)
            .pull(ref)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(pulled.config == image.config)
        #expect(Set(events.started) == Set(image.manifest.layers.map { try! Digest($0.digest) }))
        for layer in image.manifest.layers {
            let d = try Digest(layer.digest)
            #expect(try target.store.content.read(d) == (try source.store.content.read(d)))
        }
        #expect(
            try target.store.content.read(image.manifestDigest) == (try source.store.content.read(image.manifestDigest))
        )
        #expect(
            try server.tokens.requests().dropFirst(afterPush.count).contains {
                $0.query["scope"] == ["repository:bearer/app:pull"]
            })

        // Pushed from the pulled copy to another repository, the blobs are mounted: the token asked for
        // covers both repositories (push on the target, pull on the source).
        let other = try ImageReference(parsing: "\(server.host)/bearer/other:1")
        let mounted = try Pusher(store: target.store, options: anonymous).push(pulled, to: other)
        #expect(mounted.blobs.count == 3)
        #expect(mounted.blobs.values.allSatisfy { $0 == .mounted })
        #expect(
            try server.tokens.requests().contains {
                Set($0.query["scope"] ?? []) == ["repository:bearer/other:pull,push", "repository:bearer/app:pull"]
            })
        #expect(
            try Puller(store: third.store, options: PullOptions(registry: anonymous)).pull(other).manifestDigest
                == image.manifestDigest)
    }

    @Test func aRefusingTokenServerIsAClearUnauthorizedError() throws {
        let server = try TokenRegistry(mode: .refuse)
        defer { server.stop() }
        let target = try TempStore()
        defer { target.remove() }
        let ref = try ImageReference(parsing: "\(server.host)/bearer/app:1")

        #expect {
            try Puller(store: target.store, options: PullOptions(registry: anonymous)).pull(ref)
        } throws: { error in
            guard case RegistryError.unauthorized(let registry, let detail) = error else { return false }
            return registry == server.host && detail == "the token server requires credentials"
                && "\(error)"
                    == "registry \(server.host): unauthorized (the token server requires credentials): run `skiff login \(server.host)`"
        }
        let withCredential = RegistryOptions(
            credential: Credential(username: "alice", password: "s3cret"), credentials: anonymous.credentials)
        #expect {
            try Puller(store: target.store, options: PullOptions(registry: withCredential)).pull(ref)
        } throws: { error in
            "\(error)"
                == "registry \(server.host): unauthorized (incorrect username or password for alice): run `skiff login \(server.host)`"
        }
        #expect(try server.tokens.requests().count >= 2)
        #expect(try server.tokens.requests().allSatisfy { $0.status == 401 })
        #expect(try target.store.references().isEmpty)
        #expect(contentsOf(target.store.content.root + "/ingest").isEmpty)
    }

    @Test func credentialsFromTheAuthFileAreSentToTheTokenServer() throws {
        let server = try TokenRegistry(mode: .basic(user: "alice", password: "s3cret"))
        defer { server.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["f": "x\n"]], workDir: source.dir)
        let ref = try ImageReference(parsing: "\(server.host)/private/app:1")

        // Without credentials the token server says no, and so does the push.
        #expect {
            try Pusher(store: source.store, options: anonymous).push(image, to: ref)
        } throws: { error in
            guard case RegistryError.unauthorized(_, let detail) = error else { return false }
            return detail == "the token server requires credentials"
        }

        // A config.json found the way Podman finds it: $REGISTRY_AUTH_FILE (the environment is passed in
        // rather than set: tests of every suite share this process).
        func options(password: String) throws -> RegistryOptions {
            let file = source.dir + "/auth-\(password).json"
            let auth = Data("alice:\(password)".utf8).base64EncodedString()
            try #"{"auths": {"\#(server.host)": {"auth": "\#(auth)"}}}"#.write(
                toFile: file, atomically: true, encoding: .utf8)
            let path = CredentialStore.defaultPath(environment: ["REGISTRY_AUTH_FILE": file, "HOME": "/nonexistent"])
            #expect(path == file)
            return RegistryOptions(credentials: CredentialStore(path: path))
        }

        #expect {
            try Pusher(store: source.store, options: options(password: "wrong")).push(image, to: ref)
        } throws: { error in
            "\(error)"
                == "registry \(server.host): unauthorized (incorrect username or password for alice): run `skiff login \(server.host)`"
        }

        let before = try server.tokens.requests().count
        let good = try options(password: "s3cret")
        let pushed = try Pusher(store: source.store, options: good).push(image, to: ref)
        #expect(pushed.manifest == image.manifestDigest)
        let pulled = try Puller(store: target.store, options: PullOptions(registry: good)).pull(ref)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(
            try target.store.content.read(image.manifestDigest) == (try source.store.content.read(image.manifestDigest))
        )

        let granted = try server.tokens.requests().dropFirst(before)
        let basic = "Basic " + Data("alice:s3cret".utf8).base64EncodedString()
        #expect(!granted.isEmpty)
        #expect(granted.allSatisfy { $0.status == 200 && $0.authorization == basic && $0.subject == "alice" })
        #expect(granted.allSatisfy { $0.query["account"] == ["alice"] && $0.query["service"] == [TokenServer.service] })
        #expect(granted.contains { $0.query["scope"] == ["repository:private/app:pull,push"] })
        #expect(granted.contains { $0.query["scope"] == ["repository:private/app:pull"] })
    }

    /// An identity token (config.json's `identitytoken`, or a helper's user `<token>`) is traded for
    /// access tokens with an OAuth2 refresh-token grant, as Docker does; a wrong one is a clear error.
    @Test func anIdentityTokenIsExchangedWithARefreshGrant() throws {
        let server = try TokenRegistry(mode: .refresh(token: "rt-4711"))
        defer { server.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["f": "x\n"]], workDir: source.dir)
        let ref = try ImageReference(parsing: "\(server.host)/private/app:1")

        func options(token: String) throws -> RegistryOptions {
            let file = source.dir + "/auth-\(token).json"
            try #"{"auths": {"\#(server.host)": {"identitytoken": "\#(token)"}}}"#.write(
                toFile: file, atomically: true, encoding: .utf8)
            let store = CredentialStore(path: file)
            #expect(
                try store.credential(for: server.host) == Credential(username: "", password: "", identityToken: token))
            return RegistryOptions(credentials: store)
        }

        #expect {
            try Pusher(store: source.store, options: options(token: "stale")).push(image, to: ref)
        } throws: { error in
            "\(error)"
                == "registry \(server.host): unauthorized (the token server refused the identity token): run `skiff login \(server.host)`"
        }
        let before = try server.tokens.requests().count
        let good = try options(token: "rt-4711")
        #expect(try Pusher(store: source.store, options: good).push(image, to: ref).manifest == image.manifestDigest)
        #expect(
            try Puller(store: target.store, options: PullOptions(registry: good)).pull(ref).manifestDigest
                == image.manifestDigest)

        let granted = try server.tokens.requests().dropFirst(before)
        #expect(!granted.isEmpty)
        #expect(
            granted.allSatisfy {
                $0.method == "POST" && $0.status == 200 && $0.authorization == nil && $0.subject == "refreshed"
            })
        #expect(
            granted.allSatisfy { $0.query["grant_type"] == ["refresh_token"] && $0.query["client_id"] == ["skiff"] })
        #expect(granted.contains { $0.query["scope"] == ["repository:private/app:pull,push"] })
        #expect(granted.contains { $0.query["scope"] == ["repository:private/app:pull"] })
    }

    @Test func formEncodingEscapesAllButUnreservedCharacters() {
        #expect(
            TokenAuth.formEncoded([("scope", "repository:a/b:pull,push repository:c:pull"), ("x", "ä&=+")])
                == "scope=repository%3Aa%2Fb%3Apull%2Cpush%20repository%3Ac%3Apull&x=%C3%A4%26%3D%2B")
    }
}
