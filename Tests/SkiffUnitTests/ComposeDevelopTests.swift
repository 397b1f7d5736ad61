import Foundation
import SkiffKit
import Testing

/// `develop:` is accepted and checked as Docker Compose checks it (up ignores it; `compose watch` reads it),
/// shown by `compose config`, and no part of a container's config hash.
@Suite("compose develop")
struct ComposeDevelopTests {
    static func error(_ develop: String) -> String {
        do {
            _ = try ComposeResourceMappingTests.load("services:\n  app:\n    image: busybox\n    develop:\n" + develop)
            return "(loaded)"
        } catch { return error.description }
    }

    @Test func watchRulesAreParsed() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              web:
                build: .
                develop:
                  watch:
                    - action: sync
                      path: ./web
                      target: /src/web
                      initial_sync: true
                      ignore: [node_modules/]
                    - action: rebuild
                      path: package.json
                    - action: sync+exec
                      path: ./conf
                      target: /etc/app
                      exec:
                        command: kill -HUP 1
                        user: root
                    - action: sync+restart
                      path: ./proxy.conf
                      target: /etc/proxy.conf
            """)
        let web = try #require(project.service("web"))
        let rules = try #require(web.develop?.watch)
        let dir = project.workingDirectory
        #expect(rules.map(\.action) == [.sync, .rebuild, .syncExec, .syncRestart])
        #expect(rules.map(\.path) == [dir + "/web", dir + "/package.json", dir + "/conf", dir + "/proxy.conf"])
        #expect(rules[0].target == "/src/web" && rules[0].initialSync && rules[0].ignore == ["node_modules/"])
        #expect(rules[2].exec?.command == ["kill", "-HUP", "1"] && rules[2].exec?.user == "root")
        let yaml = project.yaml()
        #expect(yaml.contains("develop:") && yaml.contains("action: sync+exec"), "\(yaml)")

        var other = web
        other.develop = nil
        #expect(ComposeLabels.configHash(web, imageID: "i") == ComposeLabels.configHash(other, imageID: "i"))
    }

    @Test func badRulesAreNamed() {
        #expect(
            Self.error("      watch:\n        - {action: copy, path: .}\n")
                .contains("services.app.develop.watch[0].action: expected sync, rebuild"))
        #expect(
            Self.error("      watch:\n        - {action: sync, path: .}\n")
                .contains("services.app.develop.watch[0].target: a sync rule needs a target"))
        #expect(
            Self.error("      watch:\n        - {action: rebuild}\n")
                .contains("services.app.develop.watch[0]: path is required"))
        #expect(
            Self.error("      watch:\n        - {action: sync+exec, path: ., target: /x}\n")
                .contains("services.app.develop.watch[0]: a sync+exec rule needs exec.command"))
        #expect(
            Self.error("      watch:\n        - {action: sync, path: ., target: /x, tagret: /y}\n")
                .contains("services.app.develop.watch[0].tagret: unknown key; did you mean target?"))
    }
}
