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

    @Test func snapshotsSeeChangesButNotIgnoredFiles() throws {
        let dir = NSTemporaryDirectory() + "watch-snap-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try "a".write(toFile: dir + "/a.txt", atomically: false, encoding: .utf8)
        try "b".write(toFile: dir + "/sub/b.txt", atomically: false, encoding: .utf8)
        var rule = ComposeWatchRule(action: .sync, path: dir)
        rule.target = "/app"
        rule.ignore = ["*.log"]
        let ignore = try WatchSnapshot.ignoreRules(rule)
        let include = try WatchSnapshot.includeRules(rule)
        let before = WatchSnapshot.take(dir, ignore: ignore, include: include)
        #expect(Set(before.entries.keys) == ["a.txt", "sub", "sub/b.txt"])

        try "aa".write(toFile: dir + "/a.txt", atomically: false, encoding: .utf8)
        try "x".write(toFile: dir + "/debug.log", atomically: false, encoding: .utf8)
        try "x".write(toFile: dir + "/.a.txt.swp", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/new/deep", withIntermediateDirectories: true)
        try "n".write(toFile: dir + "/new/deep/n.txt", atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/sub")
        let after = WatchSnapshot.take(dir, ignore: ignore, include: include)
        let changes = before.changes(to: after)
        #expect(changes == WatchChanges(changed: ["a.txt", "new", "new/deep", "new/deep/n.txt"], removed: ["sub"]))

        var only = rule
        only.include = ["**/*.txt"]
        let txt = WatchSnapshot.take(dir, ignore: ignore, include: try WatchSnapshot.includeRules(only))
        #expect(Set(txt.entries.keys) == ["a.txt", "new/deep/n.txt"])
    }

    @Test func plansFollowTheRules() {
        var sync = ComposeWatchRule(action: .sync, path: "/src")
        sync.target = "/app"
        var exec = ComposeWatchRule(action: .syncExec, path: "/conf/app.conf")
        exec.target = "/etc/app.conf"
        exec.exec = ComposeWatchExec(command: ["reload"])
        let rebuild = ComposeWatchRule(action: .rebuild, path: "/src/package.json")
        let rules = [sync, exec, rebuild]

        let plan = WatchPlan.make(
            rules, changes: [0: WatchChanges(changed: ["a", "d/b"], removed: ["old"]), 1: WatchChanges(changed: [""])])
        #expect(
            plan.copies == [
                .init(host: "/src/a", container: "/app/a"), .init(host: "/src/d/b", container: "/app/d/b"),
                .init(host: "/conf/app.conf", container: "/etc/app.conf"),
            ])
        #expect(plan.removals == ["/app/old"] && plan.execs.map(\.command) == [["reload"]] && !plan.restart)
        #expect(plan.changeCount == 4 && !plan.rebuild)

        // A rebuild recreates the container: nothing is synced into the old one.
        let both = WatchPlan.make(rules, changes: [0: WatchChanges(changed: ["a"]), 2: WatchChanges(changed: [""])])
        #expect(both.rebuild && both.copies.isEmpty && both.execs.isEmpty)
        #expect(WatchPlan.make(rules, changes: [:]).isEmpty)
    }
}
