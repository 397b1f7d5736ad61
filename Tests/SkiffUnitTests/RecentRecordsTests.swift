import Synchronization
import Testing

@testable import SkiffKit

/// `RecentRecords`: the same bytes of the same type are decoded once; any other bytes, or another type,
/// are decoded; what does not decode still throws.
@Suite("Recent records")
struct RecentRecordsTests {
    /// Counts its decodes. Each test has a type of its own, so the suites' parallel runs do not meet.
    struct Counted<Tag>: Decodable, Sendable, Equatable {
        static var decodes: Int { RecentRecordsTests.counts.withLock { $0[ObjectIdentifier(Self.self)] ?? 0 } }
        let name: String

        init(from decoder: any Decoder) throws {
            RecentRecordsTests.counts.withLock { $0[ObjectIdentifier(Self.self), default: 0] += 1 }
            name = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .name)
        }

        enum Key: CodingKey { case name }
    }

    static let counts = Mutex<[ObjectIdentifier: Int]>([:])

    enum SameBytes {}
    enum OtherBytes {}
    enum Broken {}
    enum OtherType {}

    static func bytes(_ name: String) -> [UInt8] { Array(#"{"name": "\#(name)"}"#.utf8) }

    @Test func theSameBytesAreDecodedOnce() throws {
        typealias C = Counted<SameBytes>
        for _ in 0..<3 { #expect(try RecentRecords.decode(C.self, from: Self.bytes("a")).name == "a") }
        #expect(C.decodes == 1)
    }

    @Test func otherBytesAreDecodedAgain() throws {
        typealias C = Counted<OtherBytes>
        #expect(try RecentRecords.decode(C.self, from: Self.bytes("a")).name == "a")
        #expect(try RecentRecords.decode(C.self, from: Self.bytes("b")).name == "b")
        #expect(try RecentRecords.decode(C.self, from: Self.bytes("a")).name == "a")
        #expect(C.decodes == 3)
    }

    /// A failed decode throws as before and leaves the last good record remembered (`{"name": 1}` reaches
    /// the type's decoder and is counted; `{` does not).
    @Test func whatDoesNotDecodeStillThrowsAndLeavesTheLastRecord() throws {
        typealias C = Counted<Broken>
        #expect(try RecentRecords.decode(C.self, from: Self.bytes("a")).name == "a")
        #expect(throws: (any Error).self) { try RecentRecords.decode(C.self, from: Array(#"{"name": 1}"#.utf8)) }
        #expect(throws: (any Error).self) { try RecentRecords.decode(C.self, from: Array("{".utf8)) }
        #expect(try RecentRecords.decode(C.self, from: Self.bytes("a")).name == "a")
        #expect(C.decodes == 2)
    }

    @Test func anotherTypeWithTheSameBytesIsDecodedAsItself() throws {
        #expect(try RecentRecords.decode(Counted<OtherType>.self, from: Self.bytes("x")).name == "x")
        struct Named: Decodable, Sendable { let name: String }
        #expect(try RecentRecords.decode(Named.self, from: Self.bytes("x")).name == "x")
        #expect(try RecentRecords.decode(Counted<OtherType>.self, from: Self.bytes("x")).name == "x")
        #expect(Counted<OtherType>.decodes == 1)
    }
}
