import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// The built `skiff` binary: next to the test bundle in the build directory, or $SKIFF_BIN.
enum SkiffBinary {
    static let path: String? = {
        if let env = ProcessInfo.processInfo.environment["SKIFF_BIN"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        // .../<config>/SkiffPackageTests.xctest (a file on Linux): the products sit beside it.
        while dir.path != "/" {
            dir.deleteLastPathComponent()
            let candidate = dir.path + "/skiff"
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }()

    /// `skiff-oci` (runc's command line alone), built beside `skiff`.
    static var ociPath: String? {
        path.map { ($0 as NSString).deletingLastPathComponent + "/skiff-oci" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }

    struct Output {
        var status: Int32  // shell-style: the exit code, or 128 + signal
        var stdout: String
        var stderr: String
    }

    /// Start `skiff ARGS` with stdout/stderr into files of the sandbox; returns its pid.
    static func spawn(
        _ args: [String], sandbox: ContainerSandbox, name: String, stderrFD: Int32? = nil,
        binary chosen: String? = nil
    ) throws -> pid_t {
        let binary = try #require(chosen ?? path, "the skiff binary was not built (set SKIFF_BIN)")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions, 1, sandbox.directory + "/\(name).out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let stderrFD {
            posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
        } else {
            posix_spawn_file_actions_addopen(
                &actions, 2, sandbox.directory + "/\(name).err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = ([binary] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, &argv, environ)
        if rc != 0 { throw SystemError("posix_spawn", path: binary, errno: rc) }
        return pid
    }

    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Run `skiff --root <sandbox root> ARGS` to completion.
    static func run(_ args: [String], sandbox: ContainerSandbox, binary: String? = nil) throws -> Output {
        let name = "cli-\(UInt32.random(in: 0...UInt32.max))"
        let pid = try spawn(["--root", sandbox.root] + args, sandbox: sandbox, name: name, binary: binary)
        let status = wait(pid)
        return Output(
            status: status, stdout: sandbox.read(sandbox.directory + "/\(name).out"),
            stderr: sandbox.read(sandbox.directory + "/\(name).err"))
    }
}

@Suite(
    "skiff oci command line (root, real kernel)",
    .enabled(if: BusyboxFixture.available && SkiffBinary.path != nil, BusyboxFixture.skipReason))
struct OCICommandLineTests {
    let probe = BusyboxFixture.probe

    func status(_ id: String, _ sandbox: ContainerSandbox) throws -> String? {
        let out = try SkiffBinary.run(["oci", "state", id], sandbox: sandbox)
        guard out.status == 0 else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return object?["status"] as? String
    }

    @Test func createStartStateKillDeleteRoundTrip() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("cli")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "sleep", "60"]))
            let pidFile = sandbox.directory + "/pid"

            let create = try SkiffBinary.run(
                ["oci", "create", "--bundle", bundle, "--pid-file", pidFile, id], sandbox: sandbox)
            #expect(create.status == 0, "create: \(create.stderr)")
            #expect(try status(id, sandbox) == "created")
            let pid = Int32(sandbox.read(pidFile)) ?? 0
            #expect(pid > 0)

            let state = try SkiffBinary.run(["oci", "state", id], sandbox: sandbox)
            let object = try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any]
            #expect(object?["id"] as? String == id)
            #expect(object?["pid"] as? Int == Int(pid))
            #expect(object?["bundle"] as? String == bundle)
            #expect(object?["ociVersion"] != nil)

            let start = try SkiffBinary.run(["oci", "start", id], sandbox: sandbox)
            #expect(start.status == 0, "start: \(start.stderr)")
            #expect(try status(id, sandbox) == "running")

            let ps = try SkiffBinary.run(["oci", "ps", "--format", "json", id], sandbox: sandbox)
            #expect(ps.stdout.contains("\(pid)"), "ps: \(ps.stdout) \(ps.stderr)")

            let kill = try SkiffBinary.run(["oci", "kill", id, "KILL"], sandbox: sandbox)
            #expect(kill.status == 0, "kill: \(kill.stderr)")
            #expect(sandbox.waitFor { (try? status(id, sandbox)) == "stopped" })

            let delete = try SkiffBinary.run(["oci", "delete", id], sandbox: sandbox)
            #expect(delete.status == 0, "delete: \(delete.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
            let gone = try SkiffBinary.run(["oci", "state", id], sandbox: sandbox)
            #expect(gone.status != 0)
            #expect(gone.stderr.contains("does not exist"), "\(gone.stderr)")
        }
    }

    @Test func runReturnsTheExitCode() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("cli")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "exit", "3"]))
            let run = try SkiffBinary.run(["oci", "run", "--bundle", bundle, id], sandbox: sandbox)
            #expect(run.status == 3, "stderr: \(run.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// `skiff-oci` takes runc's command line as it is: what Podman or containerd would call.
    @Test func skiffOCIIsRuncsCommandLine() throws {
        let oci = try #require(SkiffBinary.ociPath, "skiff-oci was not built")
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("ocibin")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "exit", "3"]))
            let run = try SkiffBinary.run(["run", "--bundle", bundle, id], sandbox: sandbox, binary: oci)
            #expect(run.status == 3, "stderr: \(run.stderr)")
            let state = try SkiffBinary.run(["state", id], sandbox: sandbox, binary: oci)
            #expect(state.status != 0 && state.stderr.contains(id), "a deleted container has no state: \(state.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
            // `--version` as runc prints it (Podman shows it in `podman info`); `skiff --version` says the same
            // (`skiff version` is Docker's Client/Server layout).
            let version = try SkiffBinary.run(["--version"], sandbox: sandbox, binary: oci)
            #expect(
                version.status == 0 && version.stdout.hasPrefix("skiff version ")
                    && version.stdout.contains("\nspec: 1."),
                "\(version.stdout)")
            #expect(try SkiffBinary.run(["--version"], sandbox: sandbox).stdout == version.stdout)
        }
    }

    @Test func missingBinaryMessageOnTheCommandLine() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("cli")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec(["/bin/no-such-program"]))
            let run = try SkiffBinary.run(["oci", "run", "--bundle", bundle, id], sandbox: sandbox)
            #expect(run.status != 0)
            #expect(run.stderr.contains("executable file not found"), "\(run.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// An attached run killed by SIGKILL leaves a running container: `delete --force` removes it all.
    @Test func deleteForceAfterTheRunCommandWasKilled() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("cli")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "sleep", "60"]))
            let pidFile = sandbox.directory + "/pid"
            let cli = try SkiffBinary.spawn(
                ["--root", sandbox.root, "oci", "run", "--bundle", bundle, "--pid-file", pidFile, id],
                sandbox: sandbox, name: "run")
            #expect(
                sandbox.waitFor { !sandbox.read(pidFile).isEmpty }, "\(sandbox.read(sandbox.directory + "/run.err"))")
            kill(cli, SIGKILL)
            #expect(SkiffBinary.wait(cli) == 128 + SIGKILL)
            let containerPid = Int32(sandbox.read(pidFile)) ?? 0
            #expect(containerPid > 0 && Glibc.kill(containerPid, 0) == 0, "the container should outlive the killed CLI")

            let delete = try SkiffBinary.run(["oci", "delete", "--force", id], sandbox: sandbox)
            #expect(delete.status == 0, "delete: \(delete.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty)
            #expect(
                sandbox.waitFor { Glibc.kill(containerPid, 0) != 0 }, "the container's process survived delete --force")
        }
    }

    /// A debug log written to a closed pipe must not kill the command halfway (leaving a cgroup).
    @Test func debugLogToAClosedPipe() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("cli")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec(["/bin/true"]))
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            close(fds[0])
            let cli = try SkiffBinary.spawn(
                ["--root", sandbox.root, "--debug", "oci", "run", "--bundle", bundle, id],
                sandbox: sandbox, name: "pipe", stderrFD: fds[1])
            close(fds[1])
            #expect(SkiffBinary.wait(cli) == 0)
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// runc's `delete --force` of a container that does not exist succeeds.
    @Test func deleteForceOfAnUnknownContainer() throws {
        try ContainerSandbox.with { sandbox in
            let out = try SkiffBinary.run(
                ["oci", "delete", "--force", "skiff-test-none-\(UInt32.random(in: 0...UInt32.max))"],
                sandbox: sandbox)
            #expect(out.status == 0, "\(out.stderr)")
            let plain = try SkiffBinary.run(["oci", "delete", "skiff-test-none-x"], sandbox: sandbox)
            #expect(plain.status != 0)
        }
    }
}
