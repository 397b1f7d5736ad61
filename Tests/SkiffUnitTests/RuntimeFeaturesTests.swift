import Foundation
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// `skiff-oci features` claims only what the runtime takes: every seccomp action, operator,
/// architecture and flag it lists compiles, every mount option it lists is one the planner parses into
/// flags, and the hooks are runtime-spec's six.
@Suite("features.json")
struct RuntimeFeaturesTests {
    let features = RuntimeFeatures.current(version: "test")

    @Test func everyListedSeccompNameCompiles() throws {
        let compiler = SeccompCompiler(cacheDirectory: nil)
        let s = features.linux.seccomp
        for action in s.actions where action != "SCMP_ACT_ALLOW" {
            let profile = LinuxSeccomp(
                defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [LinuxSyscall(names: ["getcwd"], action: action)], listenerPath: "/run/agent.sock")
            #expect(throws: Never.self, "\(action)") { _ = try compiler.compile(profile) }
        }
        for op in s.operators {
            let profile = LinuxSeccomp(
                defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [
                    LinuxSyscall(
                        names: ["getcwd"], action: "SCMP_ACT_ERRNO",
                        args: [LinuxSeccompArg(index: 0, value: 1, valueTwo: 1, op: op)])
                ])
            #expect(throws: Never.self, "\(op)") { _ = try compiler.compile(profile) }
        }
        for arch in s.archs {
            let profile = LinuxSeccomp(
                defaultAction: "SCMP_ACT_ALLOW", architectures: [arch],
                syscalls: [LinuxSyscall(names: ["getcwd"], action: "SCMP_ACT_ERRNO")])
            #expect(throws: Never.self, "\(arch)") { _ = try compiler.compile(profile) }
        }
        for flag in s.supportedFlags {
            let profile = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: [flag])
            #expect(throws: Never.self, "\(flag)") { _ = try compiler.compile(profile) }
        }
        #expect(s.actions.contains("SCMP_ACT_NOTIFY"), "seccomp agents are supported")
    }

    @Test func mountOptionsAreParsedAsFlags() throws {
        for option in features.mountOptions {
            let parsed = MountOptions([option])
            #expect(parsed.data.isEmpty, "\(option) is listed but would go to the filesystem as data")
        }
        #expect(features.mountOptions.contains("rbind") && features.mountOptions.contains("rprivate"))
    }

    @Test func hooksNamespacesAndVersions() {
        #expect(
            features.hooks == [
                "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
            ])
        #expect(Set(features.linux.namespaces) == ["user", "mount", "pid", "network", "ipc", "uts", "cgroup", "time"])
        #expect(features.ociVersionMax == Spec.version)
        #expect(features.linux.capabilities.first == "CAP_CHOWN" && features.linux.capabilities.contains("CAP_BPF"))
        #expect(!features.linux.apparmor.enabled && !features.linux.selinux.enabled && !features.linux.cgroup.systemd)
    }
}
