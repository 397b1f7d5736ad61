import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 14: `system df -v` (Docker's four tables) and `system df --format` (table, json, templates),
/// driven through the built CLI.
@Suite(
    "system df -v and --format",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct SystemDiskUsageCLITests {
    static func columns(_ line: Substring) -> [String] {
        line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func verboseTablesAndFormats() throws {
        let root = try CLIRoot(prefix: "skiff-df-")
        defer { root.cleanUp(removeVolumes: true) }
        #expect(root.skiff("run", "--name", "c", "busybox", "sh", "-c", "head -c 5000 /dev/zero > /f").status == 0)
        #expect(root.skiff("commit", "c", "made:1").status == 0)
        #expect(root.skiff("rm", "c").status == 0)
        #expect(root.skiff("volume", "create", "v1").status == 0)
        #expect(root.skiff("volume", "create", "idle").status == 0)
        #expect(root.skiff("run", "-d", "--name", "box", "-v", "v1:/data", "busybox", "sleep", "1000").status == 0)
        #expect(root.skiff("exec", "box", "sh", "-c", "head -c 20000 /dev/zero > /data/z; echo hi > /w").status == 0)

        let df = root.skiff("system", "df", "-v")
        #expect(df.status == 0, "\(df.err)")
        let lines = df.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "Images space usage:", "\(df.out)")
        #expect(
            Self.columns(lines[2])
                == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"],
            "\(df.out)")
        let busybox = lines.first { $0.hasPrefix("busybox ") }.map(Self.columns) ?? []
        let made = lines.first { $0.hasPrefix("made ") }.map(Self.columns) ?? []
        #expect(busybox.count == 8 && busybox.last == "1", "busybox is used by box: \(df.out)")
        #expect(made.count == 8 && made.last == "0", "\(df.out)")
        // made:1 is busybox's layers and one more: they share busybox's layers.
        if busybox.count == 8 && made.count == 8 {
            #expect(busybox[5] == made[5] && busybox[5] != "0B" && busybox[6] != made[6], "shared sizes: \(df.out)")
        }
        #expect(df.out.contains("\nContainers space usage:\n\n"), "\(df.out)")
        let container = lines.first { $0.hasSuffix(" box") }.map(Self.columns) ?? []
        #expect(container.count == 8 && container[1] == "busybox" && container[3] == "1", "\(df.out)")
        #expect(df.out.contains("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS   SIZE\n"), "\(df.out)")
        let v1 = lines.first { $0.hasPrefix("v1 ") }.map(Self.columns) ?? []
        #expect(v1.count == 3 && v1[1] == "1" && v1[2] != "0B", "\(df.out)")
        #expect(lines.first { $0.hasPrefix("idle ") }.map(Self.columns)?[1] == "0", "\(df.out)")
        #expect(
            df.out.contains(
                "\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE   CREATED   LAST USED   USAGE   SHARED"),
            "\(df.out)")

        // --format: a template, json, a table of chosen columns.
        let typed = root.skiff("system", "df", "--format", "{{.Type}}: {{.TotalCount}} {{.Active}}")
        #expect(typed.out == "Images: 2 1\nContainers: 1 1\nLocal Volumes: 2 1\nBuild Cache: 0 0\n", "\(typed)")
        let json = root.skiff("system", "df", "--format", "json").out.split(separator: "\n")
        #expect(json.count == 4 && json[0].hasPrefix("{\"Active\":\"1\",\"Reclaimable\":"), "\(json)")
        #expect(json.count == 4 && json[2].hasSuffix(",\"TotalCount\":\"2\",\"Type\":\"Local Volumes\"}"), "\(json)")
        let table = root.skiff("system", "df", "--format", "table {{.Type}}\t{{.Reclaimable}}").out
        #expect(table.hasPrefix("TYPE            RECLAIMABLE\nImages   "), "\(table)")
        #expect(table.contains("%)"), "reclaimable with its share, as Docker's: \(table)")
        let plain = root.skiff("system", "df").out.split(separator: "\n")
        #expect(plain.count == 5 && Self.columns(plain[0]) == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"])

        // -v with a template or json: the four lists.
        let ranged = root.skiff(
            "system", "df", "-v", "--format",
            "{{range .Images}}{{.Repository}}={{.Containers}};{{end}}{{range .Volumes}}{{.Name}}={{.Links}};{{end}}")
        #expect(ranged.out.contains("busybox=1;") && ranged.out.contains("made=0;"), "\(ranged)")
        #expect(ranged.out.contains("idle=0;v1=1;"), "\(ranged)")
        let document = root.skiff("system", "df", "-v", "--format", "json").out
        let parsed = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
        #expect(Set(parsed?.keys.map { $0 } ?? []) == ["Images", "Containers", "Volumes", "BuildCache"], "\(document)")
        #expect((parsed?["Images"] as? [[String: Any]])?.count == 2, "\(document)")

        // A build's steps are the build cache's items.
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\nRUN echo hi > /x\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        #expect(root.skiff("build", "-q", "-t", "built", context, timeout: 180).status == 0)
        let cached = root.skiff("system", "df", "-v").out
        let cacheLines = cached.components(separatedBy: "\nBuild cache usage: ").last?.split(separator: "\n") ?? []
        #expect(cacheLines.first != "0B", "\(cached)")
        #expect(cacheLines.contains { Self.columns($0).dropFirst().first == "regular" }, "\(cached)")
        // Built again: every step a hit, each entry used twice.
        #expect(root.skiff("build", "-q", "-t", "built", context, timeout: 180).status == 0)
        let usage = root.skiff(
            "system", "df", "-v", "--format", "{{range .BuildCache}}{{.CacheType}}={{.UsageCount}};{{end}}"
        ).out
        #expect(usage.contains("regular=2;") && !usage.contains("regular=1;"), "\(usage)")
    }
}
