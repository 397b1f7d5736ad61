import Foundation
import Testing

@testable import SkiffKit
@testable import SkiffPresentation

/// The `--format` of list commands as Docker's formatter has it: table (default or of chosen columns),
/// json (one object per line), or a template per row.
@Suite("list --format")
struct ListFormatTests {
    static let headers = ["Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID"]
    nonisolated(unsafe) static let rows: [[String: Any]] = [
        ["Repository": "busybox", "Tag": "latest", "ID": "abc"],
        ["Repository": "alpine", "Tag": "3.20", "ID": "def"],
    ]
    static let table = "{{.Repository}}\t{{.Tag}}\t{{.ID}}"

    @Test func noFormatAndTheWordTableAreTheDefaultTable() throws {
        let expected = "REPOSITORY   TAG      IMAGE ID\nbusybox      latest   abc\nalpine       3.20     def"
        #expect(try ListFormat(nil, defaultTable: Self.table, headers: Self.headers).render(Self.rows) == expected)
        #expect(try ListFormat("table", defaultTable: Self.table, headers: Self.headers).render(Self.rows) == expected)
    }

    @Test func tableOfChosenColumnsHasTheirHeaders() throws {
        let out = try ListFormat(
            "table {{.ID}}\t{{.Repository}}:{{.Tag}}", defaultTable: Self.table, headers: Self.headers
        )
        .render(Self.rows)
        #expect(out == "IMAGE ID   REPOSITORY:TAG\nabc        busybox:latest\ndef        alpine:3.20")
    }

    @Test func aTemplateHasNoHeader() throws {
        let out = try ListFormat("{{.Repository}}:{{.Tag}}", defaultTable: Self.table, headers: Self.headers).render(
            Self.rows)
        #expect(out == "busybox:latest\nalpine:3.20")
    }

    @Test func jsonIsOneObjectPerLine() throws {
        let out = try ListFormat("json", defaultTable: Self.table, headers: Self.headers).render(Self.rows)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String]
        #expect(first == ["Repository": "busybox", "Tag": "latest", "ID": "abc"])
    }

    @Test func anUnknownFieldIsAnErrorNamingIt() {
        #expect(throws: KitError.self) {
            try ListFormat("{{.Nope}}", defaultTable: Self.table, headers: Self.headers).render(Self.rows)
        }
    }
}
