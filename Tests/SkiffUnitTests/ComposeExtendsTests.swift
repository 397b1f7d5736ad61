import Foundation
import SkiffKit
import Testing

/// `extends:` as the Compose Spec merges it: from the same file or another one (paths there resolved
/// against that file's directory), mappings merged, lists merged by the `-f` rules, `depends_on`,
/// `volumes_from` and `links` not inherited; cycles, missing services and files named with file and key.
@Suite("compose extends")
struct ComposeExtendsTests {
    /// Files written under a fresh directory; the first is the project's compose file.
    final class Files {
        let base = NSTemporaryDirectory() + "compose-extends-\(UUID().uuidString)"
        var dir: String { base + "/app" }

        init(_ files: [String: String]) throws {
            for (name, text) in files {
                let path = dir + "/" + name
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }

        func load(_ env: [String: String] = [:]) throws(ComposeError) -> ComposeProject {
            var o = ComposeLoadOptions(workingDirectory: dir, environment: env)
            o.files = ["compose.yaml"]
            return try ComposeLoader.load(o)
        }

        func error() -> String {
            do {
                _ = try load()
                return "(loaded)"
            } catch { return error.description }
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test func sameFileMergesByTheSpecRules() throws {
        let f = try Files([
            "compose.yaml": """
            services:
              base:
                image: busybox
                command: ["sleep", "1"]
                environment: {A: "1", B: "2"}
                labels: [tier=base]
                ports: ["8000:80"]
                volumes: ["./data:/data", "/cache"]
                depends_on: [db]
                links: [db]
                volumes_from: [db]
                healthcheck: {test: ["CMD", "true"], interval: 5s}
              web:
                extends: base
                command: ["sleep", "2"]
                environment: [B=two, C=3]
                ports: ["9000:90"]
                volumes: ["./other:/data"]
                healthcheck: {retries: 7}
              db:
                image: busybox
            """
        ])
        let project = try f.load()
        let web = try #require(project.service("web"))
        #expect(web.image == "busybox")
        #expect(web.command == ["sleep", "2"])
        #expect(web.environment.map { "\($0.name)=\($0.value ?? "")" } == ["A=1", "B=two", "C=3"])
        #expect(web.labels == ["tier": "base"])
        #expect(web.ports.map(\.target) == [80, 90])
        // volumes merge by target: ./other replaces ./data at /data.
        #expect(web.volumes.map(\.target) == ["/data", "/cache"])
        #expect(web.volumes.first?.source == f.dir + "/other")
        #expect(web.healthcheck?.test == ["CMD", "true"] && web.healthcheck?.retries == 7)
        #expect(web.healthcheck?.interval == 5_000_000_000)
        // Not inherited: the service's dependencies are written where it is.
        #expect(web.dependsOn.isEmpty && web.links.isEmpty && web.volumesFrom.isEmpty)
        // The base is still a service of its own, unchanged.
        #expect(project.service("base")?.dependsOn.map(\.service) == ["db"])
        #expect(!project.yaml().contains("extends:"))
    }

    @Test func anotherFileResolvesItsPathsAgainstItsDirectory() throws {
        let f = try Files([
            "compose.yaml": """
            services:
              web:
                extends:
                  file: common/services.yml
                  service: app
                environment:
                  LEVEL: ${LEVEL}
            volumes:
              named:
            """,
            "common/services.yml": """
            services:
              app:
                extends: core
                build: ./src
                env_file: app.env
                volumes: ["./static:/static", "named:/named"]
              core:
                image: base:${TAG:-1}
                environment: {CORE: "yes"}
            """,
            "common/app.env": "FROM_ENV=1\n",
        ])
        let project = try f.load(["LEVEL": "debug", "TAG": "7"])
        let web = try #require(project.service("web"))
        #expect(project.services.map(\.name) == ["web"])
        #expect(web.image == "base:7")
        #expect(web.build?.context == f.dir + "/common/src")
        #expect(web.envFiles == [f.dir + "/common/app.env"])
        #expect(web.volumes.first?.source == f.dir + "/common/static")
        #expect(web.volumes.last?.source == "named")
        #expect(web.environment.map(\.name) == ["CORE", "LEVEL"])
    }

    @Test func cyclesAreNamedWithTheirChain() throws {
        let f = try Files([
            "compose.yaml": """
            services:
              a: {extends: b, image: busybox}
              b: {extends: {service: c}}
              c: {extends: a}
            """
        ])
        let e = f.error()
        #expect(e.contains("compose.yaml: services.") && e.contains("extends cycle: a → b → c → a"), "\(e)")

        let g = try Files([
            "compose.yaml": "services:\n  a: {extends: {file: other.yml, service: b}}\n",
            "other.yml": "services:\n  b: {extends: {file: compose.yaml, service: a}}\n",
        ])
        let ge = g.error()
        #expect(ge.contains("extends cycle: a (") && ge.contains("other.yml) → a ("), "\(ge)")
    }

    @Test func missingServicesAndFilesAreNamed() throws {
        let service = try Files(["compose.yaml": "services:\n  a: {extends: nosuch, image: busybox}\n"])
        #expect(
            service.error().hasSuffix("compose.yaml: services.a.extends: no service \"nosuch\" to extend"),
            "\(service.error())")
        let other = try Files([
            "compose.yaml": "services:\n  a: {extends: {file: b.yml, service: x}, image: busybox}\n",
            "b.yml": "services:\n  y: {image: busybox}\n",
        ])
        #expect(
            other.error().contains("compose.yaml: services.a.extends.service: no service \"x\" to extend in ")
                && other.error().hasSuffix("/b.yml"),
            "\(other.error())")
        let file = try Files(["compose.yaml": "services:\n  a: {extends: {file: gone.yml, service: x}}\n"])
        #expect(
            file.error().contains("compose.yaml: services.a.extends.file: no such file: ")
                && file.error().hasSuffix("/gone.yml"),
            "\(file.error())")
        let key = try Files(["compose.yaml": "services:\n  a: {extends: {service: b, fil: x.yml}}\n  b: {image: x}\n"])
        #expect(key.error().contains("services.a.extends.fil: unknown key; did you mean file?"), "\(key.error())")
        // An error inside the extended file names that file.
        let inner = try Files([
            "compose.yaml": "services:\n  a: {extends: {file: b.yml, service: b}}\n",
            "b.yml": "services:\n  b: {image: x, prots: []}\n",
        ])
        #expect(inner.error().contains("b.yml: services.b.prots: unknown key"), "\(inner.error())")
    }
}
