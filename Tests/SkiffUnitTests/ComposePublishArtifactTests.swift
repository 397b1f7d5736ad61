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
}
