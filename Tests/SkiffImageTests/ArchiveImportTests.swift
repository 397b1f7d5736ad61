import Foundation
import SkiffOCI
import Testing

@testable import SkiffImage

@Suite("Archive import")
struct ArchiveImportTests {
    typealias F = ArchiveFixtures

    static let changes = [
        "CMD [\"sh\", \"-c\", \"echo hi\"]",
        "ENTRYPOINT /bin/tini --",
        "ENV A=1 B=\"two words\"",
        "ENV LEGACY some value",
        "WORKDIR /srv",
        "WORKDIR app",
        "USER 1000:1000",
        "EXPOSE 80 53/udp 8000-8001",
        "LABEL org.example.name=\"my image\" version=1",
        "VOLUME [\"/data\", \"/logs\"]",
        "VOLUME /cache",
        "STOPSIGNAL SIGINT",
    ]

    @Test(arguments: ["plain", "gzip"])
    func importsARootfsTarballWithChanges(compression: String) throws {
        try F.withTempDir { dir in
            let make = """
                set -e; cd '\(dir)'; mkdir -p r/bin r/etc; echo hello > r/etc/motd; ln -s ../etc/motd r/bin/motd
                tar -C r --numeric-owner -cf rootfs.tar bin etc
                \(compression == "gzip" ? "gzip -k rootfs.tar; mv rootfs.tar.gz input" : "cp rootfs.tar input")
                """
            #expect(F.shell(make).status == 0)
            let store = ImageStore(root: dir + "/s")
            let image = try RootfsImporter(store: store).importRootfs(
                path: dir + "/input", changes: Self.changes, message: "from a test",
                reference: try ImageReference(parsing: "imported:v1"))
            #expect(try store.resolve("imported:v1").id == image.id)
            // diff ID: the uncompressed tar; the layer: a gzip of it, in the store.
            #expect(image.config.rootfs.diffIDs == ["sha256:" + F.sha256(dir + "/rootfs.tar")])
            #expect(image.manifest.layers.count == 1)
            #expect(image.manifest.layers[0].mediaType == MediaType.ociLayerGzip)
            let blob = store.content.path(of: try Digest(image.manifest.layers[0].digest))
            #expect(F.shell("gzip -dc '\(blob)' | cmp - '\(dir)/rootfs.tar'").status == 0)
            #expect(image.config.history?.first?.comment == "from a test")

            let c = try #require(image.config.config)
            #expect(c.Cmd == ["sh", "-c", "echo hi"])
            #expect(c.Entrypoint == ["/bin/sh", "-c", "/bin/tini --"])
            #expect(c.Env == ["A=1", "B=two words", "LEGACY=some value"])
            #expect(c.WorkingDir == "/srv/app")
            #expect(c.User == "1000:1000")
            #expect(Set(c.ExposedPorts?.keys.map { $0 } ?? []) == ["80/tcp", "53/udp", "8000/tcp", "8001/tcp"])
            #expect(c.Labels == ["org.example.name": "my image", "version": "1"])
            #expect(Set(c.Volumes?.keys.map { $0 } ?? []) == ["/data", "/logs", "/cache"])
            #expect(c.StopSignal == "SIGINT")
        }
    }

    @Test func importsFromAPipe() throws {
        try F.withTempDir { dir in
            #expect(F.shell("cd '\(dir)' && mkdir r && echo x > r/f && tar -C r -czf in.tgz f").status == 0)
            let store = ImageStore(root: dir + "/s")
            let fd = open(dir + "/in.tgz", O_RDONLY)
            defer { close(fd) }
            let image = try RootfsImporter(store: store).importRootfs(fd: fd, source: "-")
            #expect(image.config.history?.first?.comment == "Imported from -")
            #expect(image.references.isEmpty)
        }
    }

    @Test func refusesSomethingThatIsNotATar() throws {
        try F.withTempDir { dir in
            #expect(F.shell("head -c 4000 /dev/urandom > '\(dir)/junk'").status == 0)
            let store = ImageStore(root: dir + "/s")
            #expect { try RootfsImporter(store: store).importRootfs(path: dir + "/junk") } throws: { error in
                "\(error)".contains("not a tar archive")
            }
            let names = try store.references()
            #expect(names.isEmpty)
        }
    }

    @Test(arguments: ["FROM busybox", "RUN echo", "EXPOSE 99999", "ENV", "LABEL =x", "LABEL a=\"unterminated"])
    func refusesBadChanges(change: String) {
        var config = ContainerConfig()
        #expect(throws: ImageError.self) { try ImageConfigChange.apply(change, to: &config) }
    }

    @Test func changeWordsFollowDockerfileQuoting() throws {
        var config = ContainerConfig()
        try ImageConfigChange.apply([#"LABEL a="b c" 'd e'=f g\ h="i\"j""#], to: &config)
        #expect(config.Labels == ["a": "b c", "d e": "f", "g h": "i\"j"])
        try ImageConfigChange.apply(["cmd echo hi", "env A=1", "env A=2"], to: &config)
        #expect(config.Cmd == ["/bin/sh", "-c", "echo hi"])
        #expect(config.Env == ["A=2"])
    }

    /// As in a Dockerfile: `$VAR` and `${VAR…}` from the ENV set so far (by earlier changes or the
    /// instruction before), not in CMD, and not inside single quotes.
    @Test func changesSubstituteTheEnvironmentSoFar() throws {
        var config = ContainerConfig()
        config.Env = ["PATH=/usr/bin:/bin"]
        try ImageConfigChange.apply(
            [
                "ENV APP=/srv/app PORT=8000", "ENV PATH=$APP/bin:$PATH NAME='$APP'",
                "WORKDIR ${APP}/src", "EXPOSE $PORT ${DEBUG_PORT:-9229}/udp",
                "LABEL home=$APP", "USER ${RUNAS:-1000}", "VOLUME $APP/data",
                "CMD echo $APP",
            ], to: &config)
        #expect(config.Env == ["APP=/srv/app", "PORT=8000", "PATH=/srv/app/bin:/usr/bin:/bin", "NAME=$APP"])
        #expect(config.WorkingDir == "/srv/app/src")
        #expect(Set(config.ExposedPorts?.keys.map { $0 } ?? []) == ["8000/tcp", "9229/udp"])
        #expect(config.Labels == ["home": "/srv/app"])
        #expect(config.User == "1000")
        #expect(Set(config.Volumes?.keys.map { $0 } ?? []) == ["/srv/app/data"])
        #expect(config.Cmd == ["/bin/sh", "-c", "echo $APP"])
        #expect {
            try ImageConfigChange.apply(#"ENV X="${MISSING:?set it}""#, to: &config)
        } throws: { error in
            "\(error)".contains(#"--change "ENV X="${MISSING:?set it}"": MISSING: set it"#)
        }
    }
}
