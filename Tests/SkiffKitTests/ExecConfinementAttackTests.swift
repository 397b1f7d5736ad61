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
    /// `run -d --name NAME` of a sleep under a profile that refuses mkdir (EPERM) and allows the rest;
    /// the container's ID.
    @discardableResult
    private func runRefusingMkdir(_ root: CLIRoot, name: String) throws -> String {
        let profile = root.path + "/no-mkdir.json"
        try """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let run = root.skiff(
            "run", "-d", "--name", name, "--network", "none", "--security-opt", "seccomp=" + profile,
            "busybox", "sleep", "300")
        #expect(run.status == 0, "\(run.err)")
        return run.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func execRunsUnderTheContainersSeccompProfileAndNamespaces() throws {
        let root = try CLIRoot(prefix: "skiff-exec-attack-")
        defer { root.cleanUp() }
        try runRefusingMkdir(root, name: "confined")

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

    /// An exec gets the filter its container's init was given (create keeps it in the runtime's state, as
    /// runc keeps its config): a config.json changed afterwards, here its profile taken out, does not
    /// free the exec. And a container whose kept filter is gone (made by an older skiff) still gets its
    /// profile, compiled from config.json.
    @Test func execKeepsTheInitsFilterWhateverConfigJsonSaysLater() throws {
        let root = try CLIRoot(prefix: "skiff-exec-attack-")
        defer { root.cleanUp() }
        let id = try runRefusingMkdir(root, name: "kept")
        let kept = root.path + "/run/" + id + "/seccomp.bpf"
        #expect(FileManager.default.fileExists(atPath: kept), "create kept no filter at \(kept)")

        // Without its kept filter, the exec compiles the profile in config.json.
        try FileManager.default.removeItem(atPath: kept)
        let compiled = root.skiff("exec", "kept", "mkdir", "/tmp/escaped")
        #expect(compiled.status != 0 && compiled.err.contains("Operation not permitted"), "\(compiled)")

        // Kept again (a new container), then config.json loses its profile.
        #expect(root.skiff("rm", "-f", "kept").status == 0)
        let newID = try runRefusingMkdir(root, name: "kept")
        let config = root.path + "/containers/" + newID + "/config.json"
        var spec = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any])
        var linux = try #require(spec["linux"] as? [String: Any])
        #expect(linux.removeValue(forKey: "seccomp") != nil, "the spec had no profile to take out")
        spec["linux"] = linux
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: config))
        let attempt = root.skiff("exec", "kept", "mkdir", "/tmp/escaped")
        #expect(attempt.status != 0, "mkdir got through once config.json lost the profile: \(attempt)")
        #expect(attempt.err.contains("Operation not permitted"), "\(attempt.err)")
        #expect(root.skiff("exec", "kept", "true").status == 0)
        #expect(root.skiff("rm", "-f", "kept").status == 0)
    }
}
