import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// What runc's own integration tests (tests/integration/*.bats of runc 1.1.5, see docs/conformance.md)
/// found `skiff-oci` doing differently from runc, each case as runc's test drives it.
@Suite(
    "skiff-oci: runc's bats suite cases (root, real kernel)",
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct OCIRuncBatsParityTests {
    let probe = BusyboxFixture.probe

    func oci(_ args: [String], _ sandbox: ContainerSandbox) throws -> SkiffBinary.Output {
        try SkiffBinary.run(args, sandbox: sandbox, binary: try #require(SkiffBinary.ociPath))
    }

    func started(_ id: String, _ sandbox: ContainerSandbox, spec change: (inout Spec) -> Void = { _ in }) throws {
        var spec = try BusyboxFixture.spec([probe, "sleep", "60"])
        change(&spec)
        let bundle = try sandbox.bundle(spec)
        let run = try oci(["run", "--detach", "--bundle", bundle, id], sandbox)
        try #require(run.status == 0, "run -d: \(run.stderr)")
    }

    /// The freezer's file of cgroup `path` (v1 freezer hierarchy, else cgroup2), and the frozen value.
    func freezerFile(_ path: String) -> (dir: String, file: String, frozen: String) {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer/freezer.state")
            || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer/cgroup.procs")
        {
            let dir = "/sys/fs/cgroup/freezer" + path
            return (dir, dir + "/freezer.state", "FROZEN")
        }
        let dir = "/sys/fs/cgroup" + path
        return (dir, dir + "/cgroup.freeze", "1")
    }

    // cgroups.bats "runc exec should refuse a paused container" and "runc exec --ignore-paused".
    @Test func execIntoAPausedContainerIsRefusedUnlessIgnorePaused() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("execpaused")
            try started(id, sandbox)
            #expect(try oci(["pause", id], sandbox).status == 0)

            let refused = try oci(["exec", id, "/bin/echo", "ok"], sandbox)
            #expect(refused.status == 255, "exec's own failure is 255, as runc's: \(refused.status)")
            #expect(refused.stderr.contains("cannot exec in a paused container"), "\(refused.stderr)")

            // With --ignore-paused the process waits in the frozen cgroup until the container resumes.
            let exec = try SkiffBinary.spawn(
                ["--root", sandbox.root, "exec", "--ignore-paused", id, "/bin/echo", "ok"], sandbox: sandbox,
                name: "ignorepaused", binary: try #require(SkiffBinary.ociPath))
            usleep(500_000)
            #expect(sandbox.read(sandbox.directory + "/ignorepaused.out").isEmpty, "nothing runs while paused")
            #expect(try oci(["resume", id], sandbox).status == 0)
            #expect(SkiffBinary.wait(exec) == 0, "\(sandbox.read(sandbox.directory + "/ignorepaused.err"))")
            #expect(sandbox.read(sandbox.directory + "/ignorepaused.out") == "ok\n")

            let missing = try oci(["exec", "skiff-test-no-such-container", "/bin/true"], sandbox)
            #expect(missing.status == 255, "every failure of exec itself: \(missing.status) \(missing.stderr)")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    // cgroups.bats "runc run/create should refuse pre-existing frozen cgroup".
    @Test func aPreexistingFrozenCgroupIsRefusedAndLeftAsItWas() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("frozen")
            let path = "/skiff-\(id)"
            let freezer = freezerFile(path)
            try FileManager.default.createDirectory(atPath: freezer.dir, withIntermediateDirectories: true)
            defer {
                let thawed = freezer.frozen == "1" ? "0" : "THAWED"
                try? thawed.write(toFile: freezer.file, atomically: false, encoding: .utf8)
                rmdir(freezer.dir)
            }
            try freezer.frozen.write(toFile: freezer.file, atomically: false, encoding: .utf8)

            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "sleep", "60"]))
            for command in ["run", "create"] {
                // Without the check the init freezes as it joins and the command never returns.
                let args =
                    command == "run"
                    ? ["run", "--detach", "--bundle", bundle, id] : ["create", "--bundle", bundle, id]
                let refused = try oci(args, sandbox)
                #expect(refused.status == 1, "\(command): \(refused.status) \(refused.stderr)")
                #expect(refused.stderr.contains("container's cgroup unexpectedly frozen"), "\(refused.stderr)")
                #expect(FileManager.default.fileExists(atPath: freezer.dir), "the caller's cgroup is kept")
                #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/" + id), "no state is left")
            }
        }
    }

    // cgroups.bats "runc run/create should warn about a non-empty cgroup".
    @Test func aSecondContainerInAnOccupiedCgroupIsWarnedAbout() throws {
        try ContainerSandbox.with { sandbox in
            let first = sandbox.newID("occupied")
            try started(first, sandbox)
            let second = sandbox.newID("sharing")
            let bundle = try sandbox.bundle(
                try {
                    var spec = try BusyboxFixture.spec([probe, "sleep", "60"])
                    spec.linux?.cgroupsPath = "/skiff-\(first)"
                    return spec
                }())
            let create = try oci(["create", "--bundle", bundle, second], sandbox)
            #expect(create.status == 0, "\(create.stderr)")
            #expect(create.stderr.contains("container's cgroup is not empty: 1 process(es) found"), "\(create.stderr)")
            #expect(try oci(["delete", "--force", second], sandbox).status == 0)
            #expect(try oci(["delete", "--force", first], sandbox).status == 0)
        }
    }

    // events.bats: callers match the line as text, `{"type":"stats","id":"ID",` first.
    @Test func eventsWriteTypeAndIDBeforeTheData() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("evorder")
            try started(id, sandbox)
            let stats = try oci(["events", "--stats", id], sandbox)
            #expect(stats.stdout.hasPrefix(#"{"type":"stats","id":"\#(id)","data":{"#), "\(stats.stdout.prefix(80))")
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(stats.stdout.utf8))) != nil, "still one JSON object")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    // run.bats "runc run --keep" (and "(check cgroup exists)").
    @Test func runKeepLeavesTheStoppedContainerUntilDelete() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("keep")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "exit", "0"]))
            let run = try oci(["run", "--keep", "--bundle", bundle, id], sandbox)
            #expect(run.status == 0, "\(run.stderr)")
            let state = try oci(["state", id], sandbox)
            #expect(state.status == 0 && state.stdout.contains("\"stopped\""), "\(state.stdout) \(state.stderr)")
            #expect(!ContainerSandbox.cgroupDirectories(of: id).isEmpty, "the cgroup is kept too")
            #expect(try oci(["run", "--keep", "--detach", "--bundle", bundle, id + "x"], sandbox).status != 0)
            #expect(try oci(["delete", id], sandbox).status == 0)
            #expect(try oci(["state", id], sandbox).status != 0)
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    // kill.bats "kill detached busybox": `kill --all ID 0` after the init died.
    @Test func killAllReachesAStoppedContainersCgroup() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("killall")
            try started(id, sandbox)
            #expect(try oci(["kill", id, "KILL"], sandbox).status == 0)
            #expect(sandbox.waitFor(10) { (try? oci(["state", id], sandbox).stdout.contains("\"stopped\"")) == true })
            let all = try oci(["kill", "--all", id, "0"], sandbox)
            #expect(all.status == 0, "\(all.stderr)")
            #expect(try oci(["kill", id, "0"], sandbox).status != 0, "a lone signal still needs the init")
            #expect(try oci(["delete", id], sandbox).status == 0)
        }
    }

    // ps.bats "ps -f json" and list.bats: one line, runc's field order.
    @Test func psAndListJSONAreOneLineInRuncsOrder() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("jsonline")
            try started(id, sandbox)
            let ps = try oci(["ps", "-f", "json", id], sandbox)
            #expect(ps.stdout.range(of: #"^\[[0-9]+\]\n$"#, options: .regularExpression) != nil, "\(ps.stdout)")
            let list = try oci(["list", "--format", "json"], sandbox)
            #expect(list.stdout.split(separator: "\n").count == 1, "\(list.stdout)")
            #expect(
                list.stdout.range(
                    of:
                        #"^\[\{"ociVersion":"[0-9.]+","id":"\#(id)","pid":[0-9]+,"status":"running","bundle":"[^"]+","rootfs":"[^"]*","created":"[^"]+"(,"annotations":\{[^}]*\})?,"owner":"[^"]*"\}\]$"#,
                    options: .regularExpression) != nil, "\(list.stdout)")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    // update.bats: -1 (unlimited) is a value of --memory-swap, --cpu-quota and --memory.
    @Test func updateTakesMinusOneAsAValue() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("updneg")
            try started(id, sandbox) { spec in
                spec.linux?.resources = LinuxResources()
                spec.linux?.resources?.cpu = LinuxCPU()
                spec.linux?.resources?.cpu?.quota = 50000
                spec.linux?.resources?.cpu?.period = 100000
            }
            let quota = try oci(["update", id, "--cpu-quota", "-1"], sandbox)
            #expect(quota.status == 0, "\(quota.stderr)")
            let swap = try oci(["update", id, "--memory", "-1", "--memory-swap", "-1"], sandbox)
            #expect(swap.status == 0, "\(swap.stderr)")
            let v1 = "/sys/fs/cgroup/cpu/skiff-\(id)/cpu.cfs_quota_us"
            let value =
                FileManager.default.fileExists(atPath: v1)
                ? (try? String(contentsOfFile: v1, encoding: .utf8))
                : (try? String(contentsOfFile: "/sys/fs/cgroup/skiff-\(id)/cpu.max", encoding: .utf8))
            #expect(value?.hasPrefix("-1") == true || value?.hasPrefix("max") == true, "\(value ?? "")")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    // update.bats "update cpu period in a pod cgroup with pod limit set" (cgroup v1).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.cfs_period_us")))
    func aShorterPeriodUnderAParentLimitIsWrittenAfterTheQuota() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("podcpu")
            let pod = "/sys/fs/cgroup/cpu/skiff/\(id)-pod"
            try FileManager.default.createDirectory(atPath: pod, withIntermediateDirectories: true)
            defer { rmdir(pod) }
            try "50000".write(toFile: pod + "/cpu.cfs_quota_us", atomically: false, encoding: .utf8)
            // 50% of a CPU, as the pod allows: over a period of 10 ms the old quota would be 500%.
            try started(id, sandbox) { spec in
                spec.linux?.cgroupsPath = "/skiff/\(id)-pod/\(id)"
                spec.linux?.resources = LinuxResources(cpu: LinuxCPU(quota: 50000, period: 100000))
            }
            let update = try oci(["update", "--cpu-period", "10000", "--cpu-quota", "3000", id], sandbox)
            #expect(update.status == 0, "\(update.stderr)")
            let dir = pod + "/" + id
            #expect((try? String(contentsOfFile: dir + "/cpu.cfs_period_us", encoding: .utf8)) == "10000\n")
            #expect((try? String(contentsOfFile: dir + "/cpu.cfs_quota_us", encoding: .utf8)) == "3000\n")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
            // The other hierarchies' pod directories (made by create as parents).
            for mount in ["cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio", "unified", "systemd"] {
                rmdir("/sys/fs/cgroup/\(mount)/skiff/\(id)-pod")
            }
        }
    }

    // help.bats "runc foo -h".
    @Test func helpOfAnUnknownCommandFails() throws {
        try ContainerSandbox.with { sandbox in
            let foo = try oci(["foo", "-h"], sandbox)
            #expect(foo.status != 0 && foo.stderr.contains("No help topic for 'foo'"), "\(foo.status) \(foo.stderr)")
            #expect(try oci(["state", "-h"], sandbox).status == 0)
        }
    }

    // seccomp.bats "(startContainer hook)": a failing hook is reported as runc words it.
    @Test func aFailingHookIsAnErrorRunningTheHook() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookfail")
            var spec = try BusyboxFixture.spec([probe, "exit", "0"])
            spec.hooks = Hooks()
            spec.hooks?.createRuntime = [Hook(path: "/bin/false")]
            let bundle = try sandbox.bundle(spec)
            let run = try oci(["run", "--bundle", bundle, id], sandbox)
            #expect(
                run.status != 0 && run.stderr.contains("error running hook: createRuntime hook /bin/false"),
                "\(run.stderr)")

            // A startContainer hook runs under the container's seccomp filter: a syscall it kills for is
            // named ("bad system call"), as runc names it.
            let killed = sandbox.newID("hookseccomp")
            var filtered = try BusyboxFixture.spec([probe, "exit", "0"])
            filtered.linux?.seccomp = LinuxSeccomp(
                defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL")])
            filtered.hooks = Hooks()
            filtered.hooks?.startContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "mkdir /dev/shm/foo"])]
            let seccomp = try oci(["run", "--bundle", try sandbox.bundle(filtered), killed], sandbox)
            #expect(
                seccomp.status != 0 && seccomp.stderr.contains("error running hook")
                    && seccomp.stderr.contains("bad system call"), "\(seccomp.stderr)")
        }
    }

    // hooks.bats "runc run (hooks library tests)": a createContainer hook works on paths relative to
    // the rootfs (runc runs it from there, before pivot_root).
    @Test func createContainerHooksRunFromTheRootfs() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookcwd")
            var spec = try BusyboxFixture.spec(["/bin/cat", "/dev/shm/hook-was-here"])
            spec.hooks = Hooks()
            spec.hooks?.createContainer = [
                Hook(path: "/bin/sh", args: ["sh", "-c", "pwd > ./dev/shm/hook-was-here"])
            ]
            let bundle = try sandbox.bundle(spec)
            let run = try oci(["run", "--bundle", bundle, id], sandbox)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("/rootfs\n"), "the hook's cwd: \(run.stdout)")
        }
    }
}
