import Foundation
import SkiffImage
import SkiffKit
import Testing

/// `compose publish`'s artifact (Docker Compose's format: an OCI image manifest of compose-file layers)
/// and its checks, and `-f oci://…` loading the files it holds, without a registry.
@Suite("compose publish artifact")
struct ComposePublishArtifactTests {
    static let emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func oci11ManifestHasTheArtifactTypeTheEmptyConfigAndOneLayerPerFile() throws {
        let a = Array("services:\n  a:\n    image: busybox\n".utf8)
        let b = Array("services:\n  a:\n    command: [true]\n".utf8)
        let plan = ComposeArtifact.plan(
            layers: [
                .init(kind: .composeFile, name: "/x/compose.yaml", content: a),
                .init(kind: .composeFile, name: "override.yaml", content: b),
            ], ociVersion: .v1_1, version: "v9.9", created: "2026-01-01T00:00:00Z")
        let m = try json(plan.manifest)
        #expect(m["schemaVersion"] as? Int == 2)
        #expect(m["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(m["artifactType"] as? String == "application/vnd.docker.compose.project")
        let config = try #require(m["config"] as? [String: Any])
        #expect(config["mediaType"] as? String == "application/vnd.oci.empty.v1+json")
        #expect(config["digest"] as? String == Self.emptyDigest)
        #expect(config["size"] as? Int == 2)
        #expect(config["data"] as? String == "e30=")
        let layers = try #require(m["layers"] as? [[String: Any]])
        #expect(layers.count == 2)
        for (layer, (content, name)) in zip(layers, [(a, "compose.yaml"), (b, "override.yaml")]) {
            #expect(layer["mediaType"] as? String == "application/vnd.docker.compose.file+yaml")
            #expect(layer["digest"] as? String == Digest.of(content).description)
            #expect(layer["size"] as? Int == content.count)
            #expect(
                layer["annotations"] as? [String: String]
                    == ["com.docker.compose.file": name, "com.docker.compose.version": "v9.9"])
        }
        #expect(
            (m["annotations"] as? [String: String]) == ["org.opencontainers.image.created": "2026-01-01T00:00:00Z"])
        #expect(
            plan.blobs.map(\.digest.description) == [
                Self.emptyDigest, Digest.of(a).description, Digest.of(b).description,
            ])
        #expect(plan.blobs[0].bytes == Array("{}".utf8))
    }

    @Test func oci10ManifestMarksTheProjectByItsConfigMediaType() throws {
        let plan = ComposeArtifact.plan(
            layers: [.init(kind: .envFile, name: "app.env", content: Array("A=1\n".utf8))], ociVersion: .v1_0,
            version: "v1", created: "t")
        let m = try json(plan.manifest)
        #expect(m["artifactType"] == nil)
        let config = try #require(m["config"] as? [String: Any])
        #expect(config["mediaType"] as? String == "application/vnd.docker.compose.config.empty.v1+json")
        #expect(config["digest"] as? String == Self.emptyDigest)
        let layer = try #require((m["layers"] as? [[String: Any]])?.first)
        #expect(layer["mediaType"] as? String == "application/vnd.docker.compose.envfile")
        #expect((layer["annotations"] as? [String: String])?["com.docker.compose.envfile"] == "app.env")
    }

    @Test func readingBackAcceptsBothVersionsAndRefusesAnImage() throws {
        let layer = ComposeArtifact.Layer(
            kind: .composeFile, name: "compose.yaml", content: Array("services: {}\n".utf8))
        for v in ComposeArtifact.OCIVersion.allCases {
            let plan = ComposeArtifact.plan(layers: [layer], ociVersion: v, version: "v1", created: "t")
            #expect(try ComposeArtifact.parse(plan.manifest, reference: "oci://r/p").layers.count == 1)
        }
        let image = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Self.emptyDigest)","size":2},
             "layers":[]}
            """
        #expect {
            try ComposeArtifact.parse(Array(image.utf8), reference: "oci://r/busybox")
        } throws: { error in
            "\(error)".contains(
                "oci://r/busybox is not a compose project OCI artifact, but application/vnd.oci.image.config.v1+json")
        }
        #expect(throws: ComposeError.self) { try ComposeArtifact.parse(Array("[]".utf8), reference: "oci://r/p") }
    }

    @Test func ociFilesLoadInLayerOrderWithTheCurrentDirectoryAsProjectDirectory() throws {
        let cwd = NSTemporaryDirectory() + "compose-oci-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: cwd) }
        var o = ComposeLoadOptions(workingDirectory: cwd, environment: [:])
        o.files = ["oci://registry.test/team/app:1"]
        o.fetchRemote = { (location: String) throws(ComposeError) in
            #expect(location == "oci://registry.test/team/app:1")
            return [
                .init(
                    name: "compose.yaml", kind: .composeFile,
                    text: "name: remote\nservices:\n  web:\n    image: busybox\n    command: [a]\n"),
                .init(name: "x.env", kind: .envFile, text: "A=1\n"),
                .init(
                    name: "../../escape.yaml", kind: .composeFile,
                    text:
                        "services:\n  base:\n    image: busybox\n    volumes: [\"./data:/data\"]\n  web:\n    extends: base\n    command: [b]\n"
                ),
            ]
        }
        let project = try ComposeLoader.load(o)
        #expect(project.name == "remote")
        #expect(project.service("web")?.command == ["b"])
        #expect(project.service("web")?.volumes.first?.source == cwd + "/data")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd).isEmpty, "nothing is written")
    }

    func load(_ yaml: String) throws -> ComposeProject {
        var o = ComposeLoadOptions(workingDirectory: "/nonexistent-dir", environment: [:])
        o.files = ["oci://r/p"]
        o.fetchRemote = { (_: String) throws(ComposeError) in
            [.init(name: "compose.yaml", kind: .composeFile, text: yaml)]
        }
        return try ComposeLoader.load(o)
    }

    @Test func publishRefusesBuildOnlyServicesAndEnvironmentWithoutWithEnv() throws {
        let build = try load("services:\n  a:\n    build: .\n")
        #expect {
            try ComposePublishChecks.check(build, withEnvironment: true)
        } throws: { "\($0)".contains("only contains a build section for service(s):\n- \"a\"") }

        let env = try load("services:\n  a:\n    image: busybox\n    environment: [SECRET=x]\n")
        #expect {
            try ComposePublishChecks.check(env, withEnvironment: false)
        } throws: {
            "\($0)".contains("service \"a\" has environment variable(s) declared.") && "\($0)".contains("--with-env")
        }
        #expect(try ComposePublishChecks.check(env, withEnvironment: true).environment == ["a: SECRET=x"])

        let bind = try load(
            "services:\n  a:\n    image: busybox\n    volumes: [\"/etc:/host-etc:ro\", \"v:/v\"]\nvolumes:\n  v: {}\n")
        #expect(try ComposePublishChecks.check(bind, withEnvironment: false).bindMounts == ["a: /etc:/host-etc:ro"])
        #expect(
            try ComposePublishChecks.check(try load("services:\n  a:\n    image: busybox\n"), withEnvironment: false)
                == ComposePublishChecks())
    }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "compose-pub-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// The layers Docker Compose makes: env_file and local extends.file renamed to the SHA-256 of their
    /// path, the extended file (recursively) as an `extends` layer, env files (of extended files too)
    /// as env-file layers; read back, they resolve from the artifact alone, nothing read from or written
    /// to the directory the project is loaded in.
    @Test func publishedLayersNameFilesByTheirPathsHashAndLoadBackFromMemory() throws {
        let src = try tempDir()
        let cwd = try tempDir()
        defer {
            try? FileManager.default.removeItem(atPath: src)
            try? FileManager.default.removeItem(atPath: cwd)
        }
        try FileManager.default.createDirectory(atPath: src + "/lib", withIntermediateDirectories: true)
        let compose = """
            services:
              web:
                image: busybox
                env_file:
                  - ${ENVNAME}.env
                  - path: missing.env
                    required: false
                extends: {file: lib/a.yaml, service: a}
                command: ["sh", "-c", "echo $$HOME ${ENVNAME:-none} 'q' \\"d\\""]
                labels: {"x.y": "on", n: "1"}
            """
        try compose.write(toFile: src + "/compose.yaml", atomically: true, encoding: .utf8)
        try "services:\n  a:\n    extends: {file: b.yaml, service: b}\n    environment: [FROM_A=a]\n".write(
            toFile: src + "/lib/a.yaml", atomically: true, encoding: .utf8)
        try "services:\n  b:\n    image: busybox\n    env_file: b.env\n".write(
            toFile: src + "/lib/b.yaml", atomically: true, encoding: .utf8)
        try "SECRET=from-web-env\n".write(toFile: src + "/web.env", atomically: true, encoding: .utf8)
        try "B=from-b-env\n".write(toFile: src + "/lib/b.env", atomically: true, encoding: .utf8)

        let h = { (path: String, ext: String) in ComposePublishLayers.name(of: path, ext: ext) }
        #expect(h("/x", ".env") == Digest.of(Array("/x".utf8)).description.dropFirst(7) + ".env")
        let layers = try ComposePublishLayers(variables: ["ENVNAME": "web"], projectDirectory: src).layers(
            files: [src + "/compose.yaml"], withEnvironment: true)
        #expect(layers.map(\.kind) == [.composeFile, .extendsFile, .extendsFile, .envFile, .envFile])
        #expect(
            layers.map(\.name) == [
                "compose.yaml", h(src + "/lib/a.yaml", ".yaml"), h(src + "/lib/b.yaml", ".yaml"),
                h(src + "/lib/b.env", ".env"), h(src + "/web.env", ".env"),
            ])
        let first = String(decoding: layers[0].content, as: UTF8.self)
        #expect(first.contains(h(src + "/web.env", ".env")) && first.contains(h(src + "/missing.env", ".env")))
        #expect(first.contains(h(src + "/lib/a.yaml", ".yaml")) && !first.contains("lib/a.yaml"))
        #expect(String(decoding: layers[2].content, as: UTF8.self).contains(h(src + "/lib/b.env", ".env")))
        #expect(String(decoding: layers[4].content, as: UTF8.self) == "SECRET=from-web-env\n")
        // A file with nothing to rename is published byte for byte.
        let plain = "# comment kept\nservices:\n  p: {image: busybox}   # here too\n"
        try plain.write(toFile: src + "/plain.yaml", atomically: true, encoding: .utf8)
        #expect(
            try ComposePublishLayers(variables: [:], projectDirectory: src).layers(
                files: [src + "/plain.yaml"], withEnvironment: true) == [
                    .init(kind: .composeFile, name: "plain.yaml", content: Array(plain.utf8))
                ])

        // Read back through the manifest, as `-f oci://` does.
        let plan = ComposeArtifact.plan(layers: layers, ociVersion: .v1_1, version: "v1", created: "t")
        let manifest = try ComposeArtifact.parse(plan.manifest, reference: "oci://r/p:1")
        let files = try manifest.layers.enumerated().map { i, d in
            try ComposeRemote.file(d, text: String(decoding: layers[i].content, as: UTF8.self), location: "oci://r/p:1")
        }
        var o = ComposeLoadOptions(workingDirectory: cwd, environment: ["ENVNAME": "web"])
        o.files = ["oci://r/p:1"]
        o.fetchRemote = { (_: String) throws(ComposeError) in files }
        let project = try ComposeLoader.load(o)
        #expect(project.services.map(\.name) == ["web"], "extended files are not project files")
        let web = try #require(project.service("web")).withEnvironmentResolved(variables: [:])
        var local = ComposeLoadOptions(workingDirectory: src, environment: ["ENVNAME": "web"])
        local.files = [src + "/compose.yaml"]
        let expected = try #require(try ComposeLoader.load(local).service("web")).withEnvironmentResolved(variables: [:]
        )
        #expect(web.environment.contains(ComposeEnvVar("SECRET", "from-web-env")))
        #expect(web.environment == expected.environment && !web.environment.isEmpty)
        // What was re-emitted means what was written.
        #expect(web.command == expected.command && web.command?.last == "echo $HOME web 'q' \"d\"")
        #expect(web.labels == expected.labels)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd).isEmpty, "nothing is written")
    }

    /// Attack: an `extends.file` in an artifact names one of its layers, never a file on disk, even
    /// one that exists; a layer name with a directory in it is refused.
    @Test func artifactExtendsNeverReachTheDiskAndLayerNamesArePlain() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "services:\n  base:\n    image: busybox\n    privileged: true\n".write(
            toFile: dir + "/host.yaml", atomically: true, encoding: .utf8)
        for named in [dir + "/host.yaml", "../../" + dir + "/host.yaml", "host.yaml"] {
            var o = ComposeLoadOptions(workingDirectory: dir, environment: [:])
            o.files = ["oci://r/p:1"]
            o.fetchRemote = { (_: String) throws(ComposeError) in
                [
                    .init(
                        name: "compose.yaml", kind: .composeFile,
                        text: "services:\n  web:\n    extends: {file: \"\(named)\", service: base}\n")
                ]
            }
            #expect { try ComposeLoader.load(o) } throws: {
                "\($0)".contains("the OCI artifact holds no extended file")
            }
        }
        for (kind, name) in [
            ("com.docker.compose.envfile", "../../x"), ("com.docker.compose.envfile", "/etc/passwd"),
            ("com.docker.compose.file", "a/b"), ("com.docker.compose.file", ".."),
            ("com.docker.compose.envfile", "a\\b"),
        ] {
            var d = ComposeArtifact.descriptor(
                .init(kind: kind.hasSuffix("envfile") ? .envFile : .extendsFile, name: "x", content: []), version: "v1")
            d.annotations?[kind] = name
            #expect { try ComposeRemote.file(d, text: "{}", location: "oci://r/p") } throws: {
                "\($0)".contains("invalid OCI artifact")
            }
        }
    }

    @Test func secretDetectorsFindComposesCategoriesAndLeaveOrdinaryValues() throws {
        let found = SecretDetector.scan([
            ("services.a.environment.ID", "A3TX1234567890ABCDEF"),
            ("services.a.environment.KEY", "aws\"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+\""),
            ("GITHUB_TOKEN", "ghp_1234567890abcdefghijklmnopqrstuvwxyz"),
            ("services.a.image", "busybox"), ("services.a.environment.SHORT", "AKIA123"),
            ("JWT_LIKE", "eyJub3Q.eyJqc29u.x"),
        ])
        #expect(found.map(\.type) == ["AWS Client ID", "AWS Secret Key", "Github authentication"])
        #expect(found.map(\.key) == ["services.a.environment.ID", "services.a.environment.KEY", "GITHUB_TOKEN"])
        let jwt =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        #expect(SecretDetector.scan(text: jwt + "\n") == [.init(type: "JSON Web Token", key: "", value: jwt)])
        let pem = "-----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----"
        #expect(
            SecretDetector.scan(text: pem) == [
                .init(type: "Private Key", key: "", value: "-----BEGIN DSA PRIVATE KEY-----")
            ])
        #expect(SecretDetector.scan(text: "just some notes\nnothing secret here\n").isEmpty)
        let more = SecretDetector.scan([
            ("DB", "postgres://app:hunter2@db:5432/app"), ("DB_VAR", "postgres://app:${PASSWORD}@db/app"),
            ("STRIPE", "sk_live_0123456789abcdefABCDEFGH"), ("PLAIN_URL", "https://example.com/x"),
            ("HOOK", "https://hooks.slack.com/services/T0001/B0002/abcdefXYZ"),
            ("NPM", "npm_0123456789abcdefghijABCDEFGHIJ012345"),
        ])
        #expect(
            more.map { "\($0.key) \($0.type)" } == [
                "NPM npm auth token", "HOOK Slack token", "STRIPE Stripe API key", "DB URL with password",
            ])
        let q = ComposeSensitiveData.question(found.prefix(1).map { $0 })
        #expect(
            q == "you are about to publish sensitive data within your OCI artifact.\n"
                + "please double check that you are not leaking sensitive data\nAWS Client ID\n"
                + "\"services.a.environment.ID\": A3TX1234567890ABCDEF\nAre you ok to publish these sensitive data?")
    }

    /// `include: [oci://…]`: the artifact's files, the files they extend and their env files are read
    /// from memory, as a `-f oci://` file is; an artifact that includes itself is a cycle.
    @Test func ociIncludesReadTheArtifactFromMemory() throws {
        let cwd = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: cwd) }
        try "include: [\"oci://r/lib:1\"]\nservices:\n  web: {image: busybox}\n".write(
            toFile: cwd + "/compose.yaml", atomically: true, encoding: .utf8)
        var o = ComposeLoadOptions(workingDirectory: cwd, environment: [:])
        o.files = [cwd + "/compose.yaml"]
        o.fetchRemote = { (location: String) throws(ComposeError) in
            switch location {
            case "oci://r/lib:1":
                return [
                    .init(
                        name: "compose.yaml", kind: .composeFile,
                        text: "services:\n  db:\n    extends: {file: b.yaml, service: base}\n    env_file: x.env\n"),
                    .init(name: "b.yaml", kind: .extendsFile, text: "services:\n  base: {image: busybox}\n"),
                    .init(name: "x.env", kind: .envFile, text: "DBV=from-the-artifact\n"),
                ]
            default:
                return [.init(name: "compose.yaml", kind: .composeFile, text: "include: [\"oci://r/self:1\"]\n")]
            }
        }
        let project = try ComposeLoader.load(o)
        #expect(project.services.map(\.name).sorted() == ["db", "web"])
        let db = try #require(project.service("db")).withEnvironmentResolved(variables: [:])
        #expect(db.image == "busybox" && db.environment == [ComposeEnvVar("DBV", "from-the-artifact")])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd) == ["compose.yaml"], "nothing is written")

        try "include: [\"oci://r/self:1\"]\n".write(toFile: cwd + "/compose.yaml", atomically: true, encoding: .utf8)
        #expect { try ComposeLoader.load(o) } throws: { "\($0)".contains("include cycle") }
    }
}
