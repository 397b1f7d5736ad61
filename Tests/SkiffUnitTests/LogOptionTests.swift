import Foundation
import Testing

@testable import SkiffKit

/// `--log-opt` checked as dockerd checks it, the attributes json-file adds from labels, env and tag, and
/// how `logs --details` prints them.
@Suite("log options and attributes")
struct LogOptionTests {
    func refusal(_ driver: LogDriver, _ options: [String: String], size: Int64? = nil, files: Int? = nil) -> String? {
        do { try driver.check(options: options, maxSize: size, maxFiles: files, origin: "--log-opt") } catch {
            return "\(error)"
        }
        return nil
    }

    @Test func driversTakeDockersKeysAndNamesAnUnknownOne() {
        #expect(
            refusal(.jsonFile, ["max-size": "1m", "max-file": "3", "labels": "a", "env-regex": "^X", "tag": "t"]) == nil
        )
        #expect(refusal(.jsonFile, ["mode": "non-blocking", "max-buffer-size": "4m", "compress": "false"]) == nil)
        #expect(refusal(.jsonFile, ["nope": "1"])?.contains("unknown log opt 'nope' for json-file log driver") == true)
        #expect(refusal(.local, ["env": "A"])?.contains("unknown log opt 'env' for local log driver") == true)
        #expect(refusal(.local, ["max-size": "1m", "max-file": "2"]) == nil)
        #expect(refusal(.none, ["anything": "1"]) == nil, "dockerd checks nothing for none")
        #expect(refusal(.jsonFile, ["mode": "sometimes"])?.contains("mode") == true)
        #expect(refusal(.jsonFile, ["max-buffer-size": "4m"])?.contains("non-blocking") == true)
        #expect(refusal(.jsonFile, ["mode": "non-blocking", "max-buffer-size": "lots"]) != nil)
        #expect(refusal(.jsonFile, ["compress": "maybe"]) != nil)
        // Docker's json-file: compress needs max-file 2 or more and a max-size.
        #expect(refusal(.jsonFile, ["compress": "true"])?.contains("compress cannot be true") == true)
        #expect(refusal(.jsonFile, ["compress": "true"], size: 1 << 20, files: 1) != nil)
        #expect(refusal(.jsonFile, ["compress": "true"], size: 0, files: 3) != nil)
        #expect(refusal(.jsonFile, ["compress": "true"], size: 1 << 20, files: 3) == nil)
        #expect(refusal(.local, ["compress": "true"]) == nil)
    }

    static let source = LogAttributes.Source(
        id: "0123456789abcdef0123", name: "web", imageID: "sha256:feedface", imageName: "busybox:latest",
        command: ["sh", "-c", "true"], labels: ["a": "1", "app.x": "2", "E": "label"],
        env: ["E=env", "LOG_LEVEL=debug", "PATH=/bin"])

    @Test func attributesAreTheNamedLabelsThenEnvThenTag() throws {
        var attrs = LogAttributes()
        let taken = [
            attrs.set("labels", "a,E,missing"), attrs.set("env", "E"), attrs.set("tag", "{{.Name}}/{{ .ID }}"),
        ]
        let notAttribute = attrs.set("max-size", "1m")
        #expect(taken == [true, true, true] && !notAttribute)
        #expect(try attrs.values(Self.source) == ["a": "1", "E": "env", "tag": "web/0123456789ab"])
        #expect(
            try attrs.json(Self.source)
                == #"{"E":"env","a":"1","tag":"web\/0123456789ab"}"#.replacingOccurrences(of: "\\/", with: "/"))

        var regex = LogAttributes()
        _ = regex.set("labels-regex", "^app\\.")
        _ = regex.set("env-regex", "^LOG_")
        #expect(try regex.values(Self.source) == ["app.x": "2", "LOG_LEVEL": "debug"])
        #expect(try LogAttributes().json(Self.source) == nil)
    }

    /// A label or variable the image or the user chose is data in the log line, never structure: a value
    /// with quotes, a newline or a control character cannot end the entry or start a forged one.
    @Test func hostileValuesStayInsideOneEntry() throws {
        var attrs = LogAttributes()
        _ = attrs.set("labels", "evil")
        _ = attrs.set("env", "EVIL")
        var source = Self.source
        let forged = "x\"}\n{\"log\":\"forged\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\u{1b}[2J\u{0}"
        source.labels["evil"] = forged
        source.env.append("EVIL=" + forged)
        let json = try #require(try attrs.json(source))
        #expect(
            !json.contains("\n") && !json.contains("\u{1b}") && !json.contains("\u{0}"), "one line, no raw controls")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String], "a JSON object")
        #expect(object == ["evil": forged, "EVIL": forged])
    }

    @Test func badRegexOrTemplateIsRefusedAtCreate() {
        var re = LogAttributes()
        _ = re.set("labels-regex", "(")
        #expect(throws: KitError.self) { try re.check(origin: "--log-opt") }
        var tag = LogAttributes()
        _ = tag.set("tag", "{{.Nope}}")
        #expect(throws: KitError.self) { try tag.check(origin: "--log-opt") }
        _ = tag.set("tag", "{{.Name")
        #expect(throws: KitError.self) { try tag.check(origin: "--log-opt") }
        _ = tag.set("tag", "{{.ImageName}} {{.ImageID}} {{.DaemonName}} {{.Command}} {{.FullID}} {{.ImageFullID}}")
        #expect(throws: Never.self) { try tag.check(origin: "--log-opt") }
    }

    @Test func detailsAreSortedAndQueryEscaped() {
        let entry = LogEntry(log: "x\n", stream: "stdout", time: "t", attrs: ["b": "x y", "a": "1/2&=", "é": "ok"])
        #expect(entry.details == "a=1%2F2%26%3D,b=x+y,%C3%A9=ok")
        #expect(LogEntry(log: "x\n", stream: "stdout", time: "t").details == "")
    }
}
