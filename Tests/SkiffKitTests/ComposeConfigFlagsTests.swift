import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `compose config`'s flags as Docker Compose has them: --format json, --images, --profiles,
/// --hash (the hash `up` labels containers with), -o.
@Suite(
    "Compose config flags",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeConfigFlagsTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func formatJsonImagesProfilesHashAndOutput() throws {
        let p = try Project(
            """
            name: s14cfg
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 0s
                read_only: true
                ports: ["127.0.0.1::80"]
                environment:
                  COUNT: "1"
                healthcheck:
                  test: ["CMD", "true"]
                  retries: 3
              tool:
                build: .
                profiles: [debug, admin]
            """)
        defer { p.cleanUp() }
        let json = p.compose("config", "--format", "json")
        #expect(json.status == 0, "\(json)")
        let model = try #require(
            try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out)")
        #expect(model["name"] as? String == "s14cfg")
        let web = try #require((model["services"] as? [String: Any])?["web"] as? [String: Any])
        #expect((web["environment"] as? [String: Any])?["COUNT"] as? String == "1", "\(web)")
        #expect(web["read_only"] as? Bool == true)
        let health = try #require(web["healthcheck"] as? [String: Any])
        #expect(health["test"] as? [String] == ["CMD", "true"])
        #expect((health["retries"] as? NSNumber)?.intValue == 3)
        let port = try #require((web["ports"] as? [[String: Any]])?.first)
        #expect((port["target"] as? NSNumber)?.intValue == 80)
        #expect(web["command"] as? [String] == ["sleep", "1000"])
        let bad = p.compose("config", "--format", "toml")
        #expect(bad.status == 1 && bad.err.contains("unsupported format"), "\(bad)")

        // As Compose's: a service whose profiles are all off is not in the model; --profiles lists them all.
        #expect(p.compose("config", "--images").out == "busybox\n")
        #expect(p.compose("config", "--images", "--profile", "debug").out == "busybox\ns14cfg-tool\n")
        #expect(p.compose("config", "--services").out == "web\n")
        #expect(p.compose("config", "--services", "tool").out == "tool\n")
        #expect(!p.compose("config").out.contains("tool:"))
        #expect(p.compose("config", "--profiles").out == "admin\ndebug\n")

        let out = p.root + "/resolved.yaml"
        let saved = p.compose("config", "-o", out)
        #expect(saved.status == 0 && saved.out.isEmpty, "\(saved)")
        #expect((try? String(contentsOfFile: out, encoding: .utf8)) == p.compose("config").out)

        // --hash: what `up` labels the container with.
        #expect(p.compose("up", "-d", "web").status == 0)
        let label = p.container("s14cfg-web-1")?.labels["com.docker.compose.config-hash"]
        // By name, as Compose sorts them.
        let hashes = p.compose("config", "--hash", "*", "--profile", "admin")
        #expect(hashes.out.hasPrefix("tool ") && hashes.out.hasSuffix("\nweb \(label ?? "-")\n"), "\(hashes)")
        #expect(p.compose("config", "--hash", "*").out == "web \(label ?? "-")\n")
        #expect(p.compose("config", "--hash", "web").out == "web \(label ?? "-")\n")
        let unknown = p.compose("config", "--hash", "nope")
        #expect(unknown.status == 1 && unknown.err.contains("no such service: nope"))
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
