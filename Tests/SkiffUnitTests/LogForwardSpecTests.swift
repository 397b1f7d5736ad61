import Foundation
import Testing

@testable import SkiffKit

/// Docker's syslog and journald drivers as Skiff's plain data: their options checked as dockerd's
/// ValidateLogOpt checks them, and the spec the log writer connects and formats from.
@Suite("syslog and journald drivers")
struct LogForwardSpecTests {
    let source = LogAttributes.Source(
        id: String(repeating: "ab", count: 32), name: "web", imageID: "sha256:" + String(repeating: "c", count: 64),
        imageName: "nginx:1", command: ["nginx"], labels: ["com.example.team": "ops"], env: ["STAGE=prod"])

    func refusal(_ driver: LogDriver, _ options: [String: String]) -> String? {
        do { try driver.check(options: options, origin: "--log-opt") } catch { return "\(error)" }
        return nil
    }

    @Test func syslogAddressesAsDockerReadsThem() throws {
        let exists: (String) -> Bool = { $0 == "/run/log.sock" }
        #expect(try LogForwardSpec.syslogAddress("", exists: exists) == ("local", ""))
        #expect(try LogForwardSpec.syslogAddress("udp://logs.example", exists: exists) == ("udp", "logs.example:514"))
        #expect(try LogForwardSpec.syslogAddress("tcp://10.0.0.5:601", exists: exists) == ("tcp", "10.0.0.5:601"))
        #expect(try LogForwardSpec.syslogAddress("tcp://[::1]:601", exists: exists) == ("tcp", "[::1]:601"))
        #expect(
            try LogForwardSpec.syslogAddress("unixgram:///run/log.sock", exists: exists) == (
                "unixgram", "/run/log.sock"
            ))
        for (bad, says) in [
            ("unix:///nope.sock", "stat /nope.sock: no such file or directory"),
            ("http://x", "unsupported scheme: 'http'"),
            ("logs.example:514", "unsupported scheme"),
            ("tcp://h:99999", "invalid port"),
            ("tcp+tls://h:6514", "udp, tcp and unix sockets"),
        ] {
            #expect(throws: KitError.self, "\(bad)") { try LogForwardSpec.syslogAddress(bad, exists: exists) }
            do { _ = try LogForwardSpec.syslogAddress(bad, exists: exists) } catch {
                #expect("\(error)".contains(says), "\(bad): \(error)")
            }
        }
    }

    @Test func optionsAreEachDriversOwn() {
        #expect(
            refusal(.syslog, ["syslog-facility": "local3", "syslog-format": "rfc5424micro", "tag": "{{.Name}}"]) == nil)
        #expect(
            refusal(.syslog, ["max-size": "1m"])?.contains("unknown log opt 'max-size' for syslog log driver") == true)
        #expect(refusal(.journald, ["syslog-address": "udp://x"])?.contains("for journald log driver") == true)
        #expect(
            refusal(.journald, ["labels": "a", "env": "B", "cache-max-size": "5m", "cache-disabled": "true"]) == nil)
        #expect(refusal(.syslog, ["syslog-facility": "24"])?.contains("invalid syslog facility") == true)
        #expect(refusal(.syslog, ["syslog-format": "json"])?.contains("Invalid syslog format") == true)
        #expect(refusal(.syslog, ["cache-max-file": "0"])?.contains("cache-max-file") == true)
    }

    @Test func theLocalCopyKeepsDockersCacheDefaults() {
        let d = LogDriver.syslog.cache([:])
        #expect(d.maxSize == 20 << 20, "\(d)")
        #expect(d.maxFiles == 5 && d.compress && !d.disabled, "\(d)")
        let c = LogDriver.journald.cache(["cache-max-size": "1m", "cache-max-file": "2", "cache-disabled": "true"])
        #expect(c.maxSize == 1 << 20 && c.maxFiles == 2 && c.disabled)
    }

    @Test func syslogSpecCarriesTheFixedParts() throws {
        let spec = try LogForwardSpec.make(
            .syslog, options: ["syslog-address": "udp://127.0.0.1:5514", "syslog-facility": "local0"],
            source: source, hostname: "host1")
        #expect(
            spec
                == "kind syslog\nnet udp\naddress 127.0.0.1:5514\nfacility 16\nformat unix\nhostname host1\ntag abababababab"
        )
        let named = try LogForwardSpec.make(
            .syslog, options: ["tag": "app/{{.Name}}", "syslog-format": "rfc5424"], source: source, hostname: "h")
        #expect(named?.contains("net local\n") == true && named?.contains("tag app/web") == true, "\(named ?? "")")
    }

    @Test func journaldSpecNamesTheContainerAndItsAttributes() throws {
        let spec = try #require(
            try LogForwardSpec.make(
                .journald, options: ["labels": "com.example.team", "env": "STAGE", "tag": "{{.ImageName}}"],
                source: source, hostname: "h"))
        let fields = spec.split(separator: "\n").filter { $0.hasPrefix("field ") }.map { String($0.dropFirst(6)) }
        #expect(
            fields == [
                "CONTAINER_ID=abababababab", "CONTAINER_ID_FULL=\(source.id)", "CONTAINER_NAME=web",
                "CONTAINER_TAG=nginx:1", "IMAGE_NAME=nginx:1", "SYSLOG_IDENTIFIER=nginx:1", "STAGE=prod",
                "COM_EXAMPLE_TEAM=ops",
            ], "\(fields)")
        #expect(spec.hasPrefix("kind journald\nnet unixgram\naddress /run/systemd/journal/socket\n"))
        #expect(LogForwardSpec.journalFieldName("_my-key.x") == "MY_KEY_X")
    }

    @Test func gelfAndFluentdAddressesAsDockerReadsThem() throws {
        #expect(try LogForwardSpec.gelfAddress("udp://graylog:12201") == ("udp", "graylog:12201"))
        #expect(try LogForwardSpec.gelfAddress("tcp://10.0.0.9:12201") == ("tcp", "10.0.0.9:12201"))
        for bad in [nil, "", "graylog:12201", "http://g:1", "udp://graylog"] {
            #expect(throws: KitError.self, "\(bad ?? "nil")") { try LogForwardSpec.gelfAddress(bad) }
        }
        #expect(try LogForwardSpec.fluentdAddress(nil) == ("tcp", "127.0.0.1:24224"))
        #expect(try LogForwardSpec.fluentdAddress("fluentd") == ("tcp", "fluentd:24224"))
        #expect(try LogForwardSpec.fluentdAddress("tcp://fluentd:24225") == ("tcp", "fluentd:24225"))
        #expect(try LogForwardSpec.fluentdAddress(":24225") == ("tcp", "127.0.0.1:24225"))
        #expect(try LogForwardSpec.fluentdAddress("unix:///run/fluent.sock") == ("unix", "/run/fluent.sock"))
        #expect(throws: KitError.self) { try LogForwardSpec.fluentdAddress("tcp://h:1/path") }
        #expect(
            refusal(.gelf, ["gelf-address": "udp://g:1", "gelf-compression-type": "lz4"])?.contains(
                "Unknown gelf compression type") == true)
        #expect(
            refusal(.fluentd, ["fluentd-address": "f", "fluentd-async": "maybe"])?.contains("expected true or false")
                == true)
        #expect(refusal(.fluentd, ["syslog-address": "udp://x"])?.contains("for fluentd log driver") == true)
    }

    @Test func gelfAndFluentdSpecsCarryDockersFields() throws {
        var s = source
        s.created = "2026-12-06T01:00:00Z"
        let gelf = try #require(
            try LogForwardSpec.make(
                .gelf, options: ["gelf-address": "udp://g:12201", "labels": "com.example.team"], source: s,
                hostname: "h"))
        #expect(gelf.contains("\ncompression gzip\nlevel 1\nhostname h\n"), "\(gelf)")
        #expect(
            gelf.hasSuffix(
                #"extra ,"_container_id":"\#(s.id)","_container_name":"web","_image_id":"\#(s.imageID)","_image_name":"nginx:1","_command":"nginx","_tag":"abababababab","_created":"2026-12-06T01:00:00Z","_com.example.team":"ops""#
            ), "\(gelf)")
        let fluentd = try #require(
            try LogForwardSpec.make(.fluentd, options: ["env": "STAGE"], source: s, hostname: "h"))
        #expect(
            fluentd
                == "kind fluentd\nnet tcp\naddress 127.0.0.1:24224\ntag abababababab\nsubsecond 0\nlazy 0\nfield container_id=\(s.id)\nfield container_name=/web\nfield STAGE=prod",
            "\(fluentd)")
    }
}
