import Foundation
import SkiffKit
import SkiffRuntime
import Testing

/// Named build contexts and entitlements as values: `--build-context` / `--allow` parsing, which
/// stages a named context replaces, compose's `additional_contexts` / `entitlements` / `privileged`,
/// and the bounding set `--privileged` gives.
@Suite("build contexts and entitlements: parsing and planning")
struct BuildContextPlanTests {
    final class Dir {
        let path = NSTemporaryDirectory() + "skiff-bctx-unit-\(UUID().uuidString)"
        init(_ subdirectories: [String] = []) throws {
            for d in [""] + subdirectories {
                try FileManager.default.createDirectory(atPath: path + "/" + d, withIntermediateDirectories: true)
            }
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "(no error)"
        } catch { return "\(error)" }
    }

    @Test func buildContextValues() throws {
        let d = try Dir(["src/lib"])
        let (name, context) = try BuildNamedContext.parse("lib=./src/./lib/", base: d.path)
        #expect(name == "lib" && context == .directory(d.path + "/src/lib"))
        #expect(try BuildNamedContext.parse("up=src/lib/..", base: d.path).context == .directory(d.path + "/src"))
        #expect(
            try BuildNamedContext.parse("alpine=docker-image://busybox:1.36", base: d.path).context
                == .image("busybox:1.36"))
        #expect(
            Self.message { _ = try BuildNamedContext.parse("x", base: d.path) }
                == "--build-context x: expected NAME=VALUE (a directory or docker-image://REF)")
        #expect(
            Self.message { _ = try BuildNamedContext.parse("x=nope", base: d.path) }
                == "--build-context x=nope: the directory \(d.path)/nope does not exist")
        #expect(
            Self.message { _ = try BuildNamedContext.parse("=dir", base: d.path) }.contains(
                "invalid build context name"))
        #expect(Self.message { _ = try BuildNamedContext.parse("x=", base: d.path) }.contains("the value is empty"))
        #expect(
            Self.message { _ = try BuildNamedContext.parse("x=docker-image://UPPER", base: d.path) }
                .contains("invalid image reference"))
        for remote in ["https://example.com/a.tar", "oci-layout:///tmp/l", "git@github.com:a/b.git"] {
            #expect(
                Self.message { _ = try BuildNamedContext.parse("x=" + remote, base: d.path) }
                    .contains("takes a local directory or docker-image://REF"), "\(remote)")
        }
    }

    /// BuildKit matches a named context by the normalized image name: `FROM docker.io/library/busybox:latest`
    /// uses the context named `busybox`; another tag does not.
    @Test func namesMatchAsImageNames() throws {
        #expect(BuildNamedContext.key("docker.io/library/busybox:latest") == "busybox")
        #expect(BuildNamedContext.key("busybox") == "busybox")
        #expect(BuildNamedContext.key("busybox:1.36") == "busybox:1.36")
        #expect(BuildNamedContext.key("Deps") == "deps")
        let file = try DockerfileParser().parse("FROM docker.io/library/busybox:latest\nFROM busybox:1.36\n")
        let named = try StageResolver(file, namedContexts: ["busybox"])
        #expect(named.isNamedContext("docker.io/library/busybox") && !named.isNamedContext("busybox:1.36"))
    }

    @Test func entitlements() throws {
        #expect(try BuildEntitlement.parse("network.host") == .networkHost)
        #expect(try BuildEntitlement.parse("security.insecure") == .securityInsecure)
        #expect(
            Self.message { _ = try BuildEntitlement.parse("device") }
                == "--allow device: unknown entitlement (expected network.host or security.insecure)")
    }

    /// BuildKit: a named context replaces a stage of the same name, so the stage is neither a
    /// dependency nor built.
    @Test func aNamedContextReplacesTheStage() throws {
        let file = try DockerfileParser().parse(
            """
            FROM busybox AS deps
            RUN echo stage
            FROM deps AS app
            COPY --from=deps /a /a
            RUN --mount=type=bind,from=deps,target=/x true

            """)
        let plain = try StageResolver(file)
        #expect(try plain.plan(target: nil, expand: { $0 }) == [0, 1])
        let named = try StageResolver(file, namedContexts: ["deps"])
        #expect(try named.plan(target: nil, expand: { $0 }) == [1])
        #expect(named.stage(named: "deps") == nil && named.isNamedContext("DEPS"))
        #expect(named.stage(named: "app")?.index == 1)
    }

    @Test func runSecurityFlagValues() throws {
        let file = try DockerfileParser().parse(
            "FROM busybox\nRUN --security=insecure true\nRUN --security=sandbox true\n")
        #expect(file.instructions[1].flag("security") == "insecure")
        #expect(
            Self.message { _ = try DockerfileParser().parse("FROM busybox\nRUN --security=privileged true\n") }
                == "Dockerfile:2: RUN --security=privileged: expected sandbox or insecure")
    }

    @Test func privilegedGivesTheBoundingSet() {
        // A host whose bounding set lacks CAP_SYS_RESOURCE (24): asking for it would make capset fail.
        let status = "Name:\tskiff\nCapInh:\t0000000000000000\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\n"
        let set = HostCapabilities.boundingSet(status: status)
        #expect(set?.contains(.sysResource) == false)
        #expect(set?.contains(.sysAdmin) == true)
        #expect(set?.count == Capability.allCases.count - 1)
        #expect(HostCapabilities.boundingSet(status: "Name:\tx\n") == nil)
    }

    // MARK: compose

    static func load(_ d: Dir, _ yaml: String) throws(ComposeError) -> ComposeProject {
        try? d.write("compose.yaml", yaml)
        var o = ComposeLoadOptions(workingDirectory: d.path, environment: [:])
        o.files = ["compose.yaml"]
        return try ComposeLoader.load(o)
    }

    @Test func composeAdditionalContextsAndEntitlements() throws {
        let d = try Dir(["app", "shared", "more"])
        let p = try Self.load(
            d,
            """
            services:
              app:
                build:
                  context: ./app
                  additional_contexts:
                    shared: ./shared
                    img: docker-image://busybox
                    basectx: service:base
                  entitlements: [network.host]
                  privileged: true
              base:
                build:
                  context: .
                  additional_contexts: ["more=more"]
            """)
        let app = try #require(p.service("app")?.build)
        #expect(
            app.additionalContexts == [
                "shared": d.path + "/shared", "img": "docker-image://busybox", "basectx": "service:base",
            ])
        #expect(app.entitlements == [.networkHost, .securityInsecure])
        #expect(app.contextServices == ["base"])
        #expect(p.service("base")?.build?.additionalContexts == ["more": d.path + "/more"])
        #expect(p.service("base")?.build?.entitlements == [])
    }

    @Test func composeBadValuesNameTheKey() throws {
        let d = try Dir()
        func error(_ build: String, more: String = "") -> String {
            Self.message { _ = try Self.load(d, "services:\n  app:\n    build: \(build)\n" + more) }
        }
        #expect(
            error("{context: ., entitlements: [network.host, root]}").contains("services.app.build.entitlements[1]"))
        #expect(
            error("{context: ., additional_contexts: {x: ./missing}}").contains(
                "services.app.build.additional_contexts.x: the directory \(d.path)/missing does not exist"))
        #expect(
            error("{context: ., additional_contexts: [novalue]}").contains(
                "additional_contexts[0]: expected NAME=VALUE"))
        #expect(
            error("{context: ., additional_contexts: {x: service:nope}}").contains(
                "refers to undefined service \"nope\""))
        #expect(
            error("{context: ., additional_contexts: {x: service:app}}").contains(
                "cannot be a build context of its own"))
        #expect(error("{context: ., privileged: maybe}").contains("services.app.build.privileged"))
        let cycle = error(
            "{context: ., additional_contexts: {x: service:b}}",
            more: "  b:\n    build: {context: ., additional_contexts: {y: service:app}}\n")
        #expect(cycle.contains("the services' builds need each other: app -> b -> app"), "\(cycle)")
    }
}
