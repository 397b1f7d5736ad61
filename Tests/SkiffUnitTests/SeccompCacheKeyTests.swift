import Foundation
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// The seccomp cache's key (`SeccompCacheKey`): a program is taken from the cache only for a profile
/// that would compile to it, so every field that goes into the program must change the key.
struct SeccompCacheKeyTests {
    static let base = LinuxSeccomp(
        defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86"],
        flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [
            LinuxSyscall(names: ["read", "write"], action: "SCMP_ACT_ALLOW"),
            LinuxSyscall(
                names: ["personality"], action: "SCMP_ACT_ALLOW", errnoRet: nil,
                args: [LinuxSeccompArg(index: 0, value: 8, valueTwo: nil, op: "SCMP_CMP_EQ")]),
        ])

    static func key(_ s: LinuxSeccomp) -> [UInt8] { SeccompCacheKey.bytes(s, header: "h\n") }

    @Test func everyFieldOfTheProgramChangesTheKey() {
        var variants: [LinuxSeccomp] = []
        func vary(_ change: (inout LinuxSeccomp) -> Void) {
            var s = Self.base
            change(&s)
            variants.append(s)
        }
        vary { $0.defaultAction = "SCMP_ACT_KILL" }
        vary { $0.defaultErrnoRet = nil }
        vary { $0.defaultErrnoRet = 38 }
        vary { $0.architectures = nil }
        vary { $0.architectures = [] }
        vary { $0.architectures = ["SCMP_ARCH_X32"] }
        vary { $0.flags = nil }
        vary { $0.flags = ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] }
        vary { $0.syscalls = nil }
        vary { $0.syscalls = [] }
        vary { $0.syscalls![0].names = ["read"] }
        vary { $0.syscalls![0].names = ["readwrite"] }  // not the same as ["read", "write"]
        vary { $0.syscalls![0].action = "SCMP_ACT_LOG" }
        vary { $0.syscalls![0].errnoRet = 1 }
        vary { $0.syscalls![0].args = [] }
        vary { $0.syscalls![1].args![0].index = 1 }
        vary { $0.syscalls![1].args![0].value = 9 }
        vary { $0.syscalls![1].args![0].valueTwo = 8 }
        vary { $0.syscalls![1].args![0].op = "SCMP_CMP_NE" }
        vary { $0.syscalls!.reverse() }
        let keys = [Self.key(Self.base)] + variants.map(Self.key)
        #expect(Set(keys).count == keys.count, "two different profiles share a cache key")
    }

    @Test func theAgentsAddressIsNoPartOfTheKey() {
        var s = Self.base
        s.listenerPath = "/run/agent.sock"
        s.listenerMetadata = "x"
        #expect(Self.key(s) == Self.key(Self.base))
    }

    /// A field added to the profile's types must be added to the key (or declared no part of the
    /// program, as the listener's are): a key that missed it would serve one profile's program for another.
    @Test func theKeyKnowsEveryFieldOfTheProfileTypes() {
        func fields(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        let rule = Self.base.syscalls![1]
        #expect(fields(Self.base) == SeccompCacheKey.coveredFields["LinuxSeccomp"])
        #expect(fields(rule) == SeccompCacheKey.coveredFields["LinuxSyscall"])
        #expect(fields(rule.args![0]) == SeccompCacheKey.coveredFields["LinuxSeccompArg"])
    }
}
