import Foundation
import SkiffKit
import Testing

/// `include:`, `network_mode: service:NAME`, `runtime:` and `security_opt:` as Docker Compose loads them: no root, the
/// files in a temporary directory, the loaded project (and the `run` options a service maps to) compared.
@Suite("compose include, network_mode service:, runtime, security_opt")
struct ComposeIncludeNetworkModeTests {
    /// A temporary project directory `proj` with `files` (path → text) in it; removed by `body`'s end.
    static func withProject<T>(_ files: [String: String], _ body: (String) throws -> T) throws -> T {
        let base = NSTemporaryDirectory() + "compose-include-\(UUID().uuidString)"
        let dir = base + "/proj"
        defer { try? FileManager.default.removeItem(atPath: base) }
        for (path, text) in files {
            let full = dir + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return try body(dir)
    }

    static func load(_ dir: String, environment: [String: String] = [:]) throws -> ComposeProject {
        try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: environment))
    }

    static func loadError(_ files: [String: String]) throws -> String {
        try withProject(files) { dir in
            do {
                _ = try load(dir)
                return ""
            } catch { return "\(error)" }
        }
    }

    @Test func includedFileBringsItsServicesWithPathsFromItsOwnDirectory() throws {
        try Self.withProject([
            "compose.yaml": """
            include:
              - lib/compose.yaml
              - path: [other/a.yaml, other/b.yaml]
                env_file: other/vars.env
            services:
              web:
                image: busybox
                depends_on: [cache, worker]
            """,
            "lib/compose.yaml": """
            services:
              cache:
                image: ${CACHE_IMAGE}
                build:
                  context: ./ctx
                  additional_contexts:
                    assets: ./assets
                    base: docker-image://busybox
                env_file: app.env
                volumes:
                  - ./data:/data
                secrets: [token]
            secrets:
              token:
                file: ./token.txt
            """,
            "lib/.env": "CACHE_IMAGE=redis:7\n",
            "lib/app.env": "A=1\n",
            "lib/token.txt": "t\n",
            "lib/assets/a.txt": "a\n",
            "other/a.yaml": "services:\n  worker:\n    image: ${WORKER}\n",
            "other/b.yaml": "services:\n  worker:\n    environment:\n      - B=2\n",
            "other/vars.env": "WORKER=busybox:1\n",
        ]) { (dir: String) throws in
            let p = try Self.load(dir)
            #expect(p.services.map(\.name).sorted() == ["cache", "web", "worker"])
            let cache = try #require(p.service("cache"))
            #expect(cache.image == "redis:7")
            #expect(cache.build?.context == dir + "/lib/ctx")
            #expect(cache.build?.additionalContexts["assets"] == dir + "/lib/assets")
            #expect(cache.build?.additionalContexts["base"] == "docker-image://busybox")
            #expect(cache.envFiles == [dir + "/lib/app.env"])
            #expect(cache.volumes.first?.source == dir + "/lib/data")
            #expect(p.secrets.first?.source == .file(dir + "/lib/token.txt"))
            let worker = try #require(p.service("worker"))
            #expect(worker.image == "busybox:1")
            #expect(worker.environment.map(\.name) == ["B"])
        }
    }

    @Test func theIncludingProjectsVariablesWinOverTheIncludedEnvFile() throws {
        try Self.withProject([
            "compose.yaml": "include:\n  - lib/compose.yaml\n",
            "lib/compose.yaml": "services:\n  s:\n    image: ${IMG}\n",
            "lib/.env": "IMG=from-included\n",
        ]) { (dir: String) throws in
            #expect(try Self.load(dir).service("s")?.image == "from-included")
            #expect(try Self.load(dir, environment: ["IMG": "from-caller"]).service("s")?.image == "from-caller")
        }
    }

    @Test(arguments: [
        (
            ["compose.yaml": "include: [a.yaml]\nservices: {}\n", "a.yaml": "include: [compose.yaml]\n"],
            "include cycle"
        ),
        (["compose.yaml": "include: [missing.yaml]\nservices: {}\n"], "no such file"),
        (
            ["compose.yaml": "include:\n  - path: a.yaml\n    env_file: nope.env\n", "a.yaml": "services: {}\n"],
            "nope.env"
        ),
        (
            ["compose.yaml": "include:\n  - path: a.yaml\n    bogus: 1\n", "a.yaml": "services: {}\n"],
            "include[0].bogus"
        ),
        (
            [
                "compose.yaml": "include: [a.yaml]\n",
                "a.yaml": "services:\n  s:\n    build: {context: .}\n    ports: [nonsense]\n",
            ], "a.yaml"
        ),
    ])
    func badIncludesAreRefusedNamingTheCause(files: [String: String], expected: String) throws {
        let message = try Self.loadError(files)
        #expect(message.contains(expected), "\(message)")
    }

    /// A service the including file declares too is the imported one with the including file's keys
    /// merged over it (Docker Compose 2.24+).
    @Test func theIncludingFileOverridesAnImportedService() throws {
        try Self.withProject([
            "compose.yaml": "include: [lib/a.yaml]\nservices:\n  s:\n    environment: [B=2]\n",
            "lib/a.yaml": "services:\n  s:\n    image: busybox\n    environment: [A=1]\n    env_file: a.env\n",
            "lib/a.env": "",
        ]) { (dir: String) throws in
            let s = try #require(try Self.load(dir).service("s"))
            #expect(s.image == "busybox")
            #expect(s.environment.map(\.name) == ["A", "B"])
            #expect(s.envFiles == [dir + "/lib/a.env"])
        }
    }

    @Test func networkModeServiceJoinsThatServicesContainer() throws {
        try Self.withProject([
            "compose.yaml": """
            services:
              vpn:
                image: busybox
              app:
                image: busybox
                network_mode: "service:vpn"
              named:
                image: busybox
                container_name: the-named
              side:
                image: busybox
                network_mode: service:named
              outside:
                image: busybox
                network_mode: container:elsewhere
            """
        ]) { (dir: String) throws in
            let p = try Self.load(dir)
            let wiring = ComposeWiring(project: p)
            let app = try #require(p.service("app"))
            #expect(app.dependsOn.map(\.service) == ["vpn"])
            #expect(
                try wiring.runOptions(app, name: "proj-app-1", number: 1, configHash: "H").network
                    == .container("proj-vpn-1"))
            let side = try #require(p.service("side"))
            #expect(
                try wiring.runOptions(side, name: "proj-side-1", number: 1, configHash: "H").network
                    == .container("the-named"))
            let outside = try #require(p.service("outside"))
            #expect(outside.dependsOn.isEmpty)
            #expect(
                try wiring.runOptions(outside, name: "proj-outside-1", number: 1, configHash: "H").network
                    == .container("elsewhere"))
        }
    }

    @Test(arguments: [
        ("network_mode: service:ghost", "refers to undefined service \"ghost\""),
        ("network_mode: service:s", "cannot join its own network namespace"),
        ("network_mode: \"service:\"", "needs a service's name"),
        ("network_mode: host\n    networks: [n]", "mutually exclusive `network_mode` (host) and `networks`"),
    ])
    func badNetworkModesAreRefused(line: String, expected: String) throws {
        let message = try Self.loadError([
            "compose.yaml": "services:\n  s:\n    image: busybox\n    \(line)\nnetworks:\n  n: {}\n"
        ])
        #expect(message.contains(expected), "\(message)")
    }

    /// Docker Compose loads any runtime name (`compose config` shows it); dockerd refuses, at create,
    /// one it is not configured with — Skiff has one runtime, `skiff`.
    @Test func runtimeLoadsAndCreationRefusesAnUnknownOne() throws {
        try Self.withProject([
            "compose.yaml": """
            services:
              wasm:
                image: busybox
                runtime: io.containerd.wasmedge.v1
              own:
                image: busybox
                runtime: skiff
            """
        ]) { (dir: String) throws in
            let p = try Self.load(dir)
            let wiring = ComposeWiring(project: p)
            #expect(p.service("wasm")?.runtime == "io.containerd.wasmedge.v1")
            let wasm = try #require(p.service("wasm"))
            #expect(throws: ComposeError.self) {
                _ = try wiring.runOptions(wasm, name: "proj-wasm-1", number: 1, configHash: "H")
            }
            do {
                _ = try wiring.runOptions(wasm, name: "proj-wasm-1", number: 1, configHash: "H")
            } catch {
                #expect("\(error)".contains("unknown or invalid runtime name: io.containerd.wasmedge.v1"))
            }
            let own = try #require(p.service("own"))
            _ = try wiring.runOptions(own, name: "proj-own-1", number: 1, configHash: "H")
        }
    }

    /// netdata's `apparmor:unconfined` (and `label:disable`) ask for no AppArmor profile / SELinux label,
    /// which is how Skiff runs every container; a profile it cannot apply is refused.
    @Test func securityOptAskingForNoConfinementSkiffLacksIsCarriedOut() throws {
        try Self.withProject([
            "compose.yaml": """
            services:
              netdata:
                image: busybox
                security_opt:
                  - apparmor:unconfined
                  - label=disable
                  - no-new-privileges:true
              custom:
                image: busybox
                security_opt: [apparmor=docker-default]
            """
        ]) { (dir: String) throws in
            let p = try Self.load(dir)
            let wiring = ComposeWiring(project: p)
            let netdata = try #require(p.service("netdata"))
            let o = try wiring.runOptions(netdata, name: "proj-netdata-1", number: 1, configHash: "H")
            #expect(o.noNewPrivileges)
            let custom = try #require(p.service("custom"))
            #expect(throws: ComposeError.self) {
                _ = try wiring.runOptions(custom, name: "proj-custom-1", number: 1, configHash: "H")
            }
        }
    }
}
