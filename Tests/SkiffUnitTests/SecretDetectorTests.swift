import Foundation
import SkiffKit
import Testing

/// The ten detectors of Docker Compose's default secret scanner that recognise a value by more than
/// its own token shape, each found and each passed over, and how files reach the detectors: by
/// extension as JSON, YAML or INI data, else plain text where a value is found alone or after `key:`.
@Suite("compose publish secret detectors")
struct SecretDetectorTests {
    func types(_ pairs: [(key: String, value: String)]) -> [String] {
        SecretDetector.scan(pairs).map { "\($0.key) \($0.type)" }
    }

    @Test func artifactoryTokensButNotTheRetiredEncryptedPasswordShape() {
        #expect(types([("ARTIFACTORY", "AKCp8skiffTest1234")]) == ["ARTIFACTORY JFrog Artifactory credentials"])
        #expect(types([("ARTIFACTORY", "AKCshort"), ("OLD", "AP6abcdef1234")]).isEmpty)
    }

    @Test func mwsKeysWithLowercaseHexGroups() {
        #expect(
            types([("MWS", "amzn.mws.1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d")])
                == ["MWS Amazon Marketplace Web Service (MWS) Key"])
        #expect(types([("MWS", "amzn.mws.1A2B3C4D-5E6F-7A8B-9C0D-1E2F3A4B5C6D")]).isEmpty)
    }

    @Test func azureKeysOnlyUnderAnAccountKeyName() {
        let key = String(repeating: "A", count: 86) + "=="
        #expect(types([("storage.AccountKey", key)]) == ["storage.AccountKey Azure Storage Account access key"])
        #expect(types([("storage.blob", key)]).isEmpty)
    }

    @Test func basicAuthWhoseParameterDecodesToUserColonPassword() {
        #expect(types([("AUTH", "Basic c2tpZmY6aHVudGVyMg==")]) == ["AUTH HTTP Basic Authentication"])
        #expect(types([("AUTH", "Basic bm9jb2xvbg==")]).isEmpty)
    }

    @Test func bearerAuthWhoseParameterDecodesToIdColonSecret() {
        #expect(
            types([("H", "Authorization: Bearer c3ZjLWlkOnMzY3IzdC12YWx1ZQ==")]) == ["H HTTP Bearer Authentication"])
        #expect(types([("H", "Authorization: Bearer abc.def.ghi")]).isEmpty)
    }

    @Test func keywordNamesWithAValueOfEntropyFourOrMore() {
        let found = types([
            ("services.db.environment.POSTGRES_PASSWORD", "Tq8#vL2!mZ6$wR4x"),
            ("services.db.environment.API_KEY", "Tq8vL2mZ6wR4xKp9"),
            ("services.db.environment.USER", "Tq8vL2mZ6wR4xKp9"),
        ])
        #expect(
            found == [
                "services.db.environment.POSTGRES_PASSWORD Keyword Detector",
                "services.db.environment.API_KEY Keyword Detector",
            ])
        #expect(
            types([
                ("services.db.environment.POSTGRES_PASSWORD", "example"),
                ("services.db.environment.DB_PASS", "${DB_PASSWORD_FROM_THE_ENVIRONMENT}"),
            ]).isEmpty)
    }

    @Test func mailchimpSquareAndTwilio() {
        let hex = "0123456789abcdef0123456789abcdef"
        #expect(
            types([
                ("MC", hex + "-us12"), ("SQ", "sq0atp-" + String(repeating: "Ab1", count: 7) + "x"),
                ("TW", "AC" + hex),
            ]) == ["MC Mailchimp API Key", "SQ Square authentication", "TW Twilio authentication"])
        #expect(
            types([
                ("MC", hex + "-us123"), ("SQ", "sq0atp-" + String(repeating: "Ab1", count: 7)),
                ("TW", "AC" + hex.dropLast()),
            ]).isEmpty)
    }

    @Test func highEntropyStringsAboveFiveBitsButNotHexOrNumbers() {
        #expect(types([("X", "Zx9Qw2Er7Ty4Ui1Op3As6Df8Gh0Jk5LzXcVbNm+/")]) == ["X High entropy string"])
        #expect(types([("X", "0123456789abcdef0123456789abcdef01234567"), ("N", "12345678901234567890")]).isEmpty)
    }

    /// Plain text: a value alone is reported without a key, `key=value` with its key (the keyword
    /// value's greedy `.+` keeps a closing quote, as the library's does); a single line stops at the
    /// first detector.
    @Test func plainTextFindsValuesAloneOrAfterAKey() {
        #expect(
            SecretDetector.scan(text: "AKCp8skiffTest1234\n")
                == [.init(type: "JFrog Artifactory credentials", key: "", value: "AKCp8skiffTest1234")])
        #expect(
            SecretDetector.scan(text: "export POSTGRES_PASSWORD=\"Tq8#vL2!mZ6$wR4x\"")
                == [.init(type: "Keyword Detector", key: "POSTGRES_PASSWORD", value: "Tq8#vL2!mZ6$wR4x\"")])
        #expect(SecretDetector.scan(text: "POSTGRES_PASSWORD=example").isEmpty)
        #expect(
            SecretDetector.scan(text: "curl -H 'Authorization: Basic c2tpZmY6aHVudGVyMg==' http://x\nnext line")
                .map(\.type) == ["HTTP Basic Authentication"])
    }

    /// A file by its extension: `.env` as INI (inline comments cut, quotes dropped), one key alone is
    /// plain text, `.yaml` only as a mapping, an unknown extension the first reader that takes it.
    @Test func filesAreReadAsTheLibraryReadsThemByExtension() {
        let env = "HOST=db\nAPI_TOKEN=Tq8vL2mZ6wR4xKp9 # rotated monthly\nQUOTED='AKCp8skiffTest1234'\n"
        #expect(
            ComposeSensitiveData.scan(fileText: env, path: "/p/app.env") == [
                .init(type: "JFrog Artifactory credentials", key: "QUOTED", value: "AKCp8skiffTest1234"),
                .init(type: "Keyword Detector", key: "API_TOKEN", value: "Tq8vL2mZ6wR4xKp9"),
            ])
        #expect(
            ComposeSensitiveData.scan(fileText: "[db]\npassword = Tq8vL2mZ6wR4xKp9\nhost = x\n", path: "/p/my.cnf")
                .map(\.key) == ["db.password"])
        #expect(
            ComposeSensitiveData.scan(fileText: "API_TOKEN=Tq8vL2mZ6wR4xKp9 # rotated\n", path: "/p/.env")
                == [.init(type: "Keyword Detector", key: "API_TOKEN", value: "Tq8vL2mZ6wR4xKp9 # rotated")])
        #expect(
            ComposeSensitiveData.scan(fileText: "- AKCp8skiffTest1234\n", path: "/p/list.yaml")
                == [.init(type: "JFrog Artifactory credentials", key: "", value: "AKCp8skiffTest1234")])
        #expect(
            ComposeSensitiveData.scan(fileText: "{\"auth\": {\"token\": \"Tq8vL2mZ6wR4xKp9\"}}", path: "/p/secret")
                .map(\.key) == ["auth.token"])
    }

    /// The talk's compose file: `POSTGRES_PASSWORD: example` is not reported by Docker Compose (its
    /// entropy is 2.5 bits, under the keyword detector's 4); a random password is.
    @Test func theTalksComposeFileReportsOnlyAStrongPassword() throws {
        let dir = NSTemporaryDirectory() + "secret-detector-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func scan(_ yaml: String) throws -> [SecretDetector.Finding] {
            try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
            var o = ComposeLoadOptions(workingDirectory: dir, environment: [:])
            o.files = [dir + "/compose.yaml"]
            return try ComposeSensitiveData.scan(try ComposeLoader.load(o))
        }
        let talk = "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: example\n"
        #expect(try scan(talk).isEmpty)
        let strong = try scan(talk.replacingOccurrences(of: "example", with: "'Tq8#vL2!mZ6%wR4x'"))
        #expect(
            ComposeSensitiveData.question(strong)
                == "you are about to publish sensitive data within your OCI artifact.\n"
                + "please double check that you are not leaking sensitive data\nKeyword Detector\n"
                + "\"services.db.environment.POSTGRES_PASSWORD\": Tq8#vL2!mZ6%wR4x\n"
                + "Are you ok to publish these sensitive data?")
    }

    /// The compose file as Compose writes its model back before scanning: a command string as words,
    /// a label list as a mapping, a secret's file as an absolute path (which the keyword detector
    /// reports under `secrets.NAME.file` when the path is varied enough).
    @Test func composeFilesAreScannedInComposesOwnShapes() throws {
        let dir = NSTemporaryDirectory() + "secret-detector-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "hunter2\n".write(toFile: dir + "/db_password.txt", atomically: true, encoding: .utf8)
        let yaml = """
            services:
              api:
                image: busybox
                command: 'curl -H "Authorization: Bearer c3ZjLWlkOnMzY3IzdC12YWx1ZQ==" http://api'
                labels: ["com.example.api-token=Tq8vL2mZ6wR4xKp9"]
                secrets: [db_password]
            secrets:
              db_password:
                file: ./db_password.txt

            """
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        var o = ComposeLoadOptions(workingDirectory: dir, environment: [:])
        o.files = [dir + "/compose.yaml"]
        let found = try ComposeSensitiveData.scan(try ComposeLoader.load(o))
        #expect(
            found.map { "\($0.key) \($0.type)" } == [
                "services.api.command[2] HTTP Bearer Authentication",
                "services.api.labels.com.example.api-token Keyword Detector",
                "secrets.db_password.file Keyword Detector",
            ])
        #expect(found.last?.value == URL(fileURLWithPath: dir + "/db_password.txt").standardized.path)
    }
}
