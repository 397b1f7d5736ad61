import Foundation
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// Tests/Fixtures/moby-seccomp-default.txt: Docker's current default profile, the names only, in sections.
enum MobySeccompFixture {
    static let path = RepositoryPaths.file("Tests/Fixtures/moby-seccomp-default.txt")

    /// "[allow]" → names, "[cap CAP_SYS_ADMIN]" → names, ...
    static func sections() throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        var current: String?
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                out[current!] = []
            } else if let current {
                out[current]! += line.split(separator: " ").map(String.init)
            }
        }
        return out
    }
}

@Suite("Default seccomp profile against Docker's (moby/profiles 02e898b)")
struct DefaultSeccompProfileTests {
    @Test func unconditionalAllowlistIsDockers() throws {
        let fixture = try #require(try MobySeccompFixture.sections()["allow"])
        let ours = Set(DefaultSeccompProfile.allowed)
        #expect(DefaultSeccompProfile.allowed.count == ours.count, "duplicates in the allowlist")
        #expect(ours.subtracting(fixture).sorted() == [], "allowed by Skiff, not by Docker")
        #expect(Set(fixture).subtracting(ours).sorted() == [], "allowed by Docker, missing in Skiff")
    }

    @Test func ioUringAndOtherEscapesAreNeverUnconditional() throws {
        let never = try #require(try MobySeccompFixture.sections()["not-allowed"])
        #expect(never.contains("io_uring_setup"))
        let profile = DefaultSeccompProfile.make(capabilities: DockerDefaults.capabilities)
        for rule in profile.syscalls ?? [] where rule.action == "SCMP_ACT_ALLOW" && (rule.args ?? []).isEmpty {
            let leaked = Set(rule.names).intersection(never).sorted()
            #expect(leaked.isEmpty, "allowed without an argument filter: \(leaked)")
        }
        // Even CAP_SYS_ADMIN does not bring io_uring back (Docker has no block that does).
        let admin = DefaultSeccompProfile.make(capabilities: DockerDefaults.capabilities + ["CAP_SYS_ADMIN"])
        #expect(!(admin.syscalls ?? []).contains { $0.names.contains { $0.hasPrefix("io_uring") } })
    }

    @Test func capabilityBlocksAreDockers() throws {
        let sections = try MobySeccompFixture.sections()
        var docker: [String: Set<String>] = [:]
        for (key, names) in sections where key.hasPrefix("cap ") { docker[String(key.dropFirst(4))] = Set(names) }
        var ours: [String: Set<String>] = [:]
        for (cap, names) in DefaultSeccompProfile.capabilityBlocks { ours[cap.name, default: []].formUnion(names) }
        #expect(ours == docker)
        // Skiff's one deliberate difference: Docker also allows these on kernels >= 4.8 without the
        // capability; Skiff only with CAP_SYS_PTRACE.
        for name in ["ptrace", "process_vm_readv", "process_vm_writev"] {
            #expect(!DefaultSeccompProfile.allowed.contains(name))
            #expect(ours["CAP_SYS_PTRACE"]?.contains(name) == true)
        }
    }

    /// The socket rules, evaluated like the kernel would, allow exactly Docker's families.
    @Test func socketFamiliesAreDockers() throws {
        let fixture = try #require(try MobySeccompFixture.sections()["socket-domains"]).compactMap { UInt64($0) }
        #expect(Set(DefaultSeccompProfile.socketDomains) == Set(fixture))
        let rules = (DefaultSeccompProfile.make(capabilities: []).syscalls ?? []).filter { $0.names == ["socket"] }
        #expect(rules.allSatisfy { $0.action == "SCMP_ACT_ALLOW" && $0.args?.count == 1 && $0.args?[0].index == 0 })
        func allowed(_ domain: UInt64) -> Bool {
            rules.contains { rule in
                guard let arg = rule.args?.first else { return true }
                switch arg.op {
                case "SCMP_CMP_LT": return domain < arg.value
                case "SCMP_CMP_EQ": return domain == arg.value
                default: Issue.record("unexpected operator \(arg.op)"); return false
                }
            }
        }
        let open = Set((0..<64).filter { allowed(UInt64($0)) }.map { UInt64($0) })
        #expect(open == Set(fixture).union([0]))  // 0 (AF_UNSPEC) is under the "< 12" rule; it creates nothing
        #expect(!open.contains(38), "AF_ALG")
        #expect(!open.contains(40), "AF_VSOCK")
        // The run 1...11 is one rule, the rest one rule each.
        #expect(rules.count == 1 + fixture.filter { $0 > 11 }.count)
    }

    @Test func socketRuleRangesCollapseOnlyFromAFUnix() {
        let lt = DefaultSeccompProfile.socketRules([1, 2, 3, 7])
        #expect(lt.map { "\($0.args![0].op) \($0.args![0].value)" } == ["SCMP_CMP_LT 4", "SCMP_CMP_EQ 7"])
        let eq = DefaultSeccompProfile.socketRules([2, 3, 4])
        #expect(
            eq.map { "\($0.args![0].op) \($0.args![0].value)" } == ["SCMP_CMP_EQ 2", "SCMP_CMP_EQ 3", "SCMP_CMP_EQ 4"])
        let single = DefaultSeccompProfile.socketRules([1, 3])
        #expect(single.map { $0.args![0].op } == ["SCMP_CMP_EQ", "SCMP_CMP_EQ"])
    }
}
