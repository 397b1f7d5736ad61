import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Default rlimits never ask for more than the host allows (setrlimit would fail in the container).
@Suite("Host limits")
struct HostLimitsTests {
    static let nofile = POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1_048_576, soft: 1_048_576)

    @Test func aLowerHostHardLimitWins() {
        #expect(
            HostLimits.clamp([Self.nofile], hostHard: { _ in 20_000 })
                == [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 20_000, soft: 20_000)])
    }

    @Test func aHigherHostLimitChangesNothing() {
        #expect(HostLimits.clamp([Self.nofile], hostHard: { _ in UInt64.max }) == [Self.nofile])
        let low = POSIXRlimit(type: "RLIMIT_NOFILE", hard: 4096, soft: 1024)
        #expect(HostLimits.clamp([low], hostHard: { _ in 8192 }) == [low])
    }

    @Test func onlyTheSoftLimitAboveTheNewHardOneMoves() {
        let limit = POSIXRlimit(type: "RLIMIT_NPROC", hard: 10_000, soft: 500)
        #expect(
            HostLimits.clamp([limit], hostHard: { _ in 1000 })
                == [POSIXRlimit(type: "RLIMIT_NPROC", hard: 1000, soft: 500)])
    }

    @Test func unknownNamesAreLeftForTheSpecCheck() {
        let odd = POSIXRlimit(type: "RLIMIT_FOO", hard: 5, soft: 5)
        #expect(HostLimits.clamp([odd], hostHard: { _ in nil }) == [odd])
    }

    /// The planner's table and the host's agree on every RLIMIT_* number.
    @Test func resourceTablesAgree() {
        #expect(HostLimits.resources == ProcessPlanner.rlimitResources)
    }
}
