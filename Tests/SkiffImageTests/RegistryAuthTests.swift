// Needs Debian's docker-registry and apache2-utils (htpasswd -Bbn): see RegistryTests.swift.
import Foundation
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffImage

@Suite("Registry auth and credentials", .serialized)
struct RegistryAuthTests {
    @Test func basicAuthNeedsLoginThenWorks() throws {
        let registry = try LocalRegistry(auth: .htpasswd(user: "alice", password: "s3cret"))
        defer { registry.stop() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let credentials = CredentialStore(path: source.dir + "/auth/config.json")
        let options = RegistryOptions(credentials: credentials)
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["f": "x\n"]], workDir: source.dir)
        let ref = try ImageReference(parsing: "\(registry.host)/private/app:1")

        #expect {
            try Pusher(store: source.store, options: options).push(image, to: ref)
        } throws: { error in
            "\(error)".hasPrefix("registry \(registry.host): unauthorized")
                && "\(error)".hasSuffix("run `skiff login \(registry.host)`")
        }
        #expect(throws: RegistryError.self) {
            try Puller(store: target.store, options: PullOptions(registry: options)).pull(ref)
        }

        // A wrong password is refused by the registry and nothing is saved.
        #expect {
            try RegistryLogin.login(
                registry: registry.host, credential: Credential(username: "alice", password: "nope"),
                store: credentials)
        } throws: { error in
            guard case RegistryError.unauthorized = error else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: credentials.path))

        try RegistryLogin.login(
            registry: registry.host, credential: Credential(username: "alice", password: "s3cret"),
            store: credentials)
        let attributes = try FileManager.default.attributesOfItem(atPath: credentials.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials.path)))
            as? [String: Any]
        let auths = json?["auths"] as? [String: Any]
        #expect(
            (auths?[registry.host] as? [String: String])?["auth"] == Data("alice:s3cret".utf8).base64EncodedString())

        let pushed = try Pusher(store: source.store, options: options).push(image, to: ref)
        #expect(pushed.manifest == image.manifestDigest)
        #expect(
            try Puller(store: target.store, options: PullOptions(registry: options)).pull(ref).manifestDigest
                == image.manifestDigest)

        #expect(try RegistryLogin.logout(registry: registry.host, store: credentials))
        #expect(try credentials.credential(for: registry.host) == nil)
        #expect(try !RegistryLogin.logout(registry: registry.host, store: credentials))
        let again = try TempStore()
        defer { again.remove() }
        #expect(throws: RegistryError.self) {
            try Puller(store: again.store, options: PullOptions(registry: options)).pull(ref)
        }
    }

    @Test func loginThroughCredentialHelperThenPull() throws {
        let registry = try LocalRegistry(auth: .htpasswd(user: "alice", password: "s3cret"))
        defer { registry.stop() }
        let helpers = try FakeCredentialHelpers()
        defer { helpers.remove() }
        let source = try TempStore(), target = try TempStore()
        defer { source.remove(); target.remove() }
        let credentials = try helpers.store(config: #"{"credsStore": "skifftest"}"#)
        let options = RegistryOptions(credentials: credentials)
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["f": "helper\n"]], workDir: source.dir)
        let ref = try ImageReference(parsing: "\(registry.host)/private/helper:1")

        // The helper has nothing yet: anonymous, refused.
        #expect {
            try Pusher(store: source.store, options: options).push(image, to: ref)
        } throws: { error in
            "\(error)".hasPrefix("registry \(registry.host): unauthorized")
        }

        // A refused login stores nothing in the helper.
        #expect(throws: RegistryError.self) {
            try RegistryLogin.login(
                registry: registry.host, credential: Credential(username: "alice", password: "nope"),
                store: credentials)
        }
        #expect(helpers.stored("skifftest", server: registry.host) == nil)

        try RegistryLogin.login(
            registry: registry.host, credential: Credential(username: "alice", password: "s3cret"),
            store: credentials)
        #expect(
            helpers.stored("skifftest", server: registry.host)
                == ["ServerURL": registry.host, "Username": "alice", "Secret": "s3cret"])
        let text = try String(contentsOfFile: credentials.path, encoding: .utf8)
        #expect(
            !text.contains("s3cret") && !text.contains(Credential(username: "alice", password: "s3cret").basicToken))
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((json?["auths"] as? [String: [String: String]]) == [registry.host: [:]])

        let pushed = try Pusher(store: source.store, options: options).push(image, to: ref)
        #expect(pushed.manifest == image.manifestDigest)
        #expect(
            try Puller(store: target.store, options: PullOptions(registry: options)).pull(ref).manifestDigest
                == image.manifestDigest)
        #expect(helpers.calls("skifftest").contains("get \(registry.host)"))

        #expect(try RegistryLogin.logout(registry: registry.host, store: credentials))
        #expect(helpers.stored("skifftest", server: registry.host) == nil)
        let again = try TempStore()
        defer { again.remove() }
        #expect(throws: RegistryError.self) {
            try Puller(store: again.store, options: PullOptions(registry: options)).pull(ref)
        }
    }

    @Test func credentialsFileLocationFollowsDockerAndPodman() {
        #expect(
            CredentialStore.defaultPath(environment: [
                "REGISTRY_AUTH_FILE": "/a/auth.json", "DOCKER_CONFIG": "/d", "HOME": "/h",
            ]) == "/a/auth.json")
        #expect(CredentialStore.defaultPath(environment: ["DOCKER_CONFIG": "/d", "HOME": "/h"]) == "/d/config.json")
        #expect(CredentialStore.defaultPath(environment: ["HOME": "/h"]) == "/h/.docker/config.json")
    }

    @Test func savingKeepsOtherKeysAndReadsDockerHubKeys() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-creds-")
        defer { FileIO.removeTree(dir) }
        let path = dir + "/config.json"
        let hub = Data("bob:pw".utf8).base64EncodedString()
        try """
        {"auths": {"https://index.docker.io/v1/": {"auth": "\(hub)"}}, "credHelpers": {"gcr.io": "gcloud"}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let store = CredentialStore(path: path)
        #expect(try store.credential(for: "docker.io") == Credential(username: "bob", password: "pw"))
        try store.save(Credential(username: "u", password: "p:with:colons"), for: "registry.example:5000")
        #expect(
            try store.credential(for: "registry.example:5000") == Credential(username: "u", password: "p:with:colons"))
        #expect(
            try store.credential(for: "https://registry.example:5000/v2/")
                == Credential(username: "u", password: "p:with:colons"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect((json?["credHelpers"] as? [String: String]) == ["gcr.io": "gcloud"])
        #expect(try store.credential(for: "docker.io") != nil)
    }

    @Test func challengesAreParsed() {
        let bearer = AuthChallenge(
            header:
                #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
        )
        #expect(bearer?.scheme == .bearer)
        #expect(bearer?.realm == "https://auth.docker.io/token")
        #expect(bearer?.service == "registry.docker.io")
        #expect(bearer?.scope == "repository:library/busybox:pull")
        let basic = AuthChallenge(header: #"Basic realm="Registry Realm""#)
        #expect(basic?.scheme == .basic)
        #expect(basic?.realm == "Registry Realm")
        #expect(AuthChallenge(header: "Negotiate abc") == nil)
    }

    @Test func loopbackRegistriesUsePlainHTTP() {
        for host in ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"] {
            #expect(RegistryClient.isLoopback(host), "\(host)")
        }
        for host in ["registry.example", "10.0.0.1:5000", "127.0.0.1.example.com", "docker.io"] {
            #expect(!RegistryClient.isLoopback(host), "\(host)")
        }
    }
}
