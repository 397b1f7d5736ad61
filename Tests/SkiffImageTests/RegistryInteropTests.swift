// Interop with skopeo (Debian's skopeo) through a real docker-registry: see RegistryTests.swift.
import Foundation
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffImage

@Suite("Registry interop with skopeo", .serialized)
struct RegistryInteropTests {
    let anonymous = RegistryOptions(credentials: CredentialStore(path: "/nonexistent/skiff-test/config.json"))

    @Test func skopeoSeesWhatSkiffPushedAndSkiffPullsWhatSkopeoPushed() throws {
        try ContainersToolsGuard.run { try skopeoRoundTrip() }
    }

    func skopeoRoundTrip() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let source = try TempStore(), t1 = try TempStore(), t2 = try TempStore()
        defer { source.remove(); t1.remove(); t2.remove() }
        let image = try TestImages.make(
            in: source.store, name: "local/app:1", layers: [["a": "one\n"], ["b": "two\n"]],
            workDir: source.dir)
        try Pusher(store: source.store, options: anonymous).push(
            image, to: try ImageReference(parsing: "\(registry.host)/skiff/app:1"))

        // skopeo reads Skiff's push: same digest, same layers, the manifest byte for byte.
        let inspect = try Shell.run(
            "/usr/bin/skopeo", ["inspect", "--tls-verify=false", "docker://\(registry.host)/skiff/app:1"])
        let info = try JSONSerialization.jsonObject(with: Data(inspect.utf8)) as? [String: Any]
        #expect(info?["Digest"] as? String == image.manifestDigest.description)
        #expect(info?["Layers"] as? [String] == image.manifest.layers.map(\.digest))
        let raw = try Shell.run(
            "/usr/bin/skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/skiff/app:1"])
        #expect(Array(raw.utf8) == (try source.store.content.read(image.manifestDigest)))

        // skopeo writes an OCI archive and pushes it back; Skiff pulls it.
        let archive = source.dir + "/app.oci.tar"
        try Shell.run(
            "/usr/bin/skopeo",
            ["copy", "--src-tls-verify=false", "docker://\(registry.host)/skiff/app:1", "oci-archive:\(archive)"])
        try Shell.run(
            "/usr/bin/skopeo",
            ["copy", "--dest-tls-verify=false", "oci-archive:\(archive)", "docker://\(registry.host)/skopeo/oci:1"])
        let fromArchive = try Puller(store: t1.store, options: PullOptions(registry: anonymous))
            .pull(try ImageReference(parsing: "\(registry.host)/skopeo/oci:1"))
        #expect(fromArchive.config.rootfs.diffIDs == image.config.rootfs.diffIDs)
        #expect(fromArchive.manifest.layers.map(\.digest) == image.manifest.layers.map(\.digest))

        // skopeo converts to Docker's v2 schema 2 media types: Skiff pulls that too.
        try Shell.run(
            "/usr/bin/skopeo",
            [
                "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2",
                "docker://\(registry.host)/skiff/app:1", "docker://\(registry.host)/skopeo/docker:1",
            ])
        let docker = try Puller(store: t2.store, options: PullOptions(registry: anonymous))
            .pull(try ImageReference(parsing: "\(registry.host)/skopeo/docker:1"))
        #expect(docker.manifest.mediaType == MediaType.dockerManifest)
        #expect(docker.manifest.layers.allSatisfy { $0.mediaType == MediaType.dockerLayerGzip })
        #expect(docker.config.rootfs.diffIDs == image.config.rootfs.diffIDs)
        for layer in docker.manifest.layers {
            #expect(t2.store.content.contains(try Digest(layer.digest)))
        }
    }
}
