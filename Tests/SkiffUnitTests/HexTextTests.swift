import Testing

@testable import SkiffKit

@Suite("Hex text")
struct HexTextTests {
    @Test func randomIDsAreLowerCaseHexOfTheAskedLength() {
        let hex = Set("0123456789abcdef")
        for count in [0, 1, 5, 12, 64] {
            let id = HexText.random(count: count)
            #expect(id.count == count)
            #expect(id.allSatisfy(hex.contains), "\(id)")
        }
    }

    @Test func randomIDsDifferAndUseEveryDigit() {
        let ids = (0..<50).map { _ in HexText.random(count: 64) }
        #expect(Set(ids).count == ids.count)
        // 3,200 digits: a digit missing from all of them would mean the nibbles are not both used.
        #expect(Set(ids.joined()).count == 16)
    }

    @Test func aByteIsTwoDigits() {
        #expect(HexText.byte(0) == "00")
        #expect(HexText.byte(0xa7) == "a7")
        #expect(HexText.byte(0xff) == "ff")
    }
}
