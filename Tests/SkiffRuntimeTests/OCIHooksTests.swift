import Foundation
import Glibc
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// OCI hooks through `skiff-oci` (runtime-spec config.md "POSIX-platform Hooks"): each kind runs at its
/// place in the lifecycle, in its namespaces, with the state JSON on stdin; a failing or slow hook fails
/// the create or start and leaves nothing behind; poststart and poststop failures are only warnings.
@Suite(
    "OCI hooks (root, real kernel)",
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct OCIHooksTests {
    let probe = BusyboxFixture.probe

    func oci(_ args: [String], _ sandbox: ContainerSandbox) throws -> SkiffBinary.Output {
        try SkiffBinary.run(args, sandbox: sandbox, binary: try #require(SkiffBinary.ociPath))
    }

    /// A host script that saves its stdin and its mount and pid namespaces under `dir`, named by $1.
    func recorder(_ sandbox: ContainerSandbox) throws -> String {
        let path = sandbox.directory + "/record.sh"
        let text = """
            #!/bin/sh
            cat > "\(sandbox.directory)/$1.json"
            readlink /proc/self/ns/mnt > "\(sandbox.directory)/$1.mnt"
            echo "$1" >> "\(sandbox.directory)/order"
            """
        try ExecutableScript.write(text, to: path)
        return path
    }

    /// The busybox spec with `hooks`, and the sandbox directory bound at /mnt (a directory the fixture has: a new mount point would be made in the shared rootfs) so that hooks running in
    /// the container (startContainer) can write where the test reads.
    func spec(_ args: [String], hooks: Hooks, _ sandbox: ContainerSandbox) throws -> Spec {
        var spec = try BusyboxFixture.spec(args)
        spec.hooks = hooks
        spec.mounts =
            (spec.mounts ?? []) + [
                Mount(
                    destination: "/mnt", type: "bind", source: sandbox.directory,
                    options: ["rbind", "rw"])
            ]
        return spec
    }

    func json(_ path: String, _ sandbox: ContainerSandbox) -> [String: Any] {
        let text = sandbox.read(path)
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    func namespace(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    }

    @Test func everyKindRunsInItsPlaceWithTheState() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hooks")
            let rec = try recorder(sandbox)
            var hooks = Hooks()
            hooks.prestart = [Hook(path: rec, args: ["record.sh", "prestart"])]
            hooks.createRuntime = [Hook(path: rec, args: ["record.sh", "createRuntime"], timeout: 10)]
            // Before pivot_root the host's files are still in reach (runc's order).
            hooks.createContainer = [Hook(path: rec, args: ["record.sh", "createContainer"])]
            // After pivot_root: a program of the container's, writing through the bind mount.
            hooks.startContainer = [
                Hook(
                    path: "/bin/sh",
                    args: [
                        "sh", "-c",
                        "cat > /mnt/startContainer.json; "
                            + "readlink /proc/self/ns/mnt > /mnt/startContainer.mnt; "
                            + "echo \"$HOOKVAR\" > /mnt/startContainer.env; "
                            + "echo startContainer >> /mnt/order",
                    ],
                    env: ["HOOKVAR=from-the-spec"])
            ]
            hooks.poststart = [Hook(path: rec, args: ["record.sh", "poststart"])]
            hooks.poststop = [Hook(path: rec, args: ["record.sh", "poststop"])]
            let bundle = try sandbox.bundle(try spec([probe, "sleep", "60"], hooks: hooks, sandbox))
            let pidFile = sandbox.directory + "/pid"

            let create = try oci(["create", "--bundle", bundle, "--pid-file", pidFile, id], sandbox)
            #expect(create.status == 0, "create: \(create.stderr)")
            #expect(sandbox.read(sandbox.directory + "/order") == "prestart\ncreateRuntime\ncreateContainer\n")
            let pid = Int(sandbox.read(pidFile)) ?? -1
            var st = stat()
            #expect(
                stat(sandbox.root + "/\(id)/state.json", &st) == 0 && st.st_mode & 0o777 == 0o600,
                "the record holds the hooks' env: root's alone")
            let hostMnt = namespace("/proc/self/ns/mnt")
            let containerMnt = namespace("/proc/\(pid)/ns/mnt")
            #expect(hostMnt != containerMnt)

            for kind in ["prestart", "createRuntime"] {
                let state = json(sandbox.directory + "/\(kind).json", sandbox)
                #expect(state["id"] as? String == id, "\(kind): \(state)")
                #expect(state["status"] as? String == "created", "\(kind): crun's status, runtime-tools' hooks_stdin")
                #expect(state["pid"] as? Int == pid, "\(kind): the host pid of the init")
                #expect(state["bundle"] as? String == bundle, "\(kind)")
                #expect(state["ociVersion"] as? String == Spec.version, "\(kind)")
                #expect(
                    sandbox.read(sandbox.directory + "/\(kind).mnt") == hostMnt + "\n",
                    "\(kind) runs in the runtime's namespaces")
            }
            let creating = json(sandbox.directory + "/createContainer.json", sandbox)
            #expect(creating["status"] as? String == "creating" && creating["id"] as? String == id, "\(creating)")
            #expect(creating["pid"] as? Int == 1, "the init's pid in its own pid namespace, as runc gives it")
            #expect(
                sandbox.read(sandbox.directory + "/createContainer.mnt") == containerMnt + "\n",
                "createContainer runs in the container's mount namespace")
            #expect(
                !FileManager.default.fileExists(atPath: sandbox.directory + "/startContainer.json"), "not before start")

            let start = try oci(["start", id], sandbox)
            #expect(start.status == 0, "start: \(start.stderr)")
            let started = json(sandbox.directory + "/startContainer.json", sandbox)
            #expect(started["status"] as? String == "created" && started["id"] as? String == id, "\(started)")
            #expect(sandbox.read(sandbox.directory + "/startContainer.mnt") == containerMnt + "\n")
            #expect(sandbox.read(sandbox.directory + "/startContainer.env") == "from-the-spec\n", "the hook's env")
            let running = json(sandbox.directory + "/poststart.json", sandbox)
            #expect(running["status"] as? String == "running" && running["pid"] as? Int == pid, "\(running)")
            #expect(
                sandbox.read(sandbox.directory + "/order")
                    == "prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\n")

            let delete = try oci(["delete", "--force", id], sandbox)
            #expect(delete.status == 0, "delete: \(delete.stderr)")
            let stopped = json(sandbox.directory + "/poststop.json", sandbox)
            #expect(stopped["status"] as? String == "stopped" && stopped["id"] as? String == id, "\(stopped)")
            #expect(sandbox.read(sandbox.directory + "/poststop.mnt") == hostMnt + "\n")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test(arguments: ["prestart", "createRuntime", "createContainer"])
    func aFailingCreateHookFailsCreateAndTearsDown(kind: String) throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookfail")
            let rec = try recorder(sandbox)
            let failing = Hook(path: "/bin/sh", args: ["sh", "-c", "echo broken network >&2; exit 3"])
            var hooks = Hooks()
            switch kind {
            case "prestart": hooks.prestart = [failing]
            case "createRuntime": hooks.createRuntime = [failing]
            default: hooks.createContainer = [failing]
            }
            hooks.poststop = [Hook(path: rec, args: ["record.sh", "poststop"])]
            let bundle = try sandbox.bundle(try spec([probe, "sleep", "60"], hooks: hooks, sandbox))
            let create = try oci(["create", "--bundle", bundle, id], sandbox)
            #expect(create.status != 0)
            #expect(create.stderr.contains("\(kind) hook /bin/sh: exit status 3: broken network"), "\(create.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty, "the container is torn down")
            #expect(try oci(["state", id], sandbox).status != 0)
            // The lifecycle goes on to delete, and so to the poststop hooks.
            #expect(json(sandbox.directory + "/poststop.json", sandbox)["status"] as? String == "stopped")
        }
    }

    @Test func aFailingStartContainerHookFailsStart() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookstart")
            var hooks = Hooks()
            hooks.startContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "echo not today; exit 4"])]
            let bundle = try sandbox.bundle(try spec([probe, "sleep", "60"], hooks: hooks, sandbox))
            let create = try oci(["create", "--bundle", bundle, id], sandbox)
            #expect(create.status == 0, "create: \(create.stderr)")
            let start = try oci(["start", id], sandbox)
            #expect(start.status != 0)
            #expect(start.stderr.contains("startContainer hook /bin/sh: exit status 4: not today"), "\(start.stderr)")
            let state = try oci(["state", id], sandbox)
            #expect(state.stdout.contains("\"stopped\""), "the container's process never ran: \(state.stdout)")
            #expect(try oci(["delete", id], sandbox).status == 0)
            #expect(sandbox.leftovers(of: id).isEmpty)

            // `run` reports it the same way.
            let runID = sandbox.newID("hookrun")
            let run = try oci(["run", "--bundle", bundle, runID], sandbox)
            #expect(
                run.status != 0 && run.stderr.contains("startContainer hook /bin/sh: exit status 4"), "\(run.stderr)")
            #expect(sandbox.leftovers(of: runID).isEmpty)
        }
    }

    @Test func aHookPastItsTimeoutIsKilled() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hooktime")
            var hooks = Hooks()
            hooks.createRuntime = [Hook(path: "/bin/sleep", args: ["sleep", "30"], timeout: 1)]
            let bundle = try sandbox.bundle(try spec([probe, "sleep", "60"], hooks: hooks, sandbox))
            let started = Date()
            let create = try oci(["create", "--bundle", bundle, id], sandbox)
            #expect(create.status != 0)
            #expect(create.stderr.contains("createRuntime hook /bin/sleep: timed out after 1s"), "\(create.stderr)")
            #expect(Date().timeIntervalSince(started) < 20, "the hook was not killed at its timeout")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func poststartAndPoststopFailuresAreOnlyWarnings() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookwarn")
            let rec = try recorder(sandbox)
            var hooks = Hooks()
            // The hook after a failing one still runs (runtime-tools' poststart_fail and poststop_fail).
            hooks.poststart = [Hook(path: "/bin/false"), Hook(path: rec, args: ["record.sh", "poststart"])]
            hooks.poststop = [Hook(path: "/bin/false"), Hook(path: rec, args: ["record.sh", "poststop"])]
            let bundle = try sandbox.bundle(try spec([probe, "sleep", "60"], hooks: hooks, sandbox))
            #expect(try oci(["create", "--bundle", bundle, id], sandbox).status == 0)
            let start = try oci(["start", id], sandbox)
            #expect(
                start.status == 0 && start.stderr.contains("poststart hook /bin/false: exit status 1"),
                "\(start.stderr)")
            let delete = try oci(["delete", "--force", id], sandbox)
            #expect(
                delete.status == 0 && delete.stderr.contains("poststop hook /bin/false: exit status 1"),
                "\(delete.stderr)")
            #expect(
                sandbox.read(sandbox.directory + "/order") == "poststart\npoststop\n",
                "the hooks after the failing ones ran")
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    /// poststart runs "after the user-specified process is executed" (runtime-tools' poststart): the
    /// init has exec'd the container's program by the time the hook looks at it. The init is stopped
    /// before `start` and let go a second later, so a `start` that ran the hook without waiting for the
    /// execve would show the hook skiff's own init.
    @Test func poststartSeesTheExecdProcess() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("hookexec")
            let script = sandbox.directory + "/exe.sh"
            let text = """
                #!/bin/sh
                pid=$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/')
                readlink /proc/$pid/exe > "\(sandbox.directory)/exe"
                """
            try ExecutableScript.write(text, to: script)
            var hooks = Hooks()
            hooks.poststart = [Hook(path: script)]
            let bundle = try sandbox.bundle(try spec(["/bin/sleep", "60"], hooks: hooks, sandbox))
            let pidFile = sandbox.directory + "/pid"
            #expect(try oci(["create", "--bundle", bundle, "--pid-file", pidFile, id], sandbox).status == 0)
            let pid = try #require(Int32(sandbox.read(pidFile)))
            #expect(kill(pid, SIGSTOP) == 0)
            let resume = Thread {
                sleep(1); kill(pid, SIGCONT)
            }
            resume.start()
            let start = try oci(["start", id], sandbox)
            #expect(start.status == 0, "start: \(start.stderr)")
            #expect(sandbox.read(sandbox.directory + "/exe") == "/bin/busybox\n")
            #expect(try oci(["delete", "--force", id], sandbox).status == 0)
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func badHooksAreRefusedByField() throws {
        try ContainerSandbox.with { sandbox in
            for (hook, field) in [
                (Hook(path: "relative/hook"), "hooks.prestart[0].path"),
                (Hook(path: "/bin/true", timeout: 0), "hooks.prestart[0].timeout"),
            ] {
                let id = sandbox.newID("hookbad")
                var hooks = Hooks()
                hooks.prestart = [hook]
                let bundle = try sandbox.bundle(try spec([probe, "true"], hooks: hooks, sandbox))
                let create = try oci(["create", "--bundle", bundle, id], sandbox)
                #expect(create.status != 0 && create.stderr.contains(field), "\(create.stderr)")
                #expect(sandbox.leftovers(of: id).isEmpty)
            }
        }
    }
}
