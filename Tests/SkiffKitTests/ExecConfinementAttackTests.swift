import Foundation
import SkiffKit
import Testing

/// A process started by `skiff exec` tries to step outside what the container is: a syscall the
/// container's seccomp profile forbids, and a look at the host's processes. `exec` hands the runtime the
/// spec the CLI already read; these attacks fail only if that spec is the container's own.
@Suite(
    "exec stays confined (attacks, root)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ExecConfinementAttackTests {
    @Test func execRunsUnderTheContainersSeccompProfileAndNamespaces() throws {
        let root = try CLIRoot(prefix: "skiff-exec-attack-")
        defer { root.cleanUp() }
        let profile = root.path + "/no-mkdir.json"
        try """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let run = root.skiff(
            "run", "-d", "--name", "confined", "--network", "none", "--security-opt", "seccomp=" + profile,
            "busybox", "sleep", "300")
        #expect(run.status == 0, "\(run.err)")

        // The filter holds for the exec'd process, privileged or not.
        for extra in [[], ["--privileged"]] {
            let attempt = root.skiff(["exec"] + extra + ["confined", "mkdir", "/tmp/escaped"])
            #expect(attempt.status != 0, "mkdir got through the filter (\(extra)): \(attempt)")
            #expect(attempt.err.contains("Operation not permitted"), "\(attempt.err)")
        }
        // Its PID namespace is the container's: pid 1 is the container's sleep, not the host's init.
        let pidOne = root.skiff("exec", "confined", "cat", "/proc/1/cmdline")
        #expect(pidOne.out.hasPrefix("sleep"), "\(pidOne)")
        let seen = root.skiff("exec", "confined", "sh", "-c", "ls /proc | grep -c '^[0-9]'")
        #expect((Int(seen.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99) <= 4, "\(seen.out)")
        #expect(root.skiff("rm", "-f", "confined").status == 0)
    }
}
