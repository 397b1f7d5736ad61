import Foundation
import SkiffKit
import Testing

/// Compose keys that real files carry and Docker Compose carries out: a build's `dockerfile_inline` and
/// `tags`, and a volume's `driver_opts` (a named volume that is a host directory), through the built CLI.
@Suite(
    "compose build keys and volume driver_opts end to end",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeBuildKeysTests {
    @Test func inlineDockerfileExtraTagsAndABindVolume() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            services:
              app:
                build:
                  context: .
                  dockerfile_inline: |
                    FROM busybox
                    RUN echo built-inline > /built
                  tags: ["inline-extra:1", "inline-extra:latest"]
                  labels: {org.example.team: hogwarts}
                command: ["sh", "-c", "cat /built > /data/out; cat /data/seed"]
                volumes: ["shared:/data"]
            volumes:
              shared:
                driver: local
                driver_opts: {type: none, o: bind, device: ./hostdir}
            """)
        defer { p.cleanUp() }
        try FileManager.default.createDirectory(atPath: p.dir + "/hostdir", withIntermediateDirectories: true)
        try "seeded by the host\n".write(toFile: p.dir + "/hostdir/seed", atomically: true, encoding: .utf8)

        let build = p.compose("build", timeout: 300)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        for name in ["inline-extra:1", "inline-extra:latest", "proj-app"] {
            #expect((try? p.engine.images.resolve(name)) != nil, "no image \(name)")
        }
        let labels = try #require(try p.engine.images.resolve("inline-extra:1").config.config?.Labels)
        #expect(labels["org.example.team"] == "hogwarts", "\(labels)")
        let run = p.compose("run", "--rm", "-T", "app")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("seeded by the host"), "\(run.out)")
        #expect((try? String(contentsOfFile: p.dir + "/hostdir/out", encoding: .utf8)) == "built-inline\n")
        let config = p.compose("config")
        #expect(config.out.contains("dockerfile_inline") && config.out.contains("driver_opts"), "\(config.out)")
        #expect(p.compose("down", "-v").status == 0)
        #expect(FileManager.default.fileExists(atPath: p.dir + "/hostdir/out"), "down -v must not empty the host dir")
        p.checkNothingLeft(ids: [])

        try """
        services:
          app:
            build: {context: ., dockerfile: Dockerfile, dockerfile_inline: "FROM busybox"}
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let both = p.compose("config")
        #expect(both.status != 0 && both.err.contains("dockerfile and dockerfile_inline are mutually exclusive"))
    }
}
