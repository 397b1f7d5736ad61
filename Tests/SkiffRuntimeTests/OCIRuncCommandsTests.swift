import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// runc's commands beyond the lifecycle, through `skiff-oci` as containerd, Docker or runc's own tests
/// call them: pause/resume, update, events, features, ps, list, and the corners of exec, kill and state.
@Suite(
    "skiff-oci: runc's other commands (root, real kernel)",
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct OCIRuncCommandsTests {
    let probe = BusyboxFixture.probe

    func oci(_ args: [String], _ sandbox: ContainerSandbox) throws -> SkiffBinary.Output {
        try SkiffBinary.run(args, sandbox: sandbox, binary: try #require(SkiffBinary.ociPath))
    }

    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    func status(_ id: String, _ sandbox: ContainerSandbox) throws -> String? {
        object(try oci(["state", id], sandbox).stdout)["status"] as? String
    }

    /// A started container running `args`; returns its host pid.
    @discardableResult
    func started(
        _ id: String, _ args: [String], _ sandbox: ContainerSandbox, spec change: (inout Spec) -> Void = { _ in }
    )
        throws -> Int32
    {
        var spec = try BusyboxFixture.spec(args)
        change(&spec)
        let bundle = try sandbox.bundle(spec)
        let pidFile = sandbox.directory + "/\(id).pid"
        let create = try oci(["create", "--bundle", bundle, "--pid-file", pidFile, id], sandbox)
        try #require(create.status == 0, "create: \(create.stderr)")
        let start = try oci(["start", id], sandbox)
        try #require(start.status == 0, "start: \(start.stderr)")
        return Int32(sandbox.read(pidFile)) ?? 0
    }

    /// The file of the container's cgroup in the hierarchy of `controller` (v1), or in cgroup2.
    /// A file of the cgroup a spec without linux.cgroupsPath gets (/skiff-<id>).
    func cgroupFile(_ id: String, controller: String, _ file: String) -> String {
        let v1 = "/sys/fs/cgroup/\(controller)/skiff-\(id)/\(file)"
        return FileManager.default.fileExists(atPath: v1) ? v1 : "/sys/fs/cgroup/skiff-\(id)/\(file)"
    }

    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func pauseFreezesAndResumeThaws() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("pause")
            let pid = try started(id, [probe, "sleep", "60"], sandbox)
            let pause = try oci(["pause", id], sandbox)
            #expect(pause.status == 0, "pause: \(pause.stderr)")
            #expect(try status(id, sandbox) == "paused")
            let v1 = cgroupFile(id, controller: "freezer", "freezer.state")
            if v1.hasSuffix("freezer.state") && FileManager.default.fileExists(atPath: v1) {
                #expect(read(v1) == "FROZEN")
            } else {
                #expect(read(cgroupFile(id, controller: "", "cgroup.freeze")) == "1")
            }
            // runc refuses to exec into a paused container; so do we, by its status.
            #expect(try oci(["pause", id], sandbox).stderr.contains("paused"), "pausing twice names the status")

            let resume = try oci(["resume", id], sandbox)
            #expect(resume.status == 0, "resume: \(resume.stderr)")
            #expect(try status(id, sandbox) == "running")
            #expect(try oci(["resume", id], sandbox).status != 0, "a running container cannot be resumed")

            // SIGKILL reaches a paused container: it is thawed so that the process can die.
            #expect(try oci(["pause", id], sandbox).status == 0)
            #expect(try oci(["kill", id, "KILL"], sandbox).status == 0)
            #expect(sandbox.waitFor(10) { Glibc.kill(pid, 0) != 0 || (try? status(id, sandbox)) == "stopped" })
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func deleteForceOfAPausedContainer() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("pausedel")
            try started(id, [probe, "sleep", "60"], sandbox)
            #expect(try oci(["pause", id], sandbox).status == 0)
            let delete = try oci(["delete", "--force", id], sandbox)
            #expect(delete.status == 0, "delete: \(delete.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func updateFromFlagsAndFromJSON() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("update")
            try started(id, [probe, "sleep", "60"], sandbox) { spec in
                spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 32 << 20), pids: LinuxPids(limit: 20))
            }
            let flags = try oci(
                [
                    "update", "--memory", "64m", "--memory-swap", "128m", "--cpu-quota", "20000",
                    "--cpu-period", "100000", "--cpu-share", "512", "--pids-limit", "30", id,
                ], sandbox)
            #expect(flags.status == 0, "update: \(flags.stderr)")
            #expect(read(cgroupFile(id, controller: "memory", "memory.limit_in_bytes")) == String(64 << 20))
            #expect(read(cgroupFile(id, controller: "cpu", "cpu.cfs_quota_us")) == "20000")
            #expect(read(cgroupFile(id, controller: "cpu", "cpu.shares")) == "512")
            #expect(read(cgroupFile(id, controller: "pids", "pids.max")) == "30")

            // containerd's way: LinuxResources JSON on stdin.
            let json = #"{"memory":{"limit":100663296},"pids":{"limit":40}}"#
            let oci = try #require(SkiffBinary.ociPath)
            let shell = try SkiffBinary.spawn(
                ["-c", "printf '%s' '\(json)' | \(oci) --root \(sandbox.root) update -r - \(id)"],
                sandbox: sandbox, name: "piped", binary: "/bin/sh")
            #expect(SkiffBinary.wait(shell) == 0, "update -r -: \(sandbox.read(sandbox.directory + "/piped.err"))")
            #expect(read(cgroupFile(id, controller: "memory", "memory.limit_in_bytes")) == "100663296")
            #expect(read(cgroupFile(id, controller: "pids", "pids.max")) == "40")

            let bad = try self.oci(["update", "--memory", "lots", id], sandbox)
            #expect(bad.status != 0 && bad.stderr.contains("--memory"), "\(bad.stderr)")
            #expect(try self.oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    @Test func execIntoACreatedContainer() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("execcreated")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "sleep", "60"]))
            #expect(try oci(["create", "--bundle", bundle, id], sandbox).status == 0)
            let exec = try oci(["exec", id, "/bin/sh", "-c", "echo from-exec"], sandbox)
            #expect(exec.status == 0 && exec.stdout == "from-exec\n", "exec: \(exec.stdout) \(exec.stderr)")
            #expect(try status(id, sandbox) == "created", "exec does not start the container")
            #expect(try oci(["start", id], sandbox).status == 0)
            #expect(try status(id, sandbox) == "running")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    @Test func execProcessFileWithoutUserRunsAsRoot() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("execproc")
            try started(id, [probe, "sleep", "60"], sandbox)
            let file = sandbox.directory + "/process.json"
            try #"{"args":["/bin/sh","-c","id -u; id -g"],"cwd":"/","env":["PATH=/bin"]}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            let exec = try oci(["exec", "--process", file, id], sandbox)
            #expect(exec.status == 0 && exec.stdout == "0\n0\n", "exec: \(exec.stdout) \(exec.stderr)")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    @Test func killSignalZeroOnlyChecks() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("kill0")
            let pid = try started(id, [probe, "sleep", "60"], sandbox)
            let all = try oci(["kill", "--all", id, "0"], sandbox)
            #expect(all.status == 0, "kill --all 0: \(all.stderr)")
            #expect(try oci(["kill", id, "0"], sandbox).status == 0)
            #expect(Glibc.kill(pid, 0) == 0)
            #expect(try status(id, sandbox) == "running")
            #expect(try oci(["kill", "--all", id, "KILL"], sandbox).status == 0)
            #expect(sandbox.waitFor(10) { (try? status(id, sandbox)) == "stopped" })
            #expect(try oci(["kill", id, "0"], sandbox).status != 0, "a stopped container takes no signal")
            #expect(try oci(["delete", id], sandbox).status == 0)
        }
    }

    @Test func stateOfAContainerWhoseInitDied() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("died")
            let pid = try started(id, [probe, "exit", "0"], sandbox)
            #expect(pid > 0)
            #expect(sandbox.waitFor(10) { (try? status(id, sandbox)) == "stopped" })
            let state = object(try oci(["state", id], sandbox).stdout)
            #expect(state["pid"] as? Int == 0 && state["id"] as? String == id, "\(state)")
            #expect(try oci(["delete", id], sandbox).status == 0, "a stopped container is deleted without --force")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func psListAndEvents() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("ps")
            let pid = try started(id, [probe, "sleep", "60"], sandbox)

            let json = try oci(["ps", "--format", "json", id], sandbox)
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Int]) == [Int(pid)],
                "\(json.stdout)")
            let table = try oci(["ps", id], sandbox)
            let lines = table.stdout.split(separator: "\n")
            #expect(
                lines.first?.contains("PID") == true && lines.count == 2,
                "ps -ef, the container's lines: \(table.stdout) \(table.stderr)")
            #expect(lines.last?.contains("sleep") == true)
            let custom = try oci(["ps", id, "-o", "pid,comm"], sandbox)
            #expect(
                custom.stdout.split(separator: "\n").last?.split(separator: " ").map(String.init) == [
                    "\(pid)", "skiff-probe",
                ],
                "ps ID -o pid,comm: \(custom.stdout) \(custom.stderr)")

            let list = try oci(["list"], sandbox)
            #expect(
                list.stdout.hasPrefix("ID") && list.stdout.contains("OWNER") && list.stdout.contains(id),
                "\(list.stdout)")
            let listJSON = try JSONSerialization.jsonObject(
                with: Data(try oci(["list", "--format", "json"], sandbox).stdout.utf8))
            #expect((listJSON as? [[String: Any]])?.first?["status"] as? String == "running")
            #expect(try oci(["list", "-q"], sandbox).stdout == id + "\n")

            let stats = object(try oci(["events", "--stats", id], sandbox).stdout)
            #expect(stats["type"] as? String == "stats" && stats["id"] as? String == id, "\(stats)")
            let data = stats["data"] as? [String: Any] ?? [:]
            #expect(((data["pids"] as? [String: Any])?["current"] as? Int ?? 0) >= 1, "\(data)")
            #expect(
                (((data["memory"] as? [String: Any])?["usage"] as? [String: Any])?["usage"] as? Int ?? 0) > 0, "\(data)"
            )

            // The stream: a stats event every interval until the container stops.
            let stream = try SkiffBinary.spawn(
                ["--root", sandbox.root, "events", "--interval", "100ms", id], sandbox: sandbox,
                name: "events", binary: try #require(SkiffBinary.ociPath))
            #expect(
                sandbox.waitFor(10) {
                    sandbox.read(sandbox.directory + "/events.out").split(separator: "\n").count >= 2
                })
            #expect(try oci(["kill", id, "KILL"], sandbox).status == 0)
            #expect(SkiffBinary.wait(stream) == 0, "events ends when the container stops")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
        }
    }

    @Test func eventsReportsAnOOMKill() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("oom")
            try started(id, ["/bin/sh", "-c", "sleep 1; \(probe) alloc 256; sleep 60"], sandbox) { spec in
                spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 16 << 20, swap: 16 << 20))
            }
            let stream = try SkiffBinary.spawn(
                ["--root", sandbox.root, "events", "--interval", "100ms", id], sandbox: sandbox,
                name: "oom-events", binary: try #require(SkiffBinary.ociPath))
            let events = sandbox.directory + "/oom-events.out"
            #expect(
                sandbox.waitFor(20) { sandbox.read(events).contains(#"{"type":"oom","id":"\#(id)"}"#) },
                "no oom event: \(sandbox.read(events).suffix(300))")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
            #expect(SkiffBinary.wait(stream) == 0)
        }
    }

    @Test func featuresListWhatSkiffImplements() throws {
        try ContainerSandbox.with { sandbox in
            let out = try oci(["features"], sandbox)
            #expect(out.status == 0, "\(out.stderr)")
            let features = object(out.stdout)
            #expect(features["ociVersionMin"] as? String == "1.0.0")
            #expect(features["ociVersionMax"] as? String == Spec.version)
            #expect(
                features["hooks"] as? [String] == [
                    "prestart", "createRuntime", "createContainer", "startContainer",
                    "poststart", "poststop",
                ])
            let options = features["mountOptions"] as? [String] ?? []
            #expect(options.contains("rbind") && options.contains("rslave") && options.contains("nosuid"))
            let linux = features["linux"] as? [String: Any] ?? [:]
            #expect((linux["namespaces"] as? [String])?.contains("cgroup") == true)
            #expect((linux["capabilities"] as? [String])?.contains("CAP_SYS_ADMIN") == true)
            let seccomp = linux["seccomp"] as? [String: Any] ?? [:]
            #expect(seccomp["enabled"] as? Bool == true)
            #expect((seccomp["actions"] as? [String])?.contains("SCMP_ACT_ERRNO") == true)
            #expect(
                (seccomp["actions"] as? [String])?.contains("SCMP_ACT_NOTIFY") == true, "seccomp agents are supported")
            #expect((linux["apparmor"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect((linux["selinux"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect((linux["cgroup"] as? [String: Any])?["systemd"] as? Bool == false)
        }
    }
}
