import SkiffOCI
import Testing

@testable import SkiffRuntime

/// How a profile with SCMP_ACT_NOTIFY compiles: with a listener it asks seccomp(2) for a notify fd;
/// without one, on the syscalls the runtime needs to hand the fd over, or as the default, it is refused.
@Suite("seccomp: SCMP_ACT_NOTIFY profiles")
struct SeccompNotifyCompileTests {
    func profile(_ names: [String], listener: String? = "/run/agent.sock") -> LinuxSeccomp {
        LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [LinuxSyscall(names: names, action: "SCMP_ACT_NOTIFY")], listenerPath: listener)
    }

    @Test func aNotifyRuleAsksForANewListener() throws {
        let program = try SeccompCompiler.compileUncached(profile(["mkdir"]))
        #expect(program.flags & SeccompCompiler.newListenerFlag != 0)
        let plain = try SeccompCompiler.compileUncached(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW"))
        #expect(plain.flags & SeccompCompiler.newListenerFlag == 0)
    }

    @Test func refusedProfilesSayWhy() {
        func message(_ seccomp: LinuxSeccomp) -> String {
            do {
                _ = try SeccompCompiler.compileUncached(seccomp)
                return "compiled"
            } catch { return error.description }
        }
        #expect(message(profile(["mkdir"], listener: nil)).contains("listenerPath is not set"))
        #expect(message(profile(["mkdir"], listener: "")).contains("listenerPath is not set"))
        #expect(message(profile(["mkdir", "write"])).contains("SCMP_ACT_NOTIFY cannot be used for the write syscall"))
        #expect(message(profile(["sendmsg"])).contains("cannot be used for the sendmsg syscall"))
        #expect(
            message(LinuxSeccomp(defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/run/agent.sock"))
                .contains("SCMP_ACT_NOTIFY cannot be used as default action"))
    }

    @Test func theListenerIsNoPartOfTheCacheKey() throws {
        var other = profile(["mkdir"])
        other.listenerPath = "/elsewhere.sock"
        other.listenerMetadata = "x"
        #expect(SeccompCompiler.cacheKey(profile(["mkdir"])) == SeccompCompiler.cacheKey(other))
    }
}
