import Foundation
import Testing

@testable import SkiffKit

/// `ExecSubject(recordJSON:)`, what `exec` reads of a container.json without Codable, against its
/// contract: whatever it reads equals `ExecSubject(container)` of the record as `ContainerStore.load`
/// decodes it, and a record whose fields it needs are missing or of another type it refuses (nil), for
/// the store to decode instead.
@Suite("An exec's record read without Codable")
struct ExecSubjectJSONTests {
    // MARK: Helpers

    static func container(
        status: Container.Status = .running, labels: [String: String] = ["tier": "front"], pid: Int32? = nil,
        pidStartTime: UInt64? = nil, defaultHome: String? = nil
    ) -> Container {
        var c = Container(
            id: String(repeating: "ab", count: 32), name: "web", image: "docker.io/library/busybox:1.36",
            imageID: "sha256:x", manifestDigest: "sha256:y", layerChainIDs: ["sha256:l1"],
            command: ["sh", "-c", "top"],
            created: "2026-01-01T00:00:00Z", status: status, autoRemove: false, labels: labels)
        c.pid = pid
        c.pidStartTime = pidStartTime
        c.defaultHome = defaultHome
        c.restartPolicy = RestartPolicy(name: .always)
        c.configEnv = ["PATH=/usr/bin:/bin"]
        return c
    }

    /// `ContainerStore.load`'s decode of `bytes`, as the exec's subject.
    static func codable(_ bytes: [UInt8]) throws -> ExecSubject {
        ExecSubject(try JSONDecoder().decode(Container.self, from: Data(bytes)))
    }

    /// The lean reader must read `bytes`, and read what Codable reads.
    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let full = try codable(bytes)
        let lean = try #require(
            ExecSubject(recordJSON: bytes), "refused a record Codable reads", sourceLocation: sourceLocation)
        #expect(lean == full, sourceLocation: sourceLocation)
    }

    /// `c` as the store writes it (`KitJSON.encode`) is read as Codable reads it, giving `c`'s fields.
    static func expectRoundTrip(_ c: Container, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try KitJSON.encode(c)
        try expectAgreement(bytes, sourceLocation: sourceLocation)
        #expect(ExecSubject(recordJSON: bytes) == ExecSubject(c), sourceLocation: sourceLocation)
    }

    /// A record as the store writes it, its JSON changed by `edit` (through JSONSerialization).
    static func edited(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let bytes = try KitJSON.encode(container(pid: 77, pidStartTime: 88))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    // MARK: Records Codable reads

    @Test func eachStatusRoundTrips() throws {
        for status: Container.Status in [.created, .running, .exited, .restarting] {
            try Self.expectRoundTrip(Self.container(status: status))
        }
    }

    @Test func withAndWithoutPidStartTimeAndDefaultHome() throws {
        try Self.expectRoundTrip(Self.container())
        try Self.expectRoundTrip(Self.container(pid: 1234, pidStartTime: 5678, defaultHome: "/root"))
        try Self.expectRoundTrip(Self.container(pid: .max, pidStartTime: .max, defaultHome: ""))
        try Self.expectRoundTrip(Self.container(pid: 1234))
        try Self.expectRoundTrip(Self.container(defaultHome: "/home/user name/ü"))
    }

    @Test func emptyLabelsRoundTrip() throws {
        try Self.expectRoundTrip(Self.container(labels: [:]))
    }

    @Test func oddLabelValuesRoundTrip() throws {
        let labels = [
            "com.docker.compose.project": "my/project",
            "quotes": #"a "quoted" \value\"#,
            "unicode": "ÿ 🚢 日本 e\u{301}",
            "control": "line1\nline2\ttab\u{0}\u{1F}",
            "": "",
            "slash/in/key": "//",
        ]
        try Self.expectRoundTrip(Self.container(labels: labels))
    }

    @Test func nullOptionalsAreReadAsAbsent() throws {
        let bytes = try Self.edited { object in
            for key in ["pid", "pidStartTime", "defaultHome"] { object[key] = NSNull() }
        }
        try Self.expectAgreement(bytes)
        #expect(ExecSubject(recordJSON: bytes)?.pid == nil)
    }

    @Test func compactEncodingWithEscapedSlashesIsRead() throws {
        let bytes = Array(try JSONEncoder().encode(Self.container(labels: ["url": "https://x/y"], pid: 3)))
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"\/"#))
        try Self.expectAgreement(bytes)
    }

    /// Label keys Swift's `String ==` takes as one (canonically equivalent) but spelled with other bytes:
    /// the lean reader keeps the first, as Codable's dictionary does.
    @Test func canonicallyEquivalentLabelKeysAreReadAsCodableReadsThem() throws {
        let bytes = try Self.edited { $0["labels"] = [String: String]() }
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: #""labels":{}"#, with: #""labels":{"K":"first","\#u{212A}":"second"}"#)
        #expect(text.contains("second"))
        let full = try Self.codable(Array(text.utf8))
        #expect(full.labels == ["K": "first"])
        let lean = try #require(ExecSubject(recordJSON: Array(text.utf8)))
        #expect(lean == full)
    }

    // MARK: Refused, for the store to decode the record

    @Test func anUnknownStatusIsRefused() throws {
        for status: Any in ["paused", "Running", "", 1, NSNull()] {
            let bytes = try Self.edited { $0["status"] = status }
            #expect(throws: (any Error).self) { try Self.codable(bytes) }
            #expect(ExecSubject(recordJSON: bytes) == nil, "\(status)")
        }
    }

    @Test func labelsMissingOrNullAreRefused() throws {
        for labels: Any? in [nil, NSNull()] {
            let bytes = try Self.edited { $0["labels"] = labels }
            #expect(throws: (any Error).self) { try Self.codable(bytes) }
            #expect(ExecSubject(recordJSON: bytes) == nil)
        }
    }

    @Test func labelsWithANonStringValueAreRefused() throws {
        for value: Any in [1, true, NSNull(), ["x"], ["k": "v"]] {
            let bytes = try Self.edited { $0["labels"] = ["ok": "v", "bad": value] }
            #expect(throws: (any Error).self) { try Self.codable(bytes) }
            #expect(ExecSubject(recordJSON: bytes) == nil, "\(value)")
        }
        #expect(ExecSubject(recordJSON: try Self.edited { $0["labels"] = ["a", "b"] }) == nil)
    }

    @Test func nameMissingIsRefused() throws {
        let bytes = try Self.edited { $0["name"] = nil }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ExecSubject(recordJSON: bytes) == nil)
    }

    @Test func pidAsAStringIsRefused() throws {
        let bytes = try Self.edited { $0["pid"] = "77" }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ExecSubject(recordJSON: bytes) == nil)
    }

    @Test func pidOutOfRangeOrFractionalIsRefused() throws {
        for pid: Any in [Int64(Int32.max) + 1, 1.5] {
            #expect(ExecSubject(recordJSON: try Self.edited { $0["pid"] = pid }) == nil, "\(pid)")
        }
        #expect(ExecSubject(recordJSON: try Self.edited { $0["pidStartTime"] = -1 }) == nil)
    }

    @Test func malformedJSONIsRefused() throws {
        let good = String(decoding: try KitJSON.encode(Self.container()), as: UTF8.self)
        let bad = [
            "", "null", "[]", "{", String(good.dropLast(2)), good + "{}",
            good.replacingOccurrences(of: "\"", with: "'"),
            #"{"id":"a","id":"a"}"#,
        ]
        for text in bad {
            #expect(ExecSubject(recordJSON: Array(text.utf8)) == nil, "\(text)")
        }
    }
}
