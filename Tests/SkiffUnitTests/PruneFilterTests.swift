import SkiffKit
import Testing

/// The prune commands' `--filter`, as Docker's: every filter must match.
@Suite struct PruneFilterTests {
    let now = 1_800_000_000.0

    @Test func untilAndLabelsChooseWhatGoes() throws {
        let old = "2020-01-01T00:00:00Z"
        let recent = "2027-01-15T08:00:00Z"  // `now`
        let f = try PruneFilter(parsing: ["until=24h"], now: now)
        #expect(f.matches(created: old, labels: [:]))
        #expect(!f.matches(created: recent, labels: [:]))
        #expect(!f.matches(created: nil, labels: [:]), "an unknown time is never old enough")
        let labels = try PruneFilter(parsing: ["label=tier", "label!=keep=yes"], now: now)
        #expect(labels.matches(created: nil, labels: ["tier": "db"]))
        #expect(labels.matches(created: nil, labels: ["tier": "db", "keep": "no"]))
        #expect(!labels.matches(created: nil, labels: ["tier": "db", "keep": "yes"]))
        #expect(!labels.matches(created: nil, labels: [:]))
        #expect(PruneFilter().isEmpty && PruneFilter().matches(created: nil, labels: [:]))
    }

    @Test func badFiltersAreRefused() {
        for bad in ["colour=red", "until=soon", "label=", "until"] {
            #expect(throws: KitError.self, "\(bad)") { try PruneFilter(parsing: [bad], now: now) }
        }
        #expect(throws: KitError.self) { try PruneFilter(parsing: ["until=1h"], allowUntil: false, now: now) }
    }
}
