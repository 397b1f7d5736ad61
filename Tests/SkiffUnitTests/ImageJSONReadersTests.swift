import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

/// The image store reads images.json, manifests and configs with `JSONView` first (`ImageJSONReaders.swift`).
/// `JSONDecoder` is the oracle: each reader gives exactly the value it decodes, on documents that set
/// every field (checked by reflection, so a field added to an image type fails here until it is read),
/// on Docker's own JSON, and on sparse ones; and where the reader declines, `JSON.decode` falls back to
/// Codable, so the value or the error is Codable's.
@Suite("Image JSON readers")
struct ImageJSONReadersTests {
    static func decoded<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func encoded<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static let digestA = "sha256:" + String(repeating: "a", count: 64)
    static let digestB = "sha256:" + String(repeating: "b", count: 64)

    static var fullConfig: ImageConfig {
        var container = ContainerConfig()
        container.User = "app:app"
        container.ExposedPorts = ["80/tcp": EmptyObject(), "53/udp": EmptyObject()]
        container.Env = ["PATH=/usr/bin", "A=b=c"]
        container.Entrypoint = ["/entry", "--flag"]
        container.Cmd = ["serve"]
        container.Volumes = ["/data": EmptyObject()]
        container.WorkingDir = "/code"
        container.Labels = ["org.opencontainers.image.title": "t", "é": "\u{1F600}"]
        container.StopSignal = "SIGQUIT"
        var health = HealthConfig(
            Test: ["CMD-SHELL", "true"], Interval: 30_000_000_000, Timeout: -1, StartPeriod: 0, Retries: 3)
        health.StartInterval = 5_000_000_000
        container.Healthcheck = health
        container.OnBuild = ["RUN true"]
        container.Shell = ["/bin/sh", "-c"]
        container.ArgsEscaped = true
        var config = ImageConfig(
            created: "2026-12-07T00:00:00Z", author: "me", architecture: "arm64", os: "linux", config: container,
            rootfs: RootFS(diffIDs: [digestA, digestB]),
            history: [
                History(created: "2026-12-07T00:00:00Z", createdBy: "/bin/sh -c #(nop) ADD", comment: "c"),
                History(createdBy: "ENV A=b", emptyLayer: true),
            ])
        config.variant = "v8"
        config.history![0].author = "someone"
        return config
    }

    static var fullManifest: Manifest {
        var platform = Platform(architecture: "arm", os: "linux", variant: "v7")
        platform.osVersion = "10.0"
        platform.osFeatures = ["sse4"]
        var layer = Descriptor(
            mediaType: MediaType.ociLayerGzip, digest: digestB, size: 1 << 40, annotations: ["k": "v"],
            platform: platform)
        layer.urls = ["https://example.com/blob"]
        var config = layer
        config.mediaType = MediaType.ociConfig
        config.digest = digestA
        var manifest = Manifest(
            mediaType: MediaType.dockerManifest, config: config,
            layers: [layer, Descriptor(mediaType: MediaType.ociLayer, digest: digestA, size: 0)],
            annotations: ["a": "b"])
        manifest.schemaVersion = 2
        return manifest
    }

    @Test func everyConfigFieldIsReadAsJSONDecoderReadsIt() throws {
        let config = Self.fullConfig
        // `rootfs.type` and `history[].emptyLayer` are set by the initialisers; the rest by the fixture.
        #expect(SpecJSONOutputTests.unset(in: config) == [])
        let bytes = try Self.encoded(config)
        let read = try #require(ImageConfig(json: bytes))
        #expect(read == config)
        #expect(read == (try JSONDecoder().decode(ImageConfig.self, from: Data(bytes))))
    }

    @Test func everyManifestFieldIsReadAsJSONDecoderReadsIt() throws {
        let manifest = Self.fullManifest
        #expect(SpecJSONOutputTests.unset(in: manifest) == [])
        let bytes = try Self.encoded(manifest)
        let read = try #require(Manifest(json: bytes))
        #expect(read == manifest)
        #expect(read == (try JSONDecoder().decode(Manifest.self, from: Data(bytes))))
    }

    @Test func everyIndexFileFieldIsRead() throws {
        var file = ImageStore.IndexFile()
        file.references = ["busybox:latest": try Digest(Self.digestA), "app:1": try Digest(Self.digestB)]
        file.platformPulls = ["busybox:latest linux/arm64": try Digest(Self.digestB)]
        file.indexes = ["multi:1": try Digest(Self.digestA)]
        file.untagged = [try Digest(Self.digestB), try Digest(Self.digestA)]
        file.parents = [Self.digestA: try Digest(Self.digestB)]
        #expect(SpecJSONOutputTests.unset(in: file) == [])
        let bytes = try Self.encoded(file)
        let read = try #require(ImageStore.IndexFile(json: bytes))
        let decoded = try JSONDecoder().decode(ImageStore.IndexFile.self, from: Data(bytes))
        #expect(read.references == decoded.references)
        #expect(read.platformPulls == decoded.platformPulls)
        #expect(read.indexes == decoded.indexes)
        #expect(read.untagged == decoded.untagged)
        #expect(read.parents == decoded.parents)
        #expect(read.references == file.references && read.untagged == file.untagged)
    }

    /// Docker's own JSON: its nulls, its empty objects, unknown keys (container_config, docker_version),
    /// escapes, and keys in its order rather than sorted.
    @Test func dockersConfigAndManifestReadAsDecoded() throws {
        let config = #"""
            {"architecture":"amd64","config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,
            "ExposedPorts":{"8000/tcp":{}},"Tty":false,"Env":["PATH=/usr/local/bin:/usr/bin","LANG=C.UTF-8",
            "Q=\"quoted\" \\ \u00e9 \ud83d\ude00"],"Cmd":["python3"],"Image":"sha256:00","Volumes":null,
            "WorkingDir":"/code","Entrypoint":null,"OnBuild":null,"Labels":{"a":"1"},"Healthcheck":{"Test":["NONE"]}},
            "container":"abc","container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD"]},"created":"2024-01-01T00:00:00.123456789Z",
            "docker_version":"20.10.7","history":[{"created":"2024-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) ADD file:x in / "},
            {"created":"2024-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}],
            "os":"linux","rootfs":{"type":"layers","diff_ids":["\#(Self.digestA)"]}}
            """#
        let read = try #require(ImageConfig(json: Array(config.utf8)))
        #expect(read == (try Self.decoded(ImageConfig.self, config)))
        #expect(read.config?.Env?.last == "Q=\"quoted\" \\ é \u{1F600}")

        let manifest = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1457, "digest": "\(Self.digestA)"},
               "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 772788, "digest": "\(Self.digestB)"}]
            }
            """
        let readManifest = try #require(Manifest(json: Array(manifest.utf8)))
        #expect(readManifest == (try Self.decoded(Manifest.self, manifest)))
        #expect(readManifest.annotations == nil && readManifest.layers[0].platform == nil)
    }

    @Test func sparseDocumentsReadAsDecoded() throws {
        let config = #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
        #expect(ImageConfig(json: Array(config.utf8)) == (try Self.decoded(ImageConfig.self, config)))
        let withEmpty =
            #"{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#
        #expect(ImageConfig(json: Array(withEmpty.utf8)) == (try Self.decoded(ImageConfig.self, withEmpty)))
        let index = #"{"references":{}}"#
        #expect(ImageStore.IndexFile(json: Array(index.utf8))?.references == [:])
        #expect(ImageStore.IndexFile(json: Array(index.utf8))?.untagged == nil)
    }

    /// Two label keys Swift takes as equal (the Kelvin sign and "K"): the first is kept, as Codable keeps it.
    @Test func canonicallyEqualKeysKeepTheFirstAsCodableDoes() throws {
        let config = #"""
            {"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
            "config":{"Labels":{"\u212A":"kelvin","K":"k"},"ExposedPorts":{"\u212A/tcp":{},"K/tcp":{"x":1}}}}
            """#
        let read = try #require(ImageConfig(json: Array(config.utf8)))
        #expect(read == (try Self.decoded(ImageConfig.self, config)))
    }

    /// Documents the readers decline: each is nil here, and `JSON.decode` then gives Codable's value or
    /// Codable's error, word for word.
    @Test func declinedDocumentsFallBackToCodable() throws {
        let declined: [String] = [
            #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":"A=b"}}"#,
            #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[1]}}"#,
            #"{"architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}"#,
            #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Healthcheck":{"Interval":1.5e9}}}"#,
            #"{"architecture":"amd64","os":"linux","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#,
            #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Volumes":{"/d":null}}}"#,
            #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}"#,
            #"[]"#,
        ]
        for text in declined {
            #expect(ImageConfig(json: Array(text.utf8)) == nil, "\(text)")
            let codable = Result { try Self.decoded(ImageConfig.self, text) }
            let store = Result { () throws(ImageError) in
                try JSON.decode(ImageConfig.self, from: Array(text.utf8), what: "f")
            }
            switch (codable, store) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
            case (.failure(let a), .failure(let b)):
                #expect(b.description.contains(JSON.describe(a)), "\(text): \(b)")
            default: Issue.record("\(text): Codable gave \(codable), the store \(store)")
            }
        }
        let manifests = [
            #"{"schemaVersion":2,"config":{"mediaType":"m","digest":"d","size":1.0},"layers":[]}"#,
            #"{"schemaVersion":2,"config":{"mediaType":"m","digest":"d","size":1},"layers":[null]}"#,
            #"{"schemaVersion":"2","config":{"mediaType":"m","digest":"d","size":1},"layers":[]}"#,
        ]
        for text in manifests { #expect(Manifest(json: Array(text.utf8)) == nil, "\(text)") }
        let badDigest = #"{"references":{"a:1":"md5:00"}}"#
        #expect(ImageStore.IndexFile(json: Array(badDigest.utf8)) == nil)
        #expect(throws: ImageError.self) {
            try JSON.decode(ImageStore.IndexFile.self, from: Array(badDigest.utf8), what: "images.json")
        }
    }
}
