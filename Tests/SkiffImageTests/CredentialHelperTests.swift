import Foundation
import Testing

@testable import SkiffImage

/// Fake docker-credential-NAME helpers in a temporary directory, speaking the docker-credential-helpers
/// protocol: each keeps one file per server under `bin/docker-credential-NAME.d/`, holding the JSON
/// `store` was given (which is what `get` answers), and logs every call ("ACTION SERVER") to
/// `bin/docker-credential-NAME.log`. A `get` of a server starting with fail.example fails on stderr.
/// The code under test finds them through `CredentialStore(helperSearchPath:)`, so PATH is never touched.
struct FakeCredentialHelpers {
    let dir: String
    var bin: String { dir + "/bin" }
    /// What CredentialStore searches: a directory that does not exist, then the helpers' (like a PATH).
    var searchPath: String { dir + "/nothing-here:" + bin }

    static let script = #"""
        #!/bin/sh
        me=$(basename "$0")
        store="$(dirname "$0")/$me.d"
        mkdir -p "$store"
        input=$(cat)
        case "$1" in
        store) url=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p') ;;
        *) url=$input ;;
        esac
        printf '%s %s\n' "$1" "$url" >> "$(dirname "$0")/$me.log"
        file="$store/$(printf '%s' "$url" | tr '/:' '__')"
        case "$1" in
        get)
            case "$url" in fail.example*) echo "the keychain is locked" >&2; exit 3 ;; esac
            if [ -f "$file" ]; then cat "$file"; else echo "credentials not found in native keychain"; exit 1; fi ;;
        store)
            printf '%s\n' "$input" > "$file" ;;
        erase)
            if [ -f "$file" ]; then rm "$file"; else echo "credentials not found in native keychain"; exit 1; fi ;;
        *)
            echo "unknown action $1" >&2; exit 2 ;;
        esac
        """#

    init(names: [String] = ["skifftest"]) throws {
        dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-credhelper-")
        try FileIO.makeDirectories(dir + "/bin")
        for name in names {
            try FileIO.create(bin + "/docker-credential-" + name, contents: Array(Self.script.utf8), mode: 0o755)
        }
    }

    func remove() { FileIO.removeTree(dir) }

    private func file(_ name: String, _ server: String) -> String {
        bin + "/docker-credential-\(name).d/"
            + server.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
    }

    /// Put a credential in helper `name` directly, as if another tool had stored it.
    func seed(_ name: String, server: String, username: String, secret: String) throws {
        try FileIO.makeDirectories(bin + "/docker-credential-\(name).d")
        let json = try JSONSerialization.data(withJSONObject: [
            "ServerURL": server, "Username": username, "Secret": secret,
        ])
        try FileIO.create(file(name, server), contents: Array(json) + [10], mode: 0o600)
    }

    /// What helper `name` keeps for `server` (the JSON `store` was given), nil when nothing.
    func stored(_ name: String, server: String) -> [String: String]? {
        guard let bytes = try? FileIO.read(file(name, server)) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
    }

    /// The calls helper `name` got, "ACTION SERVER" each.
    func calls(_ name: String) -> [String] {
        guard let text = try? FileIO.readString(bin + "/docker-credential-\(name).log") else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// A config.json with `json` in the temporary directory, read with the helpers on the search path.
    func store(config json: String, file: String = "config.json") throws -> CredentialStore {
        try FileIO.create(dir + "/" + file, contents: Array(json.utf8), mode: 0o600)
        return CredentialStore(path: dir + "/" + file, helperSearchPath: searchPath)
    }
}

@Suite("Docker credential helpers")
struct CredentialHelperTests {
    static func basic(_ user: String, _ pass: String) -> String { Data("\(user):\(pass)".utf8).base64EncodedString() }

    static func configJSON(_ store: CredentialStore) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store.path))) as? [String: Any]
            ?? [:]
    }

    @Test func storeGetEraseRoundTripThroughCredsStore() throws {
        let helpers = try FakeCredentialHelpers()
        defer { helpers.remove() }
        let store = try helpers.store(
            config: #"{"credsStore": "skifftest", "proxies": {"default": {"httpProxy": "http://p:3128"}}}"#)
        let credential = Credential(username: "alice", password: #"pa:ss "quoted" \ /slash"#)

        try store.save(credential, for: "registry.example:5000")
        #expect(
            helpers.stored("skifftest", server: "registry.example:5000")
                == ["ServerURL": "registry.example:5000", "Username": "alice", "Secret": credential.password])
        // Docker's way: the file gets an empty entry, never the password; other keys are kept.
        let json = try Self.configJSON(store)
        #expect((json["auths"] as? [String: [String: String]]) == ["registry.example:5000": [:]])
        #expect(json["credsStore"] as? String == "skifftest")
        #expect(json["proxies"] != nil)
        #expect(!(try String(contentsOfFile: store.path, encoding: .utf8)).contains("pa:ss"))

        #expect(try store.credential(for: "registry.example:5000") == credential)
        #expect(try store.credential(for: "https://registry.example:5000/v2/") == credential)
        #expect(try store.credential(for: "other.example") == nil)

        #expect(try store.remove(for: "registry.example:5000"))
        #expect(helpers.stored("skifftest", server: "registry.example:5000") == nil)
        #expect(try store.credential(for: "registry.example:5000") == nil)
        #expect((try Self.configJSON(store)["auths"] as? [String: Any])?.isEmpty == true)
        #expect(try !store.remove(for: "registry.example:5000"))

        #expect(
            helpers.calls("skifftest") == [
                "store registry.example:5000", "get registry.example:5000", "get registry.example:5000",
                "get other.example",
                "get registry.example:5000", "erase registry.example:5000", "get registry.example:5000",
                "get registry.example:5000",
            ])

        // Docker Hub is known to helpers by the URL docker login stores.
        try store.save(Credential(username: "bob", password: "hub"), for: "docker.io")
        #expect(helpers.stored("skifftest", server: "https://index.docker.io/v1/")?["Username"] == "bob")
        #expect(try store.credential(for: "docker.io") == Credential(username: "bob", password: "hub"))
    }

    @Test func credHelpersThenCredsStoreThenAuths() throws {
        let helpers = try FakeCredentialHelpers(names: ["skifftest", "skifftest-other"])
        defer { helpers.remove() }
        try helpers.seed("skifftest-other", server: "a.example", username: "from-credHelpers", secret: "1")
        try helpers.seed("skifftest", server: "a.example", username: "from-credsStore", secret: "2")
        try helpers.seed("skifftest", server: "b.example", username: "from-credsStore", secret: "3")
        let auths = """
            "auths": {"a.example": {"auth": "\(Self.basic("from-auths", "a"))"}, "b.example": {"auth": "\(Self.basic("from-auths", "b"))"},
                      "c.example": {"auth": "\(Self.basic("from-auths", "c"))"}, "e.example": {"auth": "\(Self.basic("from-auths", "e"))"}}
            """
        let store = try helpers.store(
            config: """
                {\(auths), "credHelpers": {"a.example": "skifftest-other", "https://c.example": ""}, "credsStore": "skifftest"}
                """)
        func helper(_ registry: String) throws -> String? {
            try store.configuredHelper(for: registry).map { "\($0.name) (\($0.key))" }
        }
        #expect(try helper("a.example") == "skifftest-other (credHelpers)")
        #expect(try helper("b.example") == "skifftest (credsStore)")
        #expect(try helper("c.example") == nil)
        #expect(try store.credential(for: "a.example") == Credential(username: "from-credHelpers", password: "1"))
        #expect(try store.credential(for: "b.example") == Credential(username: "from-credsStore", password: "3"))
        // A credHelpers entry of "" sends the registry back to the file (Docker's rule).
        #expect(try store.credential(for: "c.example") == Credential(username: "from-auths", password: "c"))
        // With a helper, its answer is the answer: "not found" is none, whatever auths holds.
        #expect(try store.credential(for: "e.example") == nil)
        #expect(helpers.calls("skifftest-other") == ["get a.example"])
        #expect(helpers.calls("skifftest") == ["get b.example", "get e.example"])

        // Without credsStore, registries not in credHelpers come from auths.
        let noDefault = try helpers.store(
            config: """
                {\(auths), "credHelpers": {"a.example": "skifftest-other"}}
                """, file: "other.json")
        #expect(try noDefault.credential(for: "a.example") == Credential(username: "from-credHelpers", password: "1"))
        #expect(try noDefault.credential(for: "b.example") == Credential(username: "from-auths", password: "b"))
        // And saving for such a registry writes the file, not a helper.
        try noDefault.save(Credential(username: "u", password: "p"), for: "b.example")
        #expect(
            (try Self.configJSON(noDefault)["auths"] as? [String: Any])?["b.example"] as? [String: String]
                == ["auth": Self.basic("u", "p")])
        #expect(helpers.stored("skifftest-other", server: "b.example") == nil)
    }

    @Test func aMissingHelperIsNamed() throws {
        let helpers = try FakeCredentialHelpers()
        defer { helpers.remove() }
        let byDefault = try helpers.store(config: #"{"credsStore": "skiff-no-such"}"#)
        for attempt in [
            { _ = try byDefault.credential(for: "x.example") },
            { try byDefault.save(Credential(username: "u", password: "p"), for: "x.example") },
            { _ = try byDefault.remove(for: "x.example") },
        ] as [() throws -> Void] {
            #expect {
                try attempt()
            } throws: { error in
                "\(error)"
                    == "credentials file \(byDefault.path): credential helper docker-credential-skiff-no-such not found on PATH (config.json credsStore)"
            }
        }
        #expect(try String(contentsOfFile: byDefault.path, encoding: .utf8) == #"{"credsStore": "skiff-no-such"}"#)

        let perRegistry = try helpers.store(
            config: #"{"credHelpers": {"x.example": "skiff-missing"}, "credsStore": "skifftest"}"#)
        #expect {
            try perRegistry.credential(for: "x.example")
        } throws: { error in
            "\(error)".hasSuffix(
                "credential helper docker-credential-skiff-missing not found on PATH (config.json credHelpers)")
        }
        #expect(try perRegistry.credential(for: "y.example") == nil)

        // Found on the search path only as an executable file.
        #expect(
            CredentialHelper.find("skifftest", searchPath: helpers.searchPath)?.program == helpers.bin
                + "/docker-credential-skifftest")
        #expect(CredentialHelper.find("skifftest", searchPath: "/nonexistent") == nil)
        #expect(CredentialHelper.find("../bin/docker-credential-skifftest", searchPath: helpers.bin) == nil)
        try FileIO.create(
            helpers.bin + "/docker-credential-notexec", contents: Array(FakeCredentialHelpers.script.utf8), mode: 0o644)
        #expect(CredentialHelper.find("notexec", searchPath: helpers.bin) == nil)
    }

    @Test func helperAnswersNotFoundFailureAndIdentityToken() throws {
        let helpers = try FakeCredentialHelpers()
        defer { helpers.remove() }
        let helper = try #require(CredentialHelper.find("skifftest", searchPath: helpers.searchPath))
        // "credentials not found in native keychain" with a non-zero exit is no credential, not an error.
        #expect(try helper.get("nothing.example") == nil)
        #expect {
            try helper.erase("nothing.example")
        } throws: { error in
            "\(error)"
                == "docker-credential-skifftest erase failed (exit status 1): credentials not found in native keychain"
        }
        try helper.store("s.example", username: "u", secret: "s")
        let got = try #require(try helper.get("s.example"))
        #expect(got.username == "u" && got.secret == "s")

        // Much output on both streams before stdin is read, or stdin never read: no deadlock, no SIGPIPE.
        for (name, tail) in [("skifftest-noisy", "cat > /dev/null\nexit 5"), ("skifftest-deaf", "exit 6")] {
            let script =
                "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' e >&2\nhead -c 300000 /dev/zero | tr '\\0' o\n\(tail)\n"
            try FileIO.create(helpers.bin + "/docker-credential-" + name, contents: Array(script.utf8), mode: 0o755)
            let loud = try #require(CredentialHelper.find(name, searchPath: helpers.bin))
            #expect {
                try loud.store("big.example", username: "u", secret: String(repeating: "s", count: 1 << 20))
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix(
                    "docker-credential-\(name) store failed (exit status \(name.hasSuffix("noisy") ? 5 : 6)): ooo")
                    && text.hasSuffix("eee") && text.count > 600_000
            }
        }

        // A failing helper's stderr is shown.
        let store = try helpers.store(config: #"{"credsStore": "skifftest"}"#)
        #expect {
            try store.credential(for: "fail.example")
        } throws: { error in
            "\(error)"
                == "credentials file \(store.path): docker-credential-skifftest get failed (exit status 3): the keychain is locked"
        }

        // An identity token (user <token>) is never taken for a password.
        try helpers.seed("skifftest", server: "token.example", username: "<token>", secret: "refresh-me")
        #expect(
            try store.credential(for: "token.example")
                == Credential(username: "", password: "", identityToken: "refresh-me"))
    }
}
