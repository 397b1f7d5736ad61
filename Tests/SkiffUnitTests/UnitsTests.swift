import Testing

@testable import SkiffKit

/// Docker's duration and size spellings: the plain cases (the hostile ones, overflow and the like,
/// are HostileInputParserTests').
@Suite("Units: durations and sizes")
struct UnitsTests {
    @Test(arguments: [
        ("30s", Int64(30_000_000_000)), ("1m30s", 90_000_000_000), ("500ms", 500_000_000), ("1h", 3_600_000_000_000),
        ("2h45m", 9_900_000_000_000), ("1.5s", 1_500_000_000), ("100us", 100_000), ("10ns", 10), ("0", 0),
    ])
    func duration(_ text: String, _ nanoseconds: Int64) throws {
        #expect(try Units.parseDuration(text) == nanoseconds)
    }

    @Test(arguments: ["", "30", "1x", "s", "m30", "1m30", "-1s"])
    func notADuration(_ text: String) {
        #expect(throws: Units.Invalid.self) { try Units.parseDuration(text) }
    }

    @Test func bareNumbersAreSecondsInComposeFiles() throws {
        #expect(try Units.parseDuration("30", bareNumberIsSeconds: true) == 30_000_000_000)
        #expect(try Units.parseDuration("1m", bareNumberIsSeconds: true) == 60_000_000_000)
    }

    @Test(arguments: [
        ("2048", Int64(2048)), ("100k", 102_400), ("64m", 67_108_864), ("512M", 536_870_912),
        ("1g", 1_073_741_824), ("1gb", 1_073_741_824), ("1t", 1_099_511_627_776),
    ])
    func bytes(_ text: String, _ value: Int64) throws {
        #expect(try Units.parseBytes(text) == value)
    }

    @Test(arguments: ["", "0", "-1m", "abc", "1x"])
    func notASize(_ text: String) {
        #expect(throws: Units.Invalid.self) { try Units.parseBytes(text) }
    }

    @Test(arguments: [
        (Int64(0), "0s"), (90_000_000_000, "1m30s"), (500_000_000, "500ms"), (3_600_000_000_000, "1h"),
        (3_661_000_000_000, "1h1m1s"),
    ])
    func formatted(_ nanoseconds: Int64, _ text: String) {
        #expect(Units.format(nanoseconds: nanoseconds) == text)
    }
}
