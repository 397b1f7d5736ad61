import Foundation
import Testing

@testable import SkiffKit
@testable import SkiffPresentation

/// `--format`: the subset of Go's text/template Docker's commands are used with.
@Suite("--format templates")
struct FormatTemplateTests {
    nonisolated(unsafe) static let container: [String: Any] = [
        "Name": "web", "ID": "abc123",
        "State": ["Running": true, "Pid": Int64(42), "ExitCode": Int64(0)] as [String: Any],
        "Config": [
            "Env": ["A=1", "B=2"],
            "Labels": ["tier": "front", "app": "shop"],
        ] as [String: Any],
        "Mounts": [["Destination": "/data", "RW": true], ["Destination": "/etc", "RW": false]] as [[String: Any]],
        "NetworkSettings": ["Networks": ["bridge": ["IPAddress": "10.88.0.2"]]],
        "Empty": [Any](), "Nothing": NSNull(),
    ]

    @Test(arguments: [
        ("{{.Name}}", "web"),
        ("id={{.ID}}!", "id=abc123!"),
        ("{{.State.Pid}}", "42"),
        ("{{.State.Running}}", "true"),
        ("{{.Nothing}}", "<no value>"),
        ("{{.Config.Env}}", "[A=1 B=2]"),
        ("{{.Name | upper}}", "WEB"),
        ("{{upper .Name}}", "WEB"),
        ("{{lower \"ABC\"}}", "abc"),
        ("{{title .Name}}", "Web"),
        ("{{json .Config.Env}}", "[\"A=1\",\"B=2\"]"),
        ("{{json .Name}}", "\"web\""),
        ("{{json .State}}", "{\"ExitCode\":0,\"Pid\":42,\"Running\":true}"),
        ("{{json .Nothing}}", "null"),
        ("{{join .Config.Env \",\"}}", "A=1,B=2"),
        ("{{len .Config.Env}}", "2"),
        ("{{.Config.Env | len}}", "2"),
        ("{{len .Name}}", "3"),
        ("{{len .Config.Labels}}", "2"),
        ("{{index .Config.Labels \"tier\"}}", "front"),
        ("{{index .Config.Env 1}}", "B=2"),
        ("{{index .Config.Env 7}}", "<no value>"),
        ("{{(index .NetworkSettings.Networks \"bridge\").IPAddress}}", "10.88.0.2"),
        ("{{(index .NetworkSettings.Networks \"none\").IPAddress}}", "<no value>"),
        ("{{range .Mounts}}{{.Destination}} {{end}}", "/data /etc "),
        ("{{range .Config.Labels}}{{.}},{{end}}", "shop,front,"),
        ("{{range .Empty}}x{{else}}none{{end}}", "none"),
        ("{{range .Nothing}}x{{end}}", ""),
        ("{{if .State.Running}}up{{else}}down{{end}}", "up"),
        ("{{if .Nothing}}y{{else}}n{{end}}", "n"),
        ("{{if .Empty}}y{{end}}", ""),
        ("{{range .Mounts}}{{if .RW}}{{.Destination}}{{end}}{{end}}", "/data"),
        ("{{.Name}}\\t{{.ID}}\\n", "web\tabc123\n"),
        ("x  {{- .Name -}}  y", "xweby"),
        ("{{\"}}\"}}", "}}"),
    ])
    func renders(_ template: String, _ output: String) throws {
        #expect(try FormatTemplate(template).render(Self.container) == output)
    }

    @Test(arguments: [
        ("{{.Name", "unclosed {{"),
        ("{{end}}", "{{end}} without {{range}} or {{if}}"),
        ("{{if .Name}}x", "{{if}} without {{end}}"),
        ("{{range .Mounts}}x", "{{range}} without {{end}}"),
        ("{{else}}", "{{else}} outside {{range}} or {{if}}"),
        ("{{if .A}}a{{else}}b{{else}}c{{end}}", "{{else}} outside"),
        ("{{range}}{{end}}", "needs a value"),
        ("{{}}", "empty {{}}"),
        ("{{nope .Name}}", "unknown function \"nope\""),
        ("{{$x}}", "variables ($…) are not supported"),
        ("{{upper}}", "upper needs a field"),
        ("{{.Name | \"x\"}}", "a pipe leads to a function"),
        ("{{(.Name}}", "unclosed ("),
        ("{{.Name .ID}}", "a field takes no arguments"),
        ("{{Name}}", "unknown function \"Name\""),
        ("{{\"abc}}\"", "unclosed {{"),
    ])
    func refusesToParse(_ template: String, _ message: String) {
        do {
            _ = try FormatTemplate(template)
            Issue.record("parsed \(template)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test(arguments: [
        ("{{.Missing}}", "no field \"Missing\""),
        ("{{.State.Missing}}", "no field \"Missing\""),
        ("{{range .Name}}{{end}}", "range over web, not a list or map"),
    ])
    func refusesToRender(_ template: String, _ message: String) throws {
        let parsed = try FormatTemplate(template)
        do {
            let text = try parsed.render(Self.container)
            Issue.record("rendered \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func fieldsNameTheTableColumns() throws {
        #expect(try FormatTemplate("{{.Name}}\\t{{.State.Pid}}\\t{{upper .ID}}").fields == ["Name", "State.Pid", "ID"])
    }

    /// Codable values render through their JSON form (what `inspect --format` does).
    @Test func encodableTree() throws {
        struct Info: Encodable { var name: String; var ports: [Int]; var up: Bool }
        let tree = FormatTemplate.tree(Info(name: "db", ports: [5432, 5433], up: false))
        #expect(
            try FormatTemplate("{{.name}} {{join .ports \"/\"}} {{.up}} {{json .ports}}").render(tree)
                == "db 5432/5433 false [5432,5433]")
    }
}
