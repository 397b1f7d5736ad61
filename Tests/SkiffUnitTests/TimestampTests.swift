import SkiffRuntime
import Testing

/// The one time formatter: RFC 3339 with nanoseconds (records, runc's `created`), whole seconds (log
/// lines), parsing Docker's and Go's spellings, and Docker's human durations.
@Suite("Timestamp: RFC 3339 and human durations")
struct TimestampTests {
    @Test func formatsNanosecondsInUTC() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp.format(1_764_758_400.5) == "2025-12-03T10:40:00.500000000Z")
        #expect(Timestamp.format(seconds: 1_764_758_400, nanoseconds: 7) == "2025-12-03T10:40:00.000000007Z")
    }

    @Test func nowIsRFC3339AndParsesBack() throws {
        let text = Timestamp.now()
        #expect(text.count == 30 && text.hasSuffix("Z"), "\(text)")
        let seconds = try #require(Timestamp.parse(text))
        #expect(abs(seconds - Timestamp.nowSeconds()) < 5)
        let whole = Timestamp.nowWholeSeconds()
        #expect(whole.count == 20 && whole.hasSuffix("Z") && !whole.contains("."), "\(whole)")
    }

    @Test(arguments: [
        ("2025-12-03T10:40:00Z", 1_764_758_400.0), ("2025-12-03T10:40:00.25Z", 1_764_758_400.25),
        ("2025-12-03T10:40:00.123456789Z", 1_764_758_400.123456789), ("2025-12-03T12:40:00+02:00", 1_764_758_400.0),
        ("2025-12-03T08:10:00-02:30", 1_764_758_400.0),
    ])
    func parses(_ text: String, _ seconds: Double) throws {
        #expect(abs(try #require(Timestamp.parse(text)) - seconds) < 1e-6)
    }

    @Test(arguments: ["", "yesterday", "2025-12-03", "2025-12-03 10:40"])
    func doesNotParse(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test(
        arguments: [
            (0.5, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
            (150, "2 minutes"),
            (3600, "About an hour"), (3 * 3600, "3 hours"), (47 * 3600, "47 hours"), (3 * 86400, "3 days"),
            (20 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years"), (-5, "Less than a second"),
        ] as [(Double, String)])
    func humanDuration(_ seconds: Double, _ text: String) {
        #expect(Timestamp.humanDuration(seconds) == text)
    }

    @Test func ago() {
        #expect(Timestamp.ago("2025-12-03T10:40:00Z", now: 1_764_758_400 + 7200) == "2 hours ago")
        #expect(Timestamp.ago(nil) == "N/A")
        #expect(Timestamp.ago("not a time") == "N/A")
    }
}
