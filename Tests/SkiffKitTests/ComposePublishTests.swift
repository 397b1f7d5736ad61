import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// `compose publish` to a local registry and `compose -f oci://…` reading the project back, driven
/// through the built CLI.
@Suite(
    "compose publish and oci:// projects", .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry"), "needs docker-registry"))
struct ComposePublishTests {
    typealias Project = ComposeEndToEndTests.Project

    static let yaml = """
        name: pubdemo
        services:
          web:
            image: busybox
            command: ["sleep", "1000"]
          worker:
            image: busybox
            command: ["sleep", "1000"]
            depends_on: [web]
        """

    func manifest(_ registry: LocalRegistry, _ path: String) throws -> [String: Any] {
        let got = TestShell.run(
            "curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://\(registry.host)/v2/\(path)")
        try #require(got.status == 0, "\(got.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(got.output.utf8)) as? [String: Any])
    }

    @Test func publishedProjectReadsBackRunsAndHasComposesMediaTypes() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project(Self.yaml)
        defer { p.cleanUp() }
        try "services:\n  web:\n    environment: []\n    labels: {tier: front}\n".write(
            toFile: p.dir + "/override.yaml", atomically: true, encoding: .utf8)
        let ref = "\(registry.host)/pub/demo:1"

        let published = p.compose("-f", "compose.yaml", "-f", "override.yaml", "publish", ref, timeout: 60)
        #expect(published.status == 0, "\(published.err)")

        let m = try manifest(registry, "pub/demo/manifests/1")
        #expect(m["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(m["artifactType"] as? String == "application/vnd.docker.compose.project")
        let config = try #require(m["config"] as? [String: Any])
        #expect(config["mediaType"] as? String == "application/vnd.oci.empty.v1+json")
        #expect(config["size"] as? Int == 2)
        let layers = try #require(m["layers"] as? [[String: Any]])
        #expect(
            layers.map { $0["mediaType"] as? String }
                == Array(repeating: "application/vnd.docker.compose.file+yaml", count: 2))
        #expect(
            layers.map { ($0["annotations"] as? [String: String])?["com.docker.compose.file"] } == [
                "compose.yaml", "override.yaml",
            ])
        #expect(
            layers.allSatisfy {
                ($0["annotations"] as? [String: String])?["com.docker.compose.version"]?.hasPrefix("v") == true
            })
        let blob = TestShell.run(
            "curl -sf http://\(registry.host)/v2/pub/demo/blobs/\(layers[0]["digest"] as? String ?? "")")
        #expect(blob.output == Self.yaml)

        let local = p.compose("-f", "compose.yaml", "-f", "override.yaml", "config")
        let remote = p.compose("-f", "oci://\(ref)", "config")
        #expect(remote.status == 0, "\(remote.err)")
        #expect(remote.out == local.out && !local.out.isEmpty, "\(remote.out)\n---\n\(local.out)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: p.dir)) == ["compose.yaml", "override.yaml"])

        // Another directory, no compose file there: the project comes from the registry alone.
        let elsewhere = p.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let up = p.compose("-f", "oci://\(ref)", "--project-directory", elsewhere, "up", "-d", timeout: 120)
        #expect(up.status == 0, "\(up.err)")
        #expect(p.container("pubdemo-web-1")?.labels["tier"] == "front")
        #expect(p.container("pubdemo-worker-1") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty, "nothing written")
        let ids = p.engine.listContainers().map(\.id)
        let down = p.compose("-f", "oci://\(ref)", "down", "-t", "0", timeout: 120)
        #expect(down.status == 0, "\(down.err)")
        p.checkNothingLeft(ids: ids)

        // OCI 1.0: no artifactType, Compose's own config media type; read back all the same.
        #expect(p.compose("publish", "--oci-version", "1.0", "\(registry.host)/pub/demo:old", timeout: 60).status == 0)
        let old = try manifest(registry, "pub/demo/manifests/old")
        #expect(old["artifactType"] == nil)
        #expect(
            (old["config"] as? [String: Any])?["mediaType"] as? String
                == "application/vnd.docker.compose.config.empty.v1+json")
        let oldConfig = p.compose("-f", "oci://\(registry.host)/pub/demo:old", "config", "--services")
        #expect(oldConfig.status == 0 && oldConfig.out == "web\nworker\n", "\(oldConfig.err)")
    }

    @Test func publishRefusesBindMountsWithoutYesAndBuildOnlyServices() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project(
            """
            services:
              web:
                image: busybox
                volumes: ["./data:/data"]
            """)
        defer { p.cleanUp() }
        let repositories = registry.storage + "/docker/registry/v2/repositories"
        let refused = p.compose("publish", "\(registry.host)/pub/bind:1", timeout: 60)
        #expect(refused.status == 1, "\(refused.err)")
        #expect(refused.err.contains("bind mount") && refused.err.contains("-y"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: repositories + "/pub/bind"), "nothing pushed")

        let yes = p.compose("publish", "-y", "\(registry.host)/pub/bind:1", timeout: 60)
        #expect(yes.status == 0, "\(yes.err)")
        #expect(FileManager.default.fileExists(atPath: repositories + "/pub/bind/_manifests/tags/1"))

        try "services:\n  web:\n    image: busybox\n    environment: [TOKEN=x]\n  b:\n    build: .\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let buildOnly = p.compose("publish", "-y", "--with-env", "\(registry.host)/pub/b:1", timeout: 60)
        #expect(buildOnly.status == 1 && buildOnly.err.contains("only contains a build section"), "\(buildOnly.err)")
        try "services:\n  web:\n    image: busybox\n    environment: [TOKEN=x]\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let noEnv = p.compose("publish", "-y", "\(registry.host)/pub/e:1", timeout: 60)
        #expect(noEnv.status == 1 && noEnv.err.contains("--with-env"), "\(noEnv.err)")
        #expect(p.compose("publish", "-y", "--with-env", "\(registry.host)/pub/e:1", timeout: 60).status == 0)
    }

    @Test func anImageAtTheReferenceIsNotAProject() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project("services:\n  web:\n    image: busybox\n")
        defer { p.cleanUp() }
        let busybox = try p.engine.images.resolve("busybox")
        try Pusher(store: p.engine.images).push(busybox, to: ImageReference(parsing: "\(registry.host)/lib/busybox:1"))
        let got = p.compose("-f", "oci://\(registry.host)/lib/busybox:1", "config", timeout: 60)
        #expect(got.status == 1, "\(got.err)")
        #expect(
            got.err.contains("oci://\(registry.host)/lib/busybox:1 is not a compose project OCI artifact"), "\(got.err)"
        )
        let missing = p.compose("-f", "oci://\(registry.host)/lib/nothing:1", "config", timeout: 60)
        #expect(missing.status == 1 && missing.err.contains("not found"), "\(missing.err)")

        // --resolve-image-digests: an image-digests.yaml layer pins the image the registry serves.
        try "services:\n  web:\n    image: \(registry.host)/lib/busybox:1\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let pinned = p.compose("publish", "--resolve-image-digests", "\(registry.host)/pub/pinned:1", timeout: 60)
        #expect(pinned.status == 0, "\(pinned.err)")
        let m = try manifest(registry, "pub/pinned/manifests/1")
        let names = (m["layers"] as? [[String: Any]])?.map {
            ($0["annotations"] as? [String: String])?["com.docker.compose.file"]
        }
        #expect(names == ["compose.yaml", "image-digests.yaml"])
        let config = p.compose("-f", "oci://\(registry.host)/pub/pinned:1", "config", "--images")
        #expect(
            config.out == "\(registry.host)/lib/busybox:1@\(busybox.manifestDigest)\n", "\(config.out) \(config.err)")
    }

    func layers(_ m: [String: Any]) -> [(mediaType: String, annotations: [String: String])] {
        ((m["layers"] as? [[String: Any]]) ?? []).map {
            ($0["mediaType"] as? String ?? "", $0["annotations"] as? [String: String] ?? [:])
        }
    }

    /// `--with-env`: the env files the services name (those of an extended file too) travel as
    /// Compose's env-file layers, the extended file as an `extends` layer, both named by the SHA-256 of
    /// their path; `-f oci://…` finds them in the artifact, in memory, so `config` and `up` get the
    /// environment the local project has, from a directory where none of those files is.
    @Test func withEnvPublishesEnvAndExtendedFilesThatReadBackInMemory() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project(
            """
            name: pubenv
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                env_file: web.env
                extends:
                  file: base/common.yaml
                  service: common
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/base", withIntermediateDirectories: true)
        try
            "services:\n  common:\n    image: busybox\n    environment: {FROM_BASE: yes-base}\n    env_file: common.env\n"
            .write(toFile: p.dir + "/base/common.yaml", atomically: true, encoding: .utf8)
        try "GREETING=hello from the artifact\n".write(toFile: p.dir + "/web.env", atomically: true, encoding: .utf8)
        try "COMMON=c\n".write(toFile: p.dir + "/base/common.env", atomically: true, encoding: .utf8)
        let ref = "\(registry.host)/pub/env:1"

        let published = p.compose("publish", "--with-env", "-y", ref, timeout: 60)
        #expect(published.status == 0, "\(published.err)")
        let m = try manifest(registry, "pub/env/manifests/1")
        let sha = { (path: String) in ComposePublishLayers.name(of: path, ext: "") }
        let got = layers(m)
        #expect(
            got.map(\.mediaType) == [
                "application/vnd.docker.compose.file+yaml", "application/vnd.docker.compose.file+yaml",
                "application/vnd.docker.compose.envfile", "application/vnd.docker.compose.envfile",
            ])
        #expect(got[0].annotations["com.docker.compose.file"] == "compose.yaml")
        #expect(got[1].annotations["com.docker.compose.file"] == sha(p.dir + "/base/common.yaml") + ".yaml")
        #expect(got[1].annotations["com.docker.compose.extends"] == "true")
        // The extended file's env file too (in path order), so what it names is in the artifact.
        #expect(
            got.dropFirst(2).map { $0.annotations["com.docker.compose.envfile"] } == [
                sha(p.dir + "/base/common.env") + ".env", sha(p.dir + "/web.env") + ".env",
            ])
        #expect(got.allSatisfy { $0.annotations["com.docker.compose.version"]?.hasPrefix("v") == true })

        let elsewhere = p.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let local = p.compose("config")
        let remote = p.compose("-f", "oci://\(ref)", "--project-directory", elsewhere, "config")
        #expect(remote.status == 0, "\(remote.err)")
        #expect(remote.out.contains("GREETING: hello from the artifact") && remote.out.contains("FROM_BASE: yes-base"))
        #expect(remote.out == local.out, "\(remote.out)\n---\n\(local.out)")

        let up = p.compose("-f", "oci://\(ref)", "--project-directory", elsewhere, "up", "-d", timeout: 120)
        #expect(up.status == 0, "\(up.err)")
        let env = p.compose(
            "-f", "oci://\(ref)", "--project-directory", elsewhere, "exec", "-T", "web", "sh", "-c",
            "echo \"$GREETING\"")
        #expect(env.out == "hello from the artifact\n", "\(env.out) \(env.err) \(env.status)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(
            p.compose("-f", "oci://\(ref)", "--project-directory", elsewhere, "down", "-t", "0", timeout: 120).status
                == 0)
        p.checkNothingLeft(ids: ids)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty, "nothing written")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: p.dir)) == ["compose.yaml", "web.env", "base"])
    }

    /// As Docker Compose: a local `include:` cannot be published; a file an AWS secret key is written
    /// in is shown and refused without a terminal and without -y, and published with -y.
    @Test func localIncludesAndSecretsAreRefused() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project("include:\n  - other.yaml\nservices:\n  web:\n    image: busybox\n")
        defer { p.cleanUp() }
        try "services:\n  db:\n    image: busybox\n".write(
            toFile: p.dir + "/other.yaml", atomically: true, encoding: .utf8)
        let repositories = registry.storage + "/docker/registry/v2/repositories"
        let include = p.compose("publish", "-y", "\(registry.host)/pub/inc:1", timeout: 60)
        #expect(
            include.status == 1 && include.err.contains("cannot publish compose file with local includes"),
            "\(include.err)")

        try """
        services:
          web:
            image: busybox
            environment:
              - AWS_SECRET_ACCESS_KEY=aws"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+"
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let refused = p.compose("publish", "--with-env", "\(registry.host)/pub/secret:1", timeout: 60)
        #expect(refused.status == 1, "\(refused.err)")
        #expect(
            refused.err.contains(
                "you are about to publish sensitive data within your OCI artifact.\nplease double check that you are not leaking sensitive data\nAWS Secret Key\n\"services.web.environment.AWS_SECRET_ACCESS_KEY\": aws\"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+\"\nAre you ok to publish these sensitive data?"
            ), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: repositories + "/pub/secret"), "nothing pushed")
        let yes = p.compose("publish", "--with-env", "-y", "\(registry.host)/pub/secret:1", timeout: 60)
        #expect(yes.status == 0, "\(yes.err)")
    }

    /// Attack: an artifact whose env-file or extended-file layer is named `../../x`, an absolute path or
    /// `a/b` is refused as invalid, and no file is created anywhere those names point.
    @Test func hostileLayerNamesAreRefusedAndWriteNothing() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project("services:\n  web:\n    image: busybox\n")
        defer { p.cleanUp() }
        let target = p.root + "/planted"
        let compose = Array("services:\n  web:\n    image: busybox\n    env_file: ../../planted\n".utf8)
        for (i, (kind, name)) in [
            (ComposeArtifact.Layer.Kind.envFile, "../../planted"), (.envFile, target), (.extendsFile, "a/b"),
            (.extendsFile, "../planted"),
        ].enumerated() {
            let plan = ComposeArtifact.plan(
                layers: [
                    .init(kind: .composeFile, name: "compose.yaml", content: compose),
                    .init(kind: kind, name: "x", content: Array("A=1\n".utf8)),
                ], ociVersion: .v1_1, version: "v1", created: "t")
            // The name as a hostile publisher writes it, bypassing the base name the plan keeps.
            var m = try #require(try JSONSerialization.jsonObject(with: Data(plan.manifest)) as? [String: Any])
            var ls = try #require(m["layers"] as? [[String: Any]])
            var a = try #require(ls[1]["annotations"] as? [String: String])
            a[kind == .envFile ? "com.docker.compose.envfile" : "com.docker.compose.file"] = name
            ls[1]["annotations"] = a
            m["layers"] = ls
            let bytes = try JSONSerialization.data(withJSONObject: m)
            try FileManager.default.createDirectory(atPath: p.root + "/up", withIntermediateDirectories: true)
            for blob in plan.blobs {
                let f = p.root + "/up/blob"
                try Data(blob.bytes).write(to: URL(fileURLWithPath: f))
                let r = TestShell.run(
                    "curl -sf -X POST -D - http://\(registry.host)/v2/pub/hostile/blobs/uploads/ | tr -d '\\r' | sed -n 's/^Location: //Ip'"
                )
                let location = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
                let sep = location.contains("?") ? "&" : "?"
                let put = TestShell.run(
                    "curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @\(f) '\(location)\(sep)digest=\(blob.digest)'"
                )
                try #require(put.status == 0, "\(put.output)")
            }
            try bytes.write(to: URL(fileURLWithPath: p.root + "/up/manifest"))
            let put = TestShell.run(
                "curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @\(p.root)/up/manifest http://\(registry.host)/v2/pub/hostile/manifests/\(i)"
            )
            try #require(put.status == 0, "\(put.output)")

            let got = p.compose("-f", "oci://\(registry.host)/pub/hostile:\(i)", "config", timeout: 60)
            #expect(got.status == 1 && got.err.contains("invalid OCI artifact"), "\(name): \(got.err)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(name) planted a file")
            #expect(try FileManager.default.contentsOfDirectory(atPath: p.dir) == ["compose.yaml"])
        }
    }

    /// `--app`, as Docker Compose: the images are pinned (image-digests.yaml), copied by digest into the
    /// project's repository, and an untagged OCI index lists them with the project's manifest as its
    /// subject.
    @Test func appCopiesTheImagesAndPushesAnIndexWhoseSubjectIsTheProject() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        // The image in another registry: its blobs are streamed across, not mounted.
        let source = try LocalRegistry()
        defer { source.stop() }
        let p = try Project("services:\n  web:\n    image: busybox\n")
        defer { p.cleanUp() }
        let busybox = try p.engine.images.resolve("busybox")
        try Pusher(store: p.engine.images).push(busybox, to: ImageReference(parsing: "\(source.host)/lib/busybox:1"))
        try "services:\n  web:\n    image: \(source.host)/lib/busybox:1\n".write(
            toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let published = p.compose("publish", "--app", "\(registry.host)/pub/app:1", timeout: 60)
        #expect(published.status == 0, "\(published.err)")

        let tagged = TestShell.run(
            "curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://\(registry.host)/v2/pub/app/manifests/1"
        )
        let projectDigest = Digest.of(Array(tagged.output.utf8)).description
        let m = try manifest(registry, "pub/app/manifests/1")
        #expect(layers(m).map { $0.annotations["com.docker.compose.file"] } == ["compose.yaml", "image-digests.yaml"])
        let image = try manifest(registry, "pub/app/manifests/\(busybox.manifestDigest)")
        let configDigest = try #require((image["config"] as? [String: Any])?["digest"] as? String)
        #expect(TestShell.run("curl -sfI http://\(registry.host)/v2/pub/app/blobs/\(configDigest)").status == 0)
        for layer in (image["layers"] as? [[String: Any]]) ?? [] {
            let d = layer["digest"] as? String ?? ""
            #expect(TestShell.run("curl -sfI http://\(registry.host)/v2/pub/app/blobs/\(d)").status == 0, "\(d)")
        }

        let revisions = registry.storage + "/docker/registry/v2/repositories/pub/app/_manifests/revisions/sha256"
        var indexes: [[String: Any]] = []
        for hex in try FileManager.default.contentsOfDirectory(atPath: revisions) {
            let got = TestShell.run(
                "curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' http://\(registry.host)/v2/pub/app/manifests/sha256:\(hex)"
            )
            if let j = try? JSONSerialization.jsonObject(with: Data(got.output.utf8)) as? [String: Any],
                j["mediaType"] as? String == "application/vnd.oci.image.index.v1+json"
            {
                indexes.append(j)
            }
        }
        try #require(indexes.count == 1, "\(indexes)")
        let index = indexes[0]
        let subject = try #require(index["subject"] as? [String: Any])
        #expect(subject["digest"] as? String == projectDigest)
        #expect(subject["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(subject["artifactType"] as? String == "application/vnd.docker.compose.project")
        let listed = try #require(index["manifests"] as? [[String: Any]])
        #expect(listed.map { $0["digest"] as? String } == [busybox.manifestDigest.description])
        #expect(
            (listed[0]["annotations"] as? [String: String])?["containerd.io/distribution.source.\(source.host)"]
                == "lib/busybox")
        #expect((index["annotations"] as? [String: String])?["com.docker.compose.version"]?.hasPrefix("v") == true)
        let config = p.compose("-f", "oci://\(registry.host)/pub/app:1", "config", "--images")
        #expect(config.out == "\(source.host)/lib/busybox:1@\(busybox.manifestDigest)\n", "\(config.err)")
        let ingest = p.engine.images.content.root + "/ingest"
        #expect((try? FileManager.default.contentsOfDirectory(atPath: ingest))?.isEmpty ?? true, "staging removed")
    }

    /// A project that includes a published one (`include: [oci://…]`, which Compose lets a project
    /// publish) and extends a local file round-trips: read back from elsewhere, it has the included
    /// services with their env files and its own, as the local project does.
    @Test func aProjectIncludingAPublishedOneAndExtendingRoundTrips() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let p = try Project("services:\n  db:\n    image: busybox\n    env_file: db.env\n")
        defer { p.cleanUp() }
        try "DB_MODE=included\n".write(toFile: p.dir + "/db.env", atomically: true, encoding: .utf8)
        let lib = "\(registry.host)/pub/lib:1"
        let first = p.compose("publish", "--with-env", "-y", lib, timeout: 60)
        #expect(first.status == 0, "\(first.err)")

        try """
        name: whole
        include: ["oci://\(lib)"]
        services:
          web:
            extends: {file: common.yaml, service: common}
            depends_on: [db]
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        try "services:\n  common:\n    image: busybox\n    labels: {tier: front}\n".write(
            toFile: p.dir + "/common.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: p.dir + "/db.env")
        let ref = "\(registry.host)/pub/whole:1"
        // The included service's env file makes it --with-env, as in Compose.
        let published = p.compose("publish", "--with-env", "-y", ref, timeout: 60)
        #expect(published.status == 0, "\(published.err)")
        let kinds = layers(try manifest(registry, "pub/whole/manifests/1")).map {
            $0.annotations["com.docker.compose.extends"] ?? "file"
        }
        #expect(kinds == ["file", "true"], "the include stays a reference; the extended file is a layer")

        let elsewhere = p.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let local = p.compose("config")
        let remote = p.compose("-f", "oci://\(ref)", "--project-directory", elsewhere, "config")
        #expect(remote.status == 0, "\(remote.err)")
        #expect(remote.out.contains("DB_MODE: included") && remote.out.contains("tier: front"), "\(remote.out)")
        #expect(remote.out == local.out, "\(remote.out)\n---\n\(local.out)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty, "nothing written")
    }
}
