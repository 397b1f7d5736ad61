import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `--isolation` (run, create, build) and compose `isolation` / `build.isolation`: Docker on Linux takes
/// `default` and refuses every other value with the daemon's message, before anything is made.
@Suite(
    "isolation as Docker on Linux takes it",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct IsolationFlagTests {
    static let refusal = "Invalid isolation: \"hyperv\" - linux only supports 'default'"

    @Test func defaultRunsAndOtherValuesAreRefused() throws {
        let root = try CLIRoot(prefix: "skiff-isolation-")
        defer { root.cleanUp() }
        let ran = root.skiff("run", "--rm", "--isolation", "default", "busybox", "echo", "ok")
        #expect(ran.status == 0 && ran.out == "ok\n", "\(ran)")
        let refused = root.skiff("run", "--rm", "--isolation", "hyperv", "busybox", "true")
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.err.contains("--isolation: " + Self.refusal), "\(refused.err)")
        let created = root.skiff("create", "--isolation", "process", "busybox")
        #expect(created.status == 125 && created.err.contains("\"process\""), "\(created)")
        #expect(root.engine.containers.all().isEmpty)

        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\nRUN echo built > /b\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let built = root.skiff("build", "--isolation", "default", "-t", "iso", context)
        #expect(built.status == 0, "\(built.out)\(built.err)")
        let badBuild = root.skiff("build", "--isolation", "hyperv", "-t", "iso2", context)
        #expect(badBuild.status != 0 && badBuild.err.contains(Self.refusal), "\(badBuild)")
        #expect(!badBuild.out.contains("Step 1/"), "\(badBuild.out)")

        // Compose: the service's and the build's key.
        func config(_ yaml: String) -> CLIRoot.Result {
            try? yaml.write(toFile: context + "/compose.yaml", atomically: true, encoding: .utf8)
            return root.skiff("compose", "-f", context + "/compose.yaml", "config")
        }
        let ok = config("services:\n  app:\n    build: {context: ., isolation: default}\n    isolation: default\n")
        #expect(ok.status == 0, "\(ok)")
        let service = config("services:\n  app:\n    image: busybox\n    isolation: hyperv\n")
        #expect(service.status != 0 && service.err.contains("services.app.isolation"), "\(service)")
        #expect(service.err.contains(Self.refusal), "\(service.err)")
        let build = config("services:\n  app:\n    build: {context: ., isolation: hyperv}\n")
        #expect(build.status != 0 && build.err.contains("services.app.build.isolation"), "\(build)")
    }
}
