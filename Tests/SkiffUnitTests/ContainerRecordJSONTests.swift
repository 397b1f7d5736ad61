import Foundation
import SkiffOCI
import SkiffSystem
import Testing

@testable import SkiffRuntime

/// `ContainerRecord(stateJSON:)`, a state.json read without Codable, against its contract: whatever it
/// reads equals `JSONDecoder().decode(ContainerRecord.self, from:)` of the same bytes, and what it cannot
/// read so (hooks, a field missing or of another type, bad JSON) it refuses (nil) for the runtime to
/// decode with Codable. And its writer (`JSONOutput`): the bytes of `JSONEncoder` with sorted keys.
@Suite("state.json read without Codable")
struct ContainerRecordJSONTests {
    // MARK: Helpers

    static func record(
        cgroup: CgroupStatePaths? = v2Cgroup, annotations: [String: String]? = ["a": "b"], hostMounts: Bool? = nil,
        owner: String = "", pid: Int32 = 4242, pidStartTime: UInt64 = 123_456
    ) -> ContainerRecord {
        var r = ContainerRecord(
            id: "c1", bundle: "/run/bundles/c1", rootfs: "/run/bundles/c1/rootfs", pid: pid,
            pidStartTime: pidStartTime, created: "2026-01-02T03:04:05.678Z", annotations: annotations,
            cgroup: cgroup)
        r.hostMounts = hostMounts
        r.owner = owner
        return r
    }

    static let v2Cgroup = CgroupStatePaths(
        layout: .v2(root: "/sys/fs/cgroup"), path: "/skiff/c1", paths: ["unified": "/sys/fs/cgroup/skiff/c1"])

    static let v1Cgroup = CgroupStatePaths(
        layout: .v1(hierarchies: ["cpu": "/sys/fs/cgroup/cpu,cpuacct", "memory": "/sys/fs/cgroup/memory"]),
        path: "/skiff/c1",
        paths: ["cpu": "/sys/fs/cgroup/cpu,cpuacct/skiff/c1", "memory": "/sys/fs/cgroup/memory/skiff/c1"])

    static let hybridCgroup = CgroupStatePaths(
        layout: .hybrid(hierarchies: ["pids": "/sys/fs/cgroup/pids"], unified: "/sys/fs/cgroup/unified"),
        path: "/skiff/c1",
        paths: ["pids": "/sys/fs/cgroup/pids/skiff/c1", "unified": "/sys/fs/cgroup/unified/skiff/c1"],
        fakeFilesystem: true)

    /// A plain encoder, slashes escaped: how the runtime wrote state.json before `JSONOutput`.
    static func runtimeEncoded(_ r: ContainerRecord) throws -> [UInt8] { Array(try JSONEncoder().encode(r)) }

    /// How the runtime writes state.json now (`OCIRuntime.save`, `JSONOutput`), byte for byte.
    static func prettyEncoded(_ r: ContainerRecord) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(r))
    }

    static func codable(_ bytes: [UInt8]) throws -> ContainerRecord {
        try JSONDecoder().decode(ContainerRecord.self, from: Data(bytes))
    }

    /// The lean reader must read `bytes`, and read what Codable reads.
    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let full = try codable(bytes)
        let lean = try #require(
            ContainerRecord(stateJSON: bytes), "refused a record Codable reads", sourceLocation: sourceLocation)
        #expect(lean == full, sourceLocation: sourceLocation)
    }

    /// Both encodings of `r` are read, as Codable reads them, and Codable gives `r` back; the writer
    /// writes the encoder's bytes.
    static func expectRoundTrip(_ r: ContainerRecord, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(JSONOutput.bytes(of: r) == (try prettyEncoded(r)), sourceLocation: sourceLocation)
        for bytes in [try runtimeEncoded(r), try prettyEncoded(r)] {
            try expectAgreement(bytes, sourceLocation: sourceLocation)
            #expect(ContainerRecord(stateJSON: bytes) == r, sourceLocation: sourceLocation)
        }
    }

    /// A record as the runtime writes it, its JSON changed by `edit` (through JSONSerialization).
    static func edited(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(try runtimeEncoded(record()))) as? [String: Any])
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// `edited` on the record's cgroup object.
    static func editedCgroup(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        try edited { object in
            var cgroup = object["cgroup"] as? [String: Any] ?? [:]
            edit(&cgroup)
            object["cgroup"] = cgroup
        }
    }

    // MARK: Records Codable reads

    @Test func runtimeEncodingEscapesSlashesAndIsReadAsCodableReadsIt() throws {
        let bytes = try Self.runtimeEncoded(Self.record())
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"\/run\/bundles\/c1"#))
        try Self.expectAgreement(bytes)
        #expect(ContainerRecord(stateJSON: bytes) == Self.record())
    }

    @Test func eachCgroupLayoutRoundTrips() throws {
        for cgroup in [Self.v2Cgroup, Self.v1Cgroup, Self.hybridCgroup] {
            try Self.expectRoundTrip(Self.record(cgroup: cgroup))
        }
    }

    @Test func noCgroupRoundTrips() throws {
        try Self.expectRoundTrip(Self.record(cgroup: nil))
    }

    @Test func fakeFilesystemTrueAndFalseRoundTrip() throws {
        for fake in [true, false] {
            var cgroup = Self.v1Cgroup
            cgroup.fakeFilesystem = fake
            try Self.expectRoundTrip(Self.record(cgroup: cgroup))
        }
    }

    @Test func annotationsNilEmptyAndOddValuesRoundTrip() throws {
        let odd = [
            "org.opencontainers.image.source": "https://example.com/a/b",
            "quoted": #"say "hi" \ back\slash"#,
            "unicode": "héllo wörld 🚢 日本",
            "control": "tab\tnewline\nnul\u{0}",
            "": "",
            "path/key": "/",
        ]
        for annotations: [String: String]? in [nil, [:], odd] {
            try Self.expectRoundTrip(Self.record(annotations: annotations))
        }
    }

    @Test func hostMountsNilTrueAndFalseRoundTrip() throws {
        for hostMounts: Bool? in [nil, true, false] {
            try Self.expectRoundTrip(Self.record(hostMounts: hostMounts))
        }
    }

    @Test func ownerRoundTrips() throws {
        try Self.expectRoundTrip(Self.record(owner: "1000:1000"))
    }

    @Test func largestPidAndStartTimeRoundTrip() throws {
        try Self.expectRoundTrip(Self.record(pid: .max, pidStartTime: .max))
        try Self.expectRoundTrip(Self.record(pid: 0, pidStartTime: 0))
    }

    @Test func nullOptionalsAreReadAsAbsent() throws {
        let bytes = try Self.edited { object in
            for key in ["hooks", "hostMounts", "annotations", "cgroup"] { object[key] = NSNull() }
        }
        try Self.expectAgreement(bytes)
        #expect(ContainerRecord(stateJSON: bytes) == Self.record(cgroup: nil, annotations: nil))
    }

    @Test func unknownMembersAreIgnoredAsCodableIgnoresThem() throws {
        let bytes = try Self.edited { object in
            object["ociVersion"] = "1.2.0"
            object["extra"] = ["nested": [1, 2.5, "x", NSNull()]]
        }
        try Self.expectAgreement(bytes)
    }

    /// Keys Swift's `String ==` takes as one (canonically equivalent) but spelled with other bytes, raw or
    /// escaped: the lean reader keeps the first, as Codable's dictionary does.
    @Test func canonicallyEquivalentAnnotationKeysAreReadAsCodableReadsThem() throws {
        for (first, second) in [("K", "\u{212A}"), ("\u{E9}", "e\u{301}"), ("K", #"\u212A"#)] {
            let bytes = try Self.edited { $0["annotations"] = [String: String]() }
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                of: #""annotations":{}"#, with: #""annotations":{"\#(first)":"first","\#(second)":"second"}"#)
            #expect(text.contains("second"))
            let full = try Self.codable(Array(text.utf8))
            #expect(full.annotations == [first: "first"])
            let lean = try #require(ContainerRecord(stateJSON: Array(text.utf8)))
            #expect(lean == full)
        }
    }

    // MARK: Hooks are left to Codable

    @Test func aRecordWithHooksIsRefused() throws {
        var r = Self.record()
        var hooks = Hooks()
        hooks.poststop = [Hook(path: "/usr/bin/cleanup", args: ["cleanup", "--all"], env: ["A=1"], timeout: 5)]
        r.hooks = hooks
        #expect(JSONOutput.bytes(of: r) == (try Self.prettyEncoded(r)))
        for bytes in [try Self.runtimeEncoded(r), try Self.prettyEncoded(r)] {
            #expect(try Self.codable(bytes) == r)
            #expect(ContainerRecord(stateJSON: bytes) == nil)
        }
    }

    @Test func nullHooksAreRead() throws {
        let bytes = try Self.edited { $0["hooks"] = NSNull() }
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""hooks":null"#))
        try Self.expectAgreement(bytes)
    }

    // MARK: Refused, for Codable to decode (or to name the error)

    @Test func pidAsAStringIsRefused() throws {
        #expect(ContainerRecord(stateJSON: try Self.edited { $0["pid"] = "4242" }) == nil)
    }

    @Test func pidAboveInt32MaxIsRefused() throws {
        let bytes = try Self.edited { $0["pid"] = Int64(Int32.max) + 1 }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func pidWithAFractionIsRefused() throws {
        let bytes = try Self.edited { $0["pid"] = 1.5 }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func pidStartTimeNegativeOrPastUInt64IsRefused() throws {
        let negative = try Self.edited { $0["pidStartTime"] = -1 }
        #expect(ContainerRecord(stateJSON: negative) == nil)
        let text = String(decoding: try Self.runtimeEncoded(Self.record()), as: UTF8.self)
            .replacingOccurrences(of: #""pidStartTime":123456"#, with: #""pidStartTime":18446744073709551616"#)
        #expect(text.contains("18446744073709551616"))
        #expect(ContainerRecord(stateJSON: Array(text.utf8)) == nil)
    }

    @Test func missingOwnerIsRefused() throws {
        let bytes = try Self.edited { $0["owner"] = nil }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func missingRequiredMembersAreRefused() throws {
        for key in ["id", "bundle", "rootfs", "pid", "pidStartTime", "created"] {
            #expect(ContainerRecord(stateJSON: try Self.edited { $0[key] = nil }) == nil, "without \(key)")
            #expect(ContainerRecord(stateJSON: try Self.edited { $0[key] = NSNull() }) == nil, "\(key) null")
        }
    }

    @Test func missingFakeFilesystemInCgroupIsRefused() throws {
        let bytes = try Self.editedCgroup { $0["fakeFilesystem"] = nil }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func cgroupWithoutPathsOrWithANonStringPathIsRefused() throws {
        #expect(ContainerRecord(stateJSON: try Self.editedCgroup { $0["paths"] = nil }) == nil)
        #expect(ContainerRecord(stateJSON: try Self.editedCgroup { $0["paths"] = ["unified": 1] }) == nil)
    }

    @Test func layoutWithTwoKeysIsRefused() throws {
        let bytes = try Self.editedCgroup {
            $0["layout"] = ["v2": ["root": "/sys/fs/cgroup"], "v1": ["hierarchies": [String: String]()]]
        }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func layoutWithAnUnknownCaseIsRefused() throws {
        let bytes = try Self.editedCgroup { $0["layout"] = ["v3": ["root": "/sys/fs/cgroup"]] }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func layoutCasesMissingTheirValuesAreRefused() throws {
        let layouts: [[String: Any]] = [
            ["v2": [String: Any]()], ["v2": "/sys/fs/cgroup"], ["v1": [String: Any]()],
            ["hybrid": ["hierarchies": [String: String]()]], ["hybrid": ["unified": "/u"]], [:],
        ]
        for layout in layouts {
            let bytes = try Self.editedCgroup { $0["layout"] = layout }
            #expect(throws: (any Error).self) { try Self.codable(bytes) }
            #expect(ContainerRecord(stateJSON: bytes) == nil, "\(layout)")
        }
    }

    @Test func annotationsWithANonStringValueAreRefused() throws {
        let bytes = try Self.edited { $0["annotations"] = ["a": "b", "n": 1] }
        #expect(throws: (any Error).self) { try Self.codable(bytes) }
        #expect(ContainerRecord(stateJSON: bytes) == nil)
    }

    @Test func aDuplicateKeyIsRefused() throws {
        // Codable takes the first; the lean reader refuses the document.
        let text = String(decoding: try Self.runtimeEncoded(Self.record()), as: UTF8.self)
        let doubled = #"{"pid":1,"# + String(text.dropFirst())
        #expect(try Self.codable(Array(doubled.utf8)).pid == 1)
        #expect(ContainerRecord(stateJSON: Array(doubled.utf8)) == nil)
    }

    @Test func malformedJSONIsRefused() throws {
        let good = String(decoding: try Self.runtimeEncoded(Self.record()), as: UTF8.self)
        let bad = [
            "", "null", "[]", #""state""#, String(good.dropLast()), good + "}", good + " x",
            good.replacingOccurrences(of: ",", with: ",,"), good.replacingOccurrences(of: #""pid":"#, with: #"pid:"#),
        ]
        for text in bad {
            #expect(ContainerRecord(stateJSON: Array(text.utf8)) == nil, "\(text)")
        }
        // A string that is not UTF-8.
        let notUTF8 = Array(good.replacingOccurrences(of: #""id":"c1""#, with: #""id":"c@""#).utf8)
            .map { $0 == UInt8(ascii: "@") ? 0xFF : $0 }
        #expect(notUTF8.contains(0xFF))
        #expect(ContainerRecord(stateJSON: notUTF8) == nil)
    }

    // MARK: A field added to the record must be added to the reader

    /// `OCIRuntime.load` reads every state.json with this reader and `save` writes it with the writer: a
    /// stored property of `ContainerRecord` or `CgroupStatePaths` either does not know would be dropped for
    /// every command. Adding one fails here until `ContainerRecord+JSON.swift` reads and writes it (or the
    /// reader refuses records that have it) and this list names it.
    @Test func theReaderKnowsEveryFieldOfTheRecord() {
        let record = Mirror(reflecting: Self.record(cgroup: Self.v2Cgroup)).children.compactMap(\.label)
        #expect(
            record == [
                "id", "bundle", "rootfs", "hostMounts", "pid", "pidStartTime", "created", "annotations", "cgroup",
                "owner", "hooks",
            ])
        let cgroup = Mirror(reflecting: Self.v2Cgroup).children.compactMap(\.label)
        #expect(cgroup == ["layout", "path", "paths", "fakeFilesystem"])
    }
}
