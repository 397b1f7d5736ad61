import SkiffOCI
import Testing

@testable import SkiffKit

/// `skiff update`'s checks and merge: Docker's daemon's words and order, without a container.
@Suite("container update plan")
struct ContainerUpdatePlanTests {
    static let host = UpdateHostFacts(cpuCount: 2, onlineCpus: "0-1", onlineMems: "0")

    static func plan(
        _ current: ResourceSettings = ResourceSettings(), autoRemove: Bool = false,
        _ set: (inout ContainerUpdateRequest) -> Void
    )
        throws(KitError) -> ContainerUpdatePlan
    {
        var r = ContainerUpdateRequest()
        set(&r)
        return try ContainerUpdatePlan.make(current: current, request: r, autoRemove: autoRemove, host: host)
    }

    static func refusal(
        _ current: ResourceSettings = ResourceSettings(), autoRemove: Bool = false,
        _ set: (inout ContainerUpdateRequest) -> Void
    ) -> String {
        do {
            _ = try plan(current, autoRemove: autoRemove, set)
            return ""
        } catch { return error.description }
    }

    static var limited: ResourceSettings {
        var s = ResourceSettings()
        s.memory = 64 << 20
        s.memorySwap = 64 << 20
        return s
    }

    @Test func dockersChecksRefuseWithItsWords() {
        #expect(Self.refusal { $0.memory = 1 << 20 } == "Minimum memory limit allowed is 6MB")
        #expect(
            Self.refusal {
                $0.memory = 64 << 20; $0.memorySwap = 32 << 20
            }
                == "Minimum memoryswap limit should be larger than memory limit, see usage")
        #expect(
            Self.refusal(Self.limited) { $0.memory = 128 << 20 }
                == "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"
        )
        #expect(
            Self.refusal(Self.limited) { $0.memorySwap = 32 << 20 }
                == "Minimum memoryswap limit should be larger than memory limit, see usage")
        #expect(Self.refusal { $0.nanoCpus = 3_000_000_000 }.hasPrefix("Range of CPUs is from 0.01 to 2.00"))
        #expect(
            Self.refusal {
                $0.nanoCpus = 1_000_000_000; $0.cpuQuota = 50000
            }
                == "Conflicting options: Nano CPUs and CPU Quota cannot both be set")
        var periodSet = ResourceSettings()
        periodSet.cpuPeriod = 50000
        #expect(
            Self.refusal(periodSet) { $0.nanoCpus = 1_000_000_000 }
                == "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")
        #expect(
            Self.refusal { $0.cpusetCpus = "0-7" }
                == "Requested CPUs are not available - requested 0-7, available: 0-1")
        #expect(Self.refusal { $0.cpusetCpus = "x" } == "Invalid value x for cpuset cpus")
        #expect(Self.refusal { $0.blkioWeight = 5 } == "Range of blkio weight is from 10 to 1000")
        #expect(
            Self.refusal(autoRemove: true) { $0.restartPolicy = RestartPolicy(name: .always) }
                == "Restart policy cannot be updated because AutoRemove is enabled for the container")
    }

    @Test func lowerMemoryWritesOnlyWhatIsAsked() throws {
        let p = try Self.plan(Self.limited) { $0.memory = 32 << 20 }
        #expect(p.settings.memory == 32 << 20)
        #expect(p.settings.memorySwap == 64 << 20, "the swap limit stays as it was (Docker)")
        #expect(p.live == LinuxResources(memory: LinuxMemory(limit: 32 << 20)))
    }

    @Test func cpusBecomeAQuotaOverDockersPeriodAndPidsMinusOneIsUnlimited() throws {
        var current = ResourceSettings()
        current.pidsLimit = 10
        let p = try Self.plan(current) {
            $0.nanoCpus = 1_500_000_000
            $0.pidsLimit = -1
        }
        #expect(p.live.cpu == LinuxCPU(quota: 150_000, period: 100_000))
        #expect(p.live.pids == LinuxPids(limit: -1))
        #expect(p.settings.pidsLimit == nil)
        var written = LinuxResources()
        p.settings.write(into: &written)
        #expect(written.cpu == LinuxCPU(quota: 150_000, period: 100_000))
        #expect(written.pids == nil)
        // Read back from the spec with the record's NanoCpus: inspect shows NanoCpus, not a quota.
        let back = ResourceSettings(resources: written, nanoCpus: p.settings.nanoCpus)
        #expect(back == p.settings)
    }

    @Test func writingKeepsWhatUpdateDoesNotCover() throws {
        var spec = LinuxResources(
            devices: [LinuxDeviceCgroup(allow: false, access: "rwm")],
            memory: LinuxMemory(limit: 64 << 20, swap: 64 << 20, swappiness: 10))
        let current = ResourceSettings(resources: spec, nanoCpus: nil)
        let p = try Self.plan(current) {
            $0.memory = 128 << 20
            $0.memorySwap = 256 << 20
            $0.cpuShares = 512
        }
        p.settings.write(into: &spec)
        #expect(spec.memory == LinuxMemory(limit: 128 << 20, swap: 256 << 20, swappiness: 10))
        #expect(spec.cpu?.shares == 512)
        #expect(spec.devices?.count == 1)
    }
}
