import Testing

@testable import SkiffKit

/// --detach-keys: Docker's syntax, and the sequence found across reads.
@Suite("detach keys")
struct DetachKeysTests {
    @Test func parsesDockersSyntax() throws {
        #expect(try DetachKeys(parsing: "ctrl-p,ctrl-q").sequence == [0x10, 0x11])
        #expect(try DetachKeys(parsing: "ctrl-a,x").sequence == [0x01, UInt8(ascii: "x")])
        #expect(try DetachKeys(parsing: "ctrl-@,ctrl-_").sequence == [0, 31])
        #expect(throws: KitError.self) { try DetachKeys(parsing: "ctrl-pp") }
        #expect(throws: KitError.self) { try DetachKeys(parsing: "") }
    }

    @Test func findsTheSequenceAcrossReadsAndPassesABrokenOneOn() throws {
        var k = try DetachKeys(parsing: "ctrl-a,x")
        var r = k.feed([0x61, 0x01])
        #expect(r.forward == [0x61] && !r.detach, "a possible start is held back")
        r = k.feed([0x62])
        #expect(r.forward == [0x01, 0x62] && !r.detach, "a broken-off sequence goes on whole")
        r = k.feed([0x01])
        r = k.feed([UInt8(ascii: "x"), 0x63])
        #expect(r.forward.isEmpty && r.detach)
    }
}
